using System.Globalization;
using System.Xml.Linq;
using Hostmem.Classification;
using Hostmem.Planning;
using Hostmem.Qemu;
using Hostmem.Sysfs;

namespace Hostmem.Libvirt;

/// <summary>One guest NUMA cell of the planned domain.</summary>
/// <param name="Cpus">The vCPUs in it (empty: a CPU-less cell).</param>
/// <param name="Intent">hostmem's request for it; null for a cell the domain has of its own.</param>
/// <param name="Placement">The host nodes and policy chosen for it; null for cells hostmem does not place.</param>
/// <param name="Element">Its &lt;cell&gt; in the domain; null for a cell hostmem adds.</param>
public sealed record LibvirtCell(int Id, IReadOnlyList<int> Cpus, ulong SizeBytes, CellIntent? Intent, BackendPlan? Placement, XElement? Element);

/// <summary>The domain's cells after planning, and the plan they share with <c>hostmem qemu</c>.</summary>
public sealed record LibvirtPlan
{
    public required IReadOnlyList<LibvirtCell> Cells { get; init; }
    public required MemoryPlan Plan { get; init; }
    public required DomainIntent Intent { get; init; }
    /// <summary>&lt;memory&gt; before and after (they differ only when the domain had cells of its own).</summary>
    public required ulong MemoryBytesBefore { get; init; }
    public required ulong MemoryBytesAfter { get; init; }
    /// <summary>The plan's HMAT entries libvirt can carry in &lt;interconnects&gt; (see <see cref="LibvirtPlanner.Interconnects"/>).</summary>
    public IReadOnlyList<GuestHmatEntry> Interconnects { get; init; } = [];
    /// <summary>Notes about the domain, beside the plan's own.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>
/// Plans a libvirt domain: the requested cells are placed by <see cref="Planner.Place"/>, and the domain's guest
/// (its vCPUs, every cell as a memory backend and a <c>-numa node</c>, the way libvirt starts QEMU) goes through
/// <see cref="Planner.PlanGuest"/>: the same host nodes, distances, HMAT figures and tiers as <c>hostmem qemu</c>.
/// </summary>
public static class LibvirtPlanner
{
    public static LibvirtPlan Plan(ClassifiedHost host, DomainXml domain, DomainIntent intent, PlanOptions options)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(intent);
        ArgumentNullException.ThrowIfNull(options);
        if (intent.Cells.Count == 0)
            throw new UserError($"{domain.Path}: no cell asks for a memory type: nothing to plan",
                $"add --cell ID=TYPE:SIZE (e.g. --cell 1=cxl-ram:16GiB), or <metadata><hostmem:memory xmlns:hostmem='{CellIntent.Namespace}'><hostmem:cell id='1' type='cxl-ram' memory='16' unit='GiB'/></hostmem:memory></metadata>");

        var notes = new List<string>();
        ulong memory = domain.MemoryBytes;
        ulong devices = domain.MemoryDeviceBytes;
        var existing = ExistingCells(domain);
        var cells = new List<LibvirtCell>();

        if (existing.Count == 0)
        {
            // No guest NUMA yet: cell 0 holds every vCPU and what the typed cells leave of <memory>.
            int vcpus = domain.Vcpus;
            var zero = intent.Cells.FirstOrDefault(c => c.Id == 0);
            if (zero is not null)
                throw new UserError($"{zero.Subject}: cell 0 is the vCPUs' cell (the domain has no <cpu><numa>, so hostmem makes cell 0 for its {vcpus} vCPU{(vcpus == 1 ? "" : "s")} and the rest of <memory>)",
                    "give the tiered memory cell 1 and up: --cell 1=TYPE:SIZE");
            ulong asked = intent.Cells.Aggregate(0UL, (s, c) => s + c.SizeBytes);
            if (asked + devices >= memory)
                throw new UserError($"{domain.Path}: the cells ask for {X(asked)} of the domain's <memory> of {X(memory)}"
                    + (devices > 0 ? $" ({X(devices)} of it in memory devices)" : "") + ": nothing is left for cell 0 with the vCPUs",
                    $"make the cells smaller, or raise <memory> above {X(asked + devices)} (the cells come out of it, cell 0 gets the rest): virsh setmaxmem DOMAIN SIZE --config");
            cells.Add(new LibvirtCell(0, [.. Enumerable.Range(0, vcpus)], memory - devices - asked, null, null, null));
            notes.Add($"cell 0: the domain's {vcpus} vCPU{(vcpus == 1 ? "" : "s")} and the rest of <memory> ({X(memory - devices - asked)} of {X(memory)})");
        }
        else
        {
            foreach (var e in existing)
            {
                var asked = intent.Cells.FirstOrDefault(c => c.Id == e.Id);
                if (asked is not null && e.Cpus.Count > 0)
                    throw new UserError($"{asked.Subject}: cell {e.Id} is already in the domain with vCPUs {CpuList.Format(e.Cpus)} ({domain.Where(e.Element)}): a tiered memory cell has no vCPUs",
                        $"give the tiered memory the next free id, cell {existing.Select(x => x.Id).Concat(intent.Cells.Select(c => c.Id)).Max() + 1}, or remove that cell");
                if (asked is null) cells.Add(new LibvirtCell(e.Id, e.Cpus, e.SizeBytes, null, null, e.Element));
            }
        }

        // libvirt numbers cells 0..n-1 without gaps.
        var ids = cells.Select(c => c.Id).Concat(intent.Cells.Select(c => c.Id)).ToHashSet();
        if (ids.Any(id => id >= ids.Count))
        {
            int free = Enumerable.Range(0, ids.Count).First(n => !ids.Contains(n));
            var odd = intent.Cells.Where(c => c.Id >= ids.Count).MaxBy(c => c.Id);
            if (odd is null)
                throw new UserError($"{domain.Where(domain.Numa!)}: the domain's cells are not numbered 0, 1, 2... without gaps (cell {free} is missing)",
                    "libvirt refuses such a domain: renumber its cells");
            throw new UserError($"{odd.Subject}: libvirt numbers cells 0, 1, 2... without gaps, and cell {odd.Id} leaves one (the domain has cell{(cells.Count == 1 ? "" : "s")} {CpuList.Format(cells.Select(c => c.Id))})",
                $"use cell {free}");
        }

        // The CPUs QEMU's vCPUs may run on decide what "nearest" means: <vcpu cpuset>, else --cpus, else all of them.
        var planOptions = options with { MemsAllowed = null };
        if (domain.VcpuCpuset is { } cpuset) planOptions = planOptions with { Cpus = cpuset, CpusSource = "<vcpu cpuset>" };
        else if (options.Cpus is null) planOptions = planOptions with { CpusSource = "libvirt starts QEMU" };
        var cpuNodes = Planner.CpuNodes(host.Host, planOptions);

        foreach (var c in intent.Cells)
        {
            var placed = Planner.Place(host, c.ToRequest(), planOptions, cpuNodes);
            var element = existing.FirstOrDefault(e => e.Id == c.Id)?.Element;
            cells.Add(new LibvirtCell(c.Id, [], c.SizeBytes, c, placed, element));
        }
        cells.Sort((a, b) => a.Id.CompareTo(b.Id));

        var command = GuestCommand(domain, cells, devices);
        var plan = Planner.PlanGuest(host, command, [.. cells.Select(c => c.Placement).OfType<BackendPlan>()], cpuNodes, planOptions);
        plan = plan with { GuestNodes = [.. plan.GuestNodes.Select(n => WithOrigin(n, cells.First(c => c.Id == n.GuestNode), domain))] };

        ulong after = existing.Count == 0 ? memory : cells.Aggregate(0UL, (s, c) => s + c.SizeBytes) + devices;
        if (after != memory)
            notes.Add($"<memory> {X(memory)} becomes {X(after)}: the domain's own cells keep their memory and the new cells add theirs (libvirt sums the cells)");
        Warnings(domain, cells, plan, notes);
        var links = Interconnects(plan.Hmat);
        if (links.Count < plan.Hmat.Count)
            notes.Add("libvirt takes one direction of a link between two cells with vCPUs (else 'Link already defined'): <interconnects> gives "
                + string.Join(", ", plan.Hmat.Except(links).Select(h => $"{h.Target}->{h.Initiator}").Distinct()) + " and not the way back, so QEMU's HMAT has no entry"
                + " there; each cell keeps its own (local) figures, which are what the guest's tiers use");
        return new LibvirtPlan { Cells = cells, Plan = plan, Intent = intent, MemoryBytesBefore = memory, MemoryBytesAfter = after, Interconnects = links, Notes = notes };
    }

    /// <summary>Every guest node of <see cref="GuestCommand"/> is a node "the user wrote" to the planner; say where the cell came from instead.</summary>
    static GuestNodePlan WithOrigin(GuestNodePlan n, LibvirtCell c, DomainXml domain)
    {
        string origin = c.Intent is not null ? $"cell {c.Id} for {c.Intent.Type.Name()} ({c.Intent.Source})"
            : c.Element is null ? $"cell {c.Id}: the domain's vCPUs and the rest of <memory>, added by hostmem"
            : $"cell {c.Id} of the domain ({domain.Where(c.Element)})";
        var why = n.Why.ToList();
        if (why.Count > 0 && why[0].EndsWith("written by the user", StringComparison.Ordinal)) why[0] = origin;
        else why.Insert(0, origin);
        return n with { Why = why };
    }

    /// <summary>
    /// libvirt refuses an interconnect whose reverse (target to initiator) is also given, whatever the type
    /// (virDomainNumaDefValidate: "Link already defined"); between two cells with vCPUs only the direction from the
    /// lower id stays.
    /// </summary>
    public static IReadOnlyList<GuestHmatEntry> Interconnects(IReadOnlyList<GuestHmatEntry> hmat) =>
        [.. hmat.Where(h => h.Initiator <= h.Target || !hmat.Any(o => o.Initiator == h.Target && o.Target == h.Initiator))];

    static string X(ulong bytes) => LibvirtUnits.FormatExact(bytes);

    sealed record ExistingCell(int Id, IReadOnlyList<int> Cpus, ulong SizeBytes, XElement Element);

    static List<ExistingCell> ExistingCells(DomainXml domain)
    {
        var result = new List<ExistingCell>();
        int position = 0;
        foreach (var e in domain.Cells)
        {
            int id = position++;
            var idText = (string?)e.Attribute("id");
            if (idText is not null && !int.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out id))
                throw new UserError($"{domain.Where(e)}: <cell id='{idText}'> is not a cell number", "number the cells 0, 1, 2...");
            var cpusText = (string?)e.Attribute("cpus");
            var cpus = cpusText is null ? [] : LibvirtCpuset.TryParse(cpusText) ?? throw new UserError(
                $"{domain.Where(e)}: <cell cpus='{cpusText}'> is not a vCPU set", "write vCPUs as libvirt does: 0-3,6");
            var memText = (string?)e.Attribute("memory") ?? throw new UserError($"{domain.Where(e)}: <cell> without memory=", "every cell needs memory=, e.g. memory='4' unit='GiB'");
            ulong size = LibvirtUnits.TryParse(memText, (string?)e.Attribute("unit")) ?? throw new UserError(
                $"{domain.Where(e)}: <cell memory='{memText}' unit='{(string?)e.Attribute("unit") ?? "KiB"}'> is not a libvirt size", "write memory='4' unit='GiB'");
            if (result.Any(r => r.Id == id))
                throw new UserError($"{domain.Where(e)}: a second <cell id='{id}'>", "give every cell its own id: 0, 1, 2...");
            result.Add(new ExistingCell(id, cpus, size, e));
        }
        return result;
    }

    /// <summary>
    /// The domain's guest as QEMU arguments, the way libvirt's QEMU driver starts it: a memory backend ram-nodeN per cell
    /// (bound where hostmem placed it), a <c>-numa node</c> with the cell's vCPUs, and the distances the domain gives
    /// between its own cells.
    /// </summary>
    static QemuCommandLine GuestCommand(DomainXml domain, IReadOnlyList<LibvirtCell> cells, ulong devices)
    {
        var argv = new List<string> { "qemu-system-x86_64" };
        if (domain.Machine is { } machine) argv.AddRange(["-machine", machine.Replace(",", ",,", StringComparison.Ordinal)]);
        int maxCpu = cells.SelectMany(c => c.Cpus).DefaultIfEmpty(0).Max();
        argv.AddRange(["-smp", Math.Max(domain.Vcpus, maxCpu + 1).ToString(CultureInfo.InvariantCulture)]);
        argv.AddRange(["-m", QemuSize.FormatMemory(cells.Aggregate(0UL, (s, c) => s + c.SizeBytes) + devices)]);
        foreach (var c in cells)
        {
            string backend = $"memory-backend-ram,id={CellIntent.BackendId(c.Id)},size={c.SizeBytes.ToString(CultureInfo.InvariantCulture)}";
            if (c.Placement is { HostNodes.Count: > 0 } p)
                backend += string.Concat(QemuSize.ToRanges(p.HostNodes.Select(n => (ulong)n)).Select(r => $",host-nodes={r}")) + $",policy={p.Policy!.Value.Name()}";
            argv.AddRange(["-object", backend]);
            string node = $"node,nodeid={c.Id.ToString(CultureInfo.InvariantCulture)}";
            if (c.Cpus.Count > 0) node += string.Concat(QemuSize.ToRanges(c.Cpus.Select(n => (ulong)n)).Select(r => $",cpus={r}"));
            argv.AddRange(["-numa", node + $",memdev={CellIntent.BackendId(c.Id)}"]);
        }
        // Distances between the domain's own cells are the user's (the host cannot say how they model their guest);
        // those of hostmem's cells come from the host.
        foreach (var c in cells.Where(c => c.Intent is null && c.Element is not null))
            foreach (var (to, value) in Distances(c.Element!))
                if (to != c.Id && cells.Any(o => o.Id == to && o.Intent is null))
                    argv.AddRange(["-numa", string.Create(CultureInfo.InvariantCulture, $"dist,src={c.Id},dst={to},val={value}")]);
        return QemuCommandLine.Parse(argv);
    }

    /// <summary>A cell's &lt;distances&gt; as sibling id → value (unparsable entries are left to libvirt to refuse).</summary>
    public static IReadOnlyDictionary<int, int> Distances(XElement cell)
    {
        var result = new Dictionary<int, int>();
        foreach (var s in cell.Element("distances")?.Elements("sibling") ?? [])
            if (int.TryParse((string?)s.Attribute("id"), NumberStyles.None, CultureInfo.InvariantCulture, out int id)
                && int.TryParse((string?)s.Attribute("value"), NumberStyles.None, CultureInfo.InvariantCulture, out int v))
                result[id] = v;
        return result;
    }

    static void Warnings(DomainXml domain, IReadOnlyList<LibvirtCell> cells, MemoryPlan plan, List<string> notes)
    {
        if (!domain.HasAcpi && plan.GuestNodes.Count > 0)
            notes.Add("warning: the domain has no <features><acpi/>: an x86 guest then sees no NUMA tables (SRAT, SLIT, HMAT) and no cells at all; add <acpi/> to <features>");
        // A strict global nodeset becomes the cgroup's cpuset.mems for all of QEMU's memory.
        var global = domain.Numatune?.Element("memory");
        if (global is not null && (string?)global.Attribute("nodeset") is { } nodeset && LibvirtCpuset.TryParse(nodeset) is { } allowed
            && ((string?)global.Attribute("mode") ?? "strict") is "strict" or "restrictive")
        {
            var outside = cells.Where(c => c.Placement is not null).SelectMany(c => c.Placement!.HostNodes).Where(n => !allowed.Contains(n)).Distinct().Order().ToList();
            if (outside.Count > 0)
                notes.Add($"warning: <numatune><memory nodeset='{nodeset}'> keeps QEMU's memory on host nodes {CpuList.Format(allowed)}, and the cells' nodes {CpuList.Format(outside)} are outside it: add them to the nodeset or remove it");
        }
    }
}
