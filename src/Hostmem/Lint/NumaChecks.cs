using System.Globalization;
using Hostmem.Qemu;
using Hostmem.Topology;

namespace Hostmem.Lint;

/// <summary>The guest NUMA layout: node ids, their memory against -m, and the distance table.</summary>
static class NumaChecks
{
    /// <summary>QEMU's default RAM for x86 machines without -m.</summary>

    public static void Run(LintContext c)
    {
        var nodes = c.Numa.Nodes;
        if (nodes.Count == 0) return;
        NodeIds(c);
        NodeCpus(c);
        NodeMem(c);
        Distances(c);
        MemoryTotal(c);
    }

    static void NodeIds(LintContext c)
    {
        var ids = c.Numa.Nodes.Select(n => n.Id).ToHashSet();
        int max = ids.Max();
        for (int missing = 0; missing < max; missing++)
        {
            if (ids.Contains(missing)) continue;
            var after = c.Numa.Nodes.Where(n => n.Id > missing).OrderBy(n => n.Id).First();
            c.Add(LintRules.NumaNodeIdGap, after.Index, $"guest node {after.Id} is declared, and node {missing} is not",
                qemuSays: $"numa: Node ID missing: {missing}");
            return; // QEMU names the first gap only
        }
    }

    static void NodeCpus(LintContext c)
    {
        var smp = c.Command.Smp();
        ulong max = smp is null ? 1 : smp.MaxCpus ?? smp.EffectiveCpus;
        foreach (var n in c.Numa.Nodes)
            foreach (var cpu in n.Cpus.Where(cpu => cpu >= max).Take(1))
                c.Add(LintRules.NumaCpuOutOfRange, n.Index, $"guest node {n.Id} lists CPU {cpu}, and the guest has CPUs 0-{max - 1}",
                    fix: $"write cpus= within 0-{max - 1}, or raise -smp",
                    qemuSays: $"CPU index ({cpu}) should be smaller than maxcpus ({max})");
        // With -numa cpu the placement is by socket/core/thread ids: not checked here.
        if (c.Numa.CpuOptions.Count > 0 || !c.Numa.Nodes.Any(n => n.Cpus.Count > 0)) return;
        var listed = c.Numa.Nodes.SelectMany(n => n.Cpus).ToHashSet();
        var unlisted = Enumerable.Range(0, (int)Math.Min(max, 4096)).Where(i => !listed.Contains((ulong)i)).ToList();
        if (unlisted.Count > 0)
            c.Add(LintRules.NumaCpusUnassigned, c.Numa.Nodes.First(n => n.Cpus.Count > 0).Index,
                $"CPU{(unlisted.Count > 1 ? "s" : "")} {Sysfs.CpuList.Format(unlisted)} of 0-{max - 1} {(unlisted.Count > 1 ? "are" : "is")} in no node's cpus=");
    }

    static void NodeMem(LintContext c)
    {
        if (!RefusesNodeMem(c.MachineType)) return;
        foreach (var n in c.Numa.Nodes.Where(n => n.Mem is not null))
            c.Add(LintRules.NumaNodeMem, n.Index, $"guest node {n.Id} has mem={n.Mem} on machine type {c.MachineType}",
                qemuSays: "Parameter -numa node,mem is not supported by this machine type");
    }

    /// <summary>Machine types since 5.1 refuse -numa node,mem= (versioned ones before 5.1 only warn).</summary>
    internal static bool RefusesNodeMem(string machineType)
    {
        int dash = machineType.LastIndexOf('-');
        if (dash < 0 || !Version.TryParse(machineType[(dash + 1)..], out var v)) return true; // pc, q35, and aliases: the newest
        return v >= new Version(5, 1);
    }

    static void Distances(LintContext c)
    {
        var table = new Dictionary<(ulong, ulong), NumaDistOption>();
        bool strayNode = false;
        foreach (var d in c.Numa.Distances)
        {
            if (!c.Numa.DeclaredAt(d.Src, d.Index) || !c.Numa.DeclaredAt(d.Dst, d.Index))
            {
                c.Add(LintRules.NumaNodeMissing, d.Index, $"-numa dist names node {(c.Numa.DeclaredAt(d.Src, d.Index) ? d.Dst : d.Src)}, which no -numa node before it declares",
                    qemuSays: "Source/Destination NUMA node is missing. Please use '-numa node' option to declare it first.");
                strayNode = true;
                continue;
            }
            if (d.Val > 255)
                c.Add(LintRules.NumaDistanceTooLarge, d.Index, $"distance {d.Val} from node {d.Src} to node {d.Dst} does not fit in a byte",
                    qemuSays: "Parameter 'val' expects uint8_t");
            else if (d.Val < 10)
                c.Add(LintRules.NumaDistanceBelow10, d.Index, $"distance {d.Val} from node {d.Src} to node {d.Dst} is below 10",
                    qemuSays: $"NUMA distance ({d.Val}) is invalid, it shouldn't be less than 10.");
            else if (d.Src == d.Dst && d.Val != 10)
                c.Add(LintRules.NumaLocalDistance, d.Index, $"node {d.Src}'s distance to itself is {d.Val}",
                    qemuSays: $"Local distance of node {d.Src} should be 10.");
            // A wrong value still says which pair is meant: the table's completeness is judged with it.
            if (d.Src != d.Dst) table[(d.Src, d.Dst)] = d;
        }
        // A pair naming an undeclared node is most likely a typo of a missing pair: say that once, not twice.
        if (c.Numa.Distances.Count == 0 || strayNode) return;

        var ids = c.Numa.Nodes.Select(n => (ulong)n.Id).Distinct().Order().ToList();
        bool asymmetric = false;
        foreach (var a in ids)
            foreach (var b in ids.Where(b => b > a))
            {
                table.TryGetValue((a, b), out var ab);
                table.TryGetValue((b, a), out var ba);
                if (ab is null && ba is null)
                    c.Add(LintRules.NumaDistanceMissing, null, $"no -numa dist between node {a} and node {b}",
                        fix: $"add -numa dist,src={a},dst={b},val=20 (or the distance you mean)",
                        qemuSays: $"The distance between node {a} and {b} is missing, at least one distance value between each nodes should be provided.");
                else if (ab is not null && ba is not null && ab.Val != ba.Val)
                {
                    asymmetric = true;
                    var later = ab.Index > ba.Index ? ab : ba;
                    c.Add(LintRules.NumaDistanceAsymmetric, later.Index, $"node {a} to node {b} is {ab.Val}, node {b} to node {a} is {ba.Val}");
                }
            }
        if (!asymmetric) return;
        foreach (var a in ids)
            foreach (var b in ids.Where(b => b != a))
                if (!table.ContainsKey((a, b)) && table.ContainsKey((b, a)))
                {
                    c.Add(LintRules.NumaDistanceMissing, null, $"the table is asymmetric, and node {a} to node {b} is not given",
                        fix: $"add -numa dist,src={a},dst={b},val=N: with any asymmetric pair every direction must be given",
                        qemuSays: "At least one asymmetrical pair of distances is given, please provide distances for both directions of all node pairs.");
                    return;
                }
    }

    static void MemoryTotal(LintContext c)
    {
        if (c.MachineType == "none") return;
        ulong total = 0;
        foreach (var n in c.Numa.Nodes)
        {
            if (n.MemDev is { } id)
            {
                if (c.Backend(id)?.Size is not { } size) return; // unknown (a missing backend is its own finding)
                total += size;
            }
            else if (n.Mem is { } mem) total += QemuSize.ParseMemory(mem, n.Option.Argument.Display, "mem");
        }
        var m = c.Command.Memory();
        ulong ram = QemuRam.Bytes(c.Command); // rounded up to 8 KiB, as QEMU does
        if (total == ram) return;
        int? at = m?.Occurrences.LastOrDefault(o => o.Options.Get("size") is not null).Argument is null ? null
            : m!.Occurrences.Last(o => o.Options.Get("size") is not null).Index;
        c.Add(LintRules.NumaMemoryMismatch, at,
            $"the guest nodes hold {Bytes.Format(total)}, and the RAM size is {Bytes.Format(ram)}{(m?.Size is null or 0 ? " (QEMU's default, no -m)" : m.Size != ram ? $" (-m {m.Size} bytes, rounded up to 8 KiB by QEMU)" : "")}",
            fix: $"make -m {QemuSize.FormatMemory(total)}, or resize the nodes' backends to add up to {Bytes.Format(ram)}",
            qemuSays: string.Create(CultureInfo.InvariantCulture, $"total memory for NUMA nodes (0x{total:x}) should equal RAM size (0x{ram:x})"));
    }
}
