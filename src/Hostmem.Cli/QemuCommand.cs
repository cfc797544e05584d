using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Hostmem.Classification;
using Hostmem.Lint;
using Hostmem.Cli.Output;
using Hostmem.Planning;
using Hostmem.Qemu;
using Hostmem.Sysfs;
using Hostmem.Topology;

namespace Hostmem.Cli;

/// <summary>`hostmem qemu -- QEMU ARGS...`: the RFC's host-mem-type= for every QEMU; plans, rewrites, then becomes QEMU.</summary>
public static class QemuCommand
{
    public static Command Create()
    {
        var sysfs = CommonOptions.Sysfs();
        var format = CommonOptions.Format();
        var json = CommonOptions.Json();
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the final QEMU command line (shell-quoted; --format json: a JSON array) and the plan on stderr; do not start QEMU." };
        var cpus = new Option<string?>("--cpus")
        {
            Description = "Plan for these CPUs (e.g. 0-47,96-143) instead of this process's affinity (proc/self/status Cpus_allowed_list, as taskset/numactl/cgroups set it).",
            HelpName = "LIST",
        };
        var strict = new Option<bool>("--strict") { Description = "Treat lint findings (warnings and errors) as errors: print them and exit 2 without starting QEMU." };
        var noLint = new Option<bool>("--no-lint") { Description = "Do not lint the final command line." };
        var guest = new GuestNumaOptions();
        var qemu = new Argument<string[]>("QEMU_BINARY ARG...")
        {
            Description = "The QEMU command line, after '--', exactly as you would run it.",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("qemu",
            $"""
            Run QEMU with the RFC's host-mem-type= on -object memory-backend-ram/memfd/file: hostmem finds the host
            nodes of that type, rewrites the backend for any QEMU (host-nodes=...,policy=...), then replaces itself
            with QEMU (execve: same PID, every other argument byte for byte, QEMU's exit status is yours).

            Backend properties hostmem reads (and removes before QEMU sees them):
              host-mem-type=TYPE        {Planner.ValidTypes}
              host-mem-nodes=nearest    (default) the nodes of TYPE nearest, by SLIT distance, to the CPUs QEMU may
                                        run on (its affinity, or --cpus); of CXL nodes at equal distance, those whose
                                        memdevs attach to those CPUs' nodes (numa_node), else all of them
              host-mem-nodes=all        every node of TYPE
              host-mem-policy=bind      (default) or preferred, interleave, weighted-interleave
              host-mem-nodes=0-1        (weighted-interleave only) these host nodes; as for host-nodes=, a range,
                                        or the key repeated for a list: host-mem-nodes=0,host-mem-nodes=2
            Weighted interleave (Linux >= 6.9) spreads one backend over several nodes by the kernel's weights
            (/sys/kernel/mm/mempolicy/weighted_interleave, 'hostmem topology' shows them): host-mem-type=dram+cxl-ram
            or host-mem-nodes=LIST. QEMU has no such policy: hostmem writes policy=default and sets the policy on
            itself before it becomes QEMU, so every other backend needs a policy of its own, one node set per VM,
            and QEMU's own memory (heap, ROMs) is interleaved too (docs/qemu.md).
            host-mem-type cannot be combined with host-nodes= or policy= (the RFC's rule). Nodes outside the
            process's cpuset (Mems_allowed_list) are left out. A size above the chosen nodes' memory is an error
            (with preferred: a warning), above their free memory a warning.
            memory-backend-file without mem-path= takes a devdax device of TYPE (a CXL region or pmem that is not
            system RAM): hostmem fills in mem-path=/dev/daxX.Y, align and share=on, using a device no other backend
            of the command line uses.
            Both -object syntaxes work (KEY=VALUE and JSON); the output keeps yours.

            Guest NUMA (--guest-numa auto, the default): each such backend becomes a CPU-less guest node (or keeps the
            -numa node,memdev= you wrote) with -machine hmat=on, initiator=, -numa dist for every pair and -numa hmat-lb
            latency and bandwidth from the host's HMAT figures (access1, else access0, else the CXL region's), so that the
            guest kernel puts it in the right memory tier (--dry-run shows which). Without -numa, main RAM becomes node 0
            and -m grows by the new nodes' memory. Where the host has no figures: --latency TYPE=NS --bandwidth TYPE=MBPS.

            Emulated CXL (--cdat auto, the default; for testing the guest's CXL software): a -device cxl-type3 whose
            volatile-memdev= backend carries host-mem-type= gets a CDAT (cdat=/proc/self/fd/N, a memfd QEMU inherits;
            --cdat-dir DIR: files) and its host bridge an acpi-generic-port node with the host memory's figures, so the
            region a Linux 6.12 guest builds lands in that memory's tier; --dry-run shows the table and the region's
            predicted figures. QEMU >= 9.2. --cdat off leaves the devices as written.

            Lint: the final command line is checked as 'hostmem lint' does (against the same host and CPUs); findings
            go to stderr before QEMU starts, and QEMU starts anyway. --strict makes them errors: exit 2, QEMU not
            started (2 because it is never QEMU's own status for a refused line: QEMU exits 1). --no-lint skips it.

            Exit status: QEMU's; 2 for bad input or, with --strict, lint findings (QEMU not started).

            Examples:
              hostmem qemu -- qemu-system-x86_64 -M q35 -m 8G -object memory-backend-ram,id=vmem0,size=4G,host-mem-type=cxl-ram ...
              taskset -c 0-47 hostmem qemu -- qemu-system-x86_64 ...          (nearest to CPUs 0-47)
              hostmem qemu --strict -- qemu-system-x86_64 ...                 (refuse to start on any lint finding)
              hostmem qemu --dry-run --sysfs tests/fixtures/two-socket-cxl.tar.gz --cpus 1 -- qemu-system-x86_64 \
                -object memory-backend-ram,id=m,size=128M,host-mem-type=cxl-ram
            """)
        {
            sysfs, cpus, dryRun, strict, noLint, format, json, qemu,
        };
        foreach (var o in guest.All) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var argv = parse.GetValue(qemu) ?? [];
            // Only what follows '--' is QEMU's: without it, a QEMU word like --dry-run or -m could be read as hostmem's.
            int dash = parse.Tokens.ToList().FindIndex(t => t.Type == TokenType.DoubleDash);
            if (dash < 0 || parse.Tokens.Count - dash - 1 != argv.Length)
                throw new UserError(dash < 0 ? "no '--' before the QEMU command line" : "words between 'hostmem qemu' and '--' that are not hostmem options",
                    "write hostmem's options, then '--', then the QEMU command line: hostmem qemu --dry-run -- qemu-system-x86_64 -m 8G ...");
            if (HelpRequest.Find(QemuCommandLine.Parse(argv)) is { } help)
                return PassHelpOn(argv, help, parse.GetValue(dryRun), parse.GetValue(json) || parse.GetValue(format) == "json");
            var (plan, input) = Prepare(parse.GetValue(sysfs)!, parse.GetValue(cpus), argv, (o, h) => guest.WithMeasured(guest.Apply(o, parse), parse, h.Host), start: !parse.GetValue(dryRun));
            var stderr = Terminal.Stderr();
            CdatFiles.CheckQemu(plan);
            CdatFiles.WriteFiles(plan);
            if (parse.GetValue(dryRun))
            {
                WritePlan(stderr, plan);
                if (!parse.GetValue(noLint)) Lint(stderr, plan, input, parse.GetValue(strict));
                var final = plan.ToArgv();
                if (parse.GetValue(json) || parse.GetValue(format) == "json")
                    Console.Out.WriteLine(JsonSerializer.Serialize(final, QemuJson.Default.StringArray));
                else
                    Console.Out.WriteLine(ShellQuote.Join(final));
                return 0;
            }
            foreach (var w in RepeatedLines.Collapse(plan.Warnings)) stderr.Writer.WriteLine($"hostmem: warning: {w}");
            if (!parse.GetValue(noLint)) Lint(stderr, plan, input, parse.GetValue(strict));
            CdatFiles.OpenMemfds(plan);
            throw NativeExec.Exec(plan.ToArgv(), plan.TaskPolicy);
        });
        return command;
    }

    /// <summary>A line that asks QEMU for help (-machine q35,help) goes to QEMU as it is: QEMU prints the help and exits.</summary>
    static int PassHelpOn(string[] argv, QemuArgument help, bool dryRun, bool json)
    {
        Console.Error.WriteLine($"hostmem: {help.Display} asks QEMU for help: the command line goes to QEMU unchanged");
        if (!dryRun) throw NativeExec.Exec(argv);
        Console.Out.WriteLine(json ? JsonSerializer.Serialize(argv, QemuJson.Default.StringArray) : ShellQuote.Join(argv));
        return 0;
    }

    /// <summary>Reads the host (a folder or a .tar.gz tree), the process's affinity beside it, and plans.</summary>
    public static MemoryPlan Plan(string sysfs, string? cpus, IReadOnlyList<string> argv, Func<PlanOptions, ClassifiedHost, PlanOptions>? adjust = null) =>
        Prepare(sysfs, cpus, argv, adjust).Plan;

    /// <summary>The plan and the host it was made for (lint checks the final line against the same host).</summary>
    internal static (MemoryPlan Plan, HostInput Input) Prepare(string sysfs, string? cpus, IReadOnlyList<string> argv, Func<PlanOptions, ClassifiedHost, PlanOptions>? adjust, bool start = false)
    {
        var cmd = QemuCommandLine.Parse(argv);
        VirtioMemSupport.Check(argv);
        var input = HostInput.Read(sysfs, cpus, claimDevdax: start); // a start keeps the devdax devices it chooses until QEMU ends
        var options = adjust is null ? input.Options : adjust(input.Options, input.Host);
        return (Planner.Plan(input.Host, cmd, options), input with { Options = options });
    }

    /// <summary>Lints the line QEMU will get and says what it found on stderr. Without --strict lint only warns (a line it
    /// cannot read is skipped with a warning); with --strict any warning or error stops here: exit 2, QEMU not started.</summary>
    static void Lint(Terminal stderr, MemoryPlan plan, HostInput input, bool strict)
    {
        IReadOnlyList<LintFinding> findings;
        try
        {
            findings = QemuLinter.LintPlan(plan, input.Host, input.Options);
        }
        catch (UserError e) when (!strict)
        {
            stderr.Writer.WriteLine($"hostmem: warning: lint skipped: {e.Problem}");
            return;
        }
        LintOutput.WriteWarnings(stderr, findings);
        int counted = findings.Count(QemuLinter.Counts);
        if (strict && counted > 0)
            throw new UserError($"{counted} lint finding{(counted == 1 ? "" : "s")} (--strict): QEMU not started",
                "fix the command line ('hostmem lint -- ...' explains each finding), or run without --strict to start QEMU anyway");
    }

    static void WritePlan(Terminal t, MemoryPlan plan)
    {
        var w = t.Writer;
        if (plan.Backends.Count == 0)
        {
            w.WriteLine("hostmem: no -object memory-backend-* with host-mem-type=: command line unchanged");
            return;
        }
        var table = new Table("BACKEND", "TYPE", "SIZE", "HOST NODES", "POLICY", "RULE", "CAPACITY", "FREE");
        foreach (var b in plan.Backends)
            table.Add(b.Id, b.TypeName, b.SizeBytes is { } s ? Bytes.Format(s) : "-",
                b.Devdax is { } d ? d.DevicePath : b.HostNodes.Count > 0 ? CpuList.Format(b.HostNodes) : "-",
                b.Policy?.Name() ?? "-", b.Rule.Name(),
                b.CapacityBytes is { } c ? Bytes.Format(c) : "-", b.FreeBytes is { } f ? Bytes.Format(f) : "-");
        table.Write(t);
        w.WriteLine(t.Dim($"CPUs: {(plan.Cpus is null ? "all" : CpuList.Format(plan.Cpus))} ({plan.CpusSource}), on node{(plan.CpuNodes.Count == 1 ? "" : "s")} {CpuList.Format(plan.CpuNodes)}"));
        foreach (var b in plan.Backends)
        {
            w.WriteLine($"{b.Id}:");
            foreach (var why in b.Why) w.WriteLine(t.Dim($"  - {why}"));
            foreach (var warn in b.Warnings) w.WriteLine($"  {t.Yellow("warning")}: {warn}");
        }
        WriteGuestNodes(t, plan);
        CxlDeviceOutput.WriteTable(t, plan);
        w.Flush();
    }

    /// <summary>The guest-node half of the plan table and the plan's notes (shared with `hostmem libvirt`).</summary>
    internal static void WriteGuestNodes(Terminal t, MemoryPlan plan)
    {
        var w = t.Writer;
        if (plan.GuestNodes.Count > 0)
        {
            var g = new Table("GUEST NODE", "BACKEND", "TYPE", "HOST NODES", "LATENCY R/W", "BANDWIDTH R/W", "FROM", "GUEST TIER");
            foreach (var n in plan.GuestNodes)
                g.Add(n.GuestNode.ToString(CultureInfo.InvariantCulture) + (n.HasCpus ? " (CPUs)" : ""), n.Backend ?? (n.PlugDevice is { } d ? $"{d} (plugged)" : "-"), n.Type?.Name() ?? "-",
                    n.HostNodes.Count > 0 ? CpuList.Format(n.HostNodes) : "-",
                    n.ReadLatencyNs is { } rl ? $"{rl}/{n.WriteLatencyNs} ns" : "-",
                    n.ReadBandwidthMBps is { } rb ? $"{rb}/{n.WriteBandwidthMBps} MB/s" : "-",
                    n.FiguresFromName, n.PredictedTier is { } tier ? $"memory_tier{tier}" : "-");
            g.Write(t);
            foreach (var n in plan.GuestNodes)
            {
                w.WriteLine($"guest node{n.GuestNode}:");
                foreach (var why in n.Why) w.WriteLine(t.Dim($"  - {why}"));
            }
        }
        WriteNotes(t, plan.Notes);
        w.Flush();
    }

    /// <summary>Notes as lines: warnings stand out, the rest is dimmed; the code in brackets is what scripts match. One
    /// note per guest node of many nodes is said once, with a count (<see cref="RepeatedLines"/>).</summary>
    internal static void WriteNotes(Terminal t, IEnumerable<PlanNote> notes)
    {
        var lines = notes.Select(note => note.IsWarning ? $"{t.Yellow("warning")}: {note.Text} [{note.Code}]" : t.Dim($"note: {note.Text} [{note.Code}]"));
        foreach (var line in RepeatedLines.Collapse(lines)) t.Writer.WriteLine(line);
    }
}

[JsonSourceGenerationOptions(GenerationMode = JsonSourceGenerationMode.Serialization, WriteIndented = false)]
[JsonSerializable(typeof(string[]), TypeInfoPropertyName = "StringArray")]
internal sealed partial class QemuJson : JsonSerializerContext;
