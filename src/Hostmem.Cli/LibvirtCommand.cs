using System.CommandLine;
using System.Text.Json;
using Hostmem.Classification;
using Hostmem.Cli.Output;
using Hostmem.Libvirt;
using Hostmem.Planning;
using Hostmem.Sysfs;
using Hostmem.Topology;

namespace Hostmem.Cli;

/// <summary>`hostmem libvirt apply DOMAIN.xml`: the plan of `hostmem qemu`, written into a libvirt domain.</summary>
public static class LibvirtCommand
{
    public static Command Create()
    {
        var command = new Command("libvirt", "Place a libvirt domain's memory cells on host memory types: the plan of 'hostmem qemu', as domain XML.");
        command.Subcommands.Add(Apply());
        return command;
    }

    static Command Apply()
    {
        var sysfs = CommonOptions.Sysfs();
        var format = CommonOptions.Format();
        var json = CommonOptions.Json();
        var cells = new Option<string[]>("--cell")
        {
            Description = "A guest memory cell on host memory of TYPE (repeatable): ID=TYPE:SIZE[:MODE][:NODES], e.g. 1=cxl-ram:16GiB. "
                + "MODE: strict (default), preferred, interleave; NODES: nearest (default), all. Written into the domain's metadata.",
            HelpName = "ID=TYPE:SIZE",
        };
        var inPlace = new Option<bool>("--in-place") { Description = "Replace DOMAIN.xml (atomically, keeping its mode) instead of writing the result to stdout." };
        var cpus = new Option<string?>("--cpus")
        {
            Description = "Plan 'nearest' for these host CPUs (e.g. 0-47) when the domain has no <vcpu cpuset>; default: every CPU (libvirt starts QEMU, not hostmem).",
            HelpName = "LIST",
        };
        var guest = new GuestNumaOptions();
        var file = new Argument<string>("DOMAIN.xml") { Description = "The domain's XML, as virsh dumpxml writes it." };
        var command = new Command("apply",
            $"""
            Write the memory plan into a libvirt domain: the guest memory cells it asks for get host memory of their
            type (the same planner as 'hostmem qemu'), and the guest learns how fast each cell is.

            The intent lives in the domain, so it can be applied again (here, or on another host after a migration):
              <metadata>
                <hostmem:memory xmlns:hostmem='{CellIntent.Namespace}'>
                  <hostmem:cell id='1' type='cxl-ram' memory='16' unit='GiB'/>   (optional: nodes='all', mode='preferred')
                </hostmem:memory>
              </metadata>
            --cell ID=TYPE:SIZE adds such a cell (or replaces the one with that id) and hostmem writes it there.
            Types: {CellIntent.ValidTypes}.

            What hostmem writes (the rest of the file stays byte for byte as it was):
              <numatune><memnode cellid='1' mode='strict' nodeset='2'/>   the host nodes chosen for each cell
              <cpu><numa><cell id='1' memory='...' unit='KiB'>             a CPU-less cell per tiered memory
                 with <distances> (the host's SLIT) and <interconnects> (HMAT latency in ns, bandwidth in KiB/s
                 from the host's figures), so the guest kernel puts the cell in the right memory tier
            A domain without <cpu><numa> gets cell 0 with all its vCPUs and what the other cells leave of <memory>.
            A domain with cells of its own keeps them; the new cells add to <memory>. A domain that already has the
            result is left byte for byte as it is. The plan goes to stderr (as with 'hostmem qemu --dry-run').

            Memory that grows and shrinks: a <memory model='virtio-mem'> of the domain whose <target><node> is a
            tiered cell takes that cell's type (libvirt binds it by the cell's <memnode>) and figures; hostmem adds
            <maxMemory> when missing. Resize it with:
              virsh update-memory-device DOMAIN --node 1 --requested-size 8GiB --live

            Exit status: 0 done (or nothing to change), 2 bad input (nothing written).

            Examples:
              virsh dumpxml vm1 > vm1.xml
              hostmem libvirt apply --cell 1=cxl-ram:16GiB vm1.xml > vm1-tiered.xml
              hostmem libvirt apply --in-place vm1.xml && virsh define vm1.xml       (intent already in the metadata)
              hostmem libvirt apply --sysfs tests/fixtures/two-socket-cxl.tar.gz --cell 1=cxl-ram:128MiB:all vm1.xml
            """)
        {
            sysfs, cells, inPlace, cpus, format, json, file,
        };
        foreach (var o in guest.All) command.Options.Add(o);
        command.SetAction(parse =>
        {
            string path = parse.GetValue(file)!;
            // --in-place: locked from before the read until the rename (and checked before anything is printed).
            using var claim = parse.GetValue(inPlace) ? DomainFileClaim.Take(path, Console.Error.WriteLine) : null;
            var (text, bom) = claim is null ? DomainFile.Read(path) : DomainFile.Decode(claim.Bytes, path);
            var asked = (parse.GetValue(cells) ?? []).Select(CellIntent.ParseOption).ToList();
            var options = guest.Apply(PlanOptions.Default with { GuestNuma = GuestNumaMode.Auto }, parse);
            if (parse.GetValue(cpus) is { } list)
            {
                var parsed = CpuList.TryParse(list);
                if (parsed is null || parsed.Count == 0) throw new UserError($"--cpus {list}: not a CPU list", "write it as the kernel does: 0-3,8,10-11");
                options = options with { Cpus = parsed, CpusSource = "--cpus" };
            }
            var domain = DomainXml.Parse(text, path); // a file that is not a domain is said before the host is read
            var (result, plan) = WithHost(parse.GetValue(sysfs)!, host => LibvirtApply.Run(domain, host, asked, guest.WithMeasured(options, parse, host.Host)));

            var stderr = Terminal.Stderr();
            if (parse.GetValue(json) || parse.GetValue(format) == "json")
                stderr.Writer.WriteLine(JsonSerializer.Serialize(PlanCommand.ToJson(plan.Plan, plan.Notes), PlanJsonContext.Default.PlanJson));
            else WritePlan(stderr, plan);
            bool changed = result != text;
            if (parse.GetValue(inPlace))
            {
                if (changed) DomainFile.ReplaceAtomically(claim!, DomainFile.Encode(result, bom));
                stderr.Writer.WriteLine(changed ? $"hostmem: {path} updated" : $"hostmem: {path} already has this plan: unchanged");
            }
            else
            {
                using var stdout = StandardStreams.Stdout();
                stdout.Write(DomainFile.Encode(result, bom));
                if (!changed) stderr.Writer.WriteLine($"hostmem: {path} already has this plan: written unchanged");
            }
            stderr.Writer.Flush();
            return 0;
        });
        return command;
    }

    static T WithHost<T>(string sysfs, Func<ClassifiedHost, T> plan)
    {
        using var archive = RecordedTree.IsArchive(sysfs) ? RecordedTree.Extract(sysfs) : null;
        var tree = SysfsTree.Open(archive?.Root ?? sysfs);
        return plan(ClassifiedHost.From(Discovery.TopologyReader.Read(tree)));
    }

    static void WritePlan(Terminal t, LibvirtPlan plan)
    {
        var w = t.Writer;
        var table = new Table("CELL", "TYPE", "SIZE", "HOST NODES", "MODE", "RULE", "CAPACITY", "FREE");
        foreach (var c in plan.Cells.Where(c => c.Placement is not null))
        {
            var b = c.Placement!;
            table.Add(c.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), b.Type?.Name() ?? "-", Bytes.Format(c.SizeBytes),
                CpuList.Format(b.HostNodes), CellIntent.ModeName(b.Policy!.Value), b.Rule.Name(),
                b.CapacityBytes is { } cap ? Bytes.Format(cap) : "-", b.FreeBytes is { } f ? Bytes.Format(f) : "-");
        }
        table.Write(t);
        var p = plan.Plan;
        w.WriteLine(t.Dim($"CPUs: {(p.Cpus is null ? "all" : CpuList.Format(p.Cpus))} ({p.CpusSource}), on node{(p.CpuNodes.Count == 1 ? "" : "s")} {CpuList.Format(p.CpuNodes)}"));
        foreach (var c in plan.Cells.Where(c => c.Placement is not null))
        {
            w.WriteLine($"cell {c.Id} ({c.Intent!.Source}):");
            foreach (var why in c.Placement!.Why) w.WriteLine(t.Dim($"  - {why}"));
            foreach (var warn in c.Placement.Warnings) w.WriteLine($"  {t.Yellow("warning")}: {warn}");
        }
        QemuCommand.WriteNotes(t, plan.Notes);
        QemuCommand.WriteGuestNodes(t, p);
        w.Flush();
    }
}
