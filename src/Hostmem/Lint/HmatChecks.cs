using Hostmem.Planning;
using Hostmem.Qemu;

namespace Hostmem.Lint;

/// <summary>
/// -numa hmat-lb / hmat-cache / node initiator=: what QEMU refuses (checked in the order QEMU reads the options), and
/// what it accepts but leaves the guest kernel unable to tier (<see cref="KernelTierModel"/> on the figures given).
/// </summary>
static class HmatChecks
{
    const string DisabledText = "ACPI Heterogeneous Memory Attribute Table (HMAT) is disabled, enable it with -machine hmat=on before using any of hmat specific options";

    public static void Run(LintContext c)
    {
        var numa = c.Numa;
        bool enabled = c.Machine.Hmat == true;
        if (!enabled)
        {
            // One finding at the first HMAT option (QEMU stops there; one hmat=on fixes them all).
            var uses = numa.Nodes.Where(n => n.Initiator is not null).Select(n => (n.Index, What: "initiator="))
                .Concat(numa.HmatLb.Select(e => (e.Index, What: "hmat-lb")))
                .Concat(numa.HmatCache.Select(h => (h.Index, What: "hmat-cache"))).OrderBy(u => u.Index).ToList();
            if (uses.Count > 0)
                c.Add(LintRules.HmatDisabled, uses[0].Index,
                    $"{uses.Count} HMAT option{(uses.Count > 1 ? "s" : "")} ({string.Join(", ", uses.GroupBy(u => u.What).Select(g => g.Count() > 1 ? $"{g.Key} x{g.Count()}" : g.Key))}), and -machine has {(c.Machine.Hmat == false ? "hmat=off" : "no hmat=on")}",
                    qemuSays: DisabledText);
        }
        else
        {
            foreach (var n in numa.Nodes.Where(n => n.Initiator is not null))
            {
                ulong i = n.Initiator!.Value;
                if (numa.Node(i) is null)
                    c.Add(LintRules.NumaNodeMissing, n.Index, $"guest node {n.Id} has initiator={i}, and no node {i} is declared",
                        qemuSays: $"NUMA node {i} is missing, use '-numa node' option to declare it first");
                else if (!numa.HasCpus((int)i))
                    c.Add(LintRules.HmatInitiatorNoCpus, n.Index, $"guest node {n.Id} has initiator={i}, and node {i} has no CPUs",
                        qemuSays: $"The initiator of NUMA node {n.Id} is invalid");
            }
        }
        var valid = Entries(c);
        Zeroed(c, valid);
        Caches(c, valid);
        if (!enabled) return;
        Tiers(c, valid);
        HostFigureChecks.Run(c, valid);
    }

    /// <summary>Checks each hmat-lb as QEMU reads it; returns the entries that give a figure for an existing pair (those with
    /// a value QEMU refuses included: the figures the user means, so that one mistake is not reported twice).</summary>
    static List<HmatLbOption> Entries(LintContext c)
    {
        var numa = c.Numa;
        var kept = new List<HmatLbOption>();
        var seen = new HashSet<(ulong, ulong, string, string)>();
        var tables = new Dictionary<(string, string), List<ulong>>();
        foreach (var e in numa.HmatLb)
        {
            string what = e.IsLatency ? "latency" : "bandwidth";
            string pair = $"initiator={e.Initiator} and target={e.Target}";
            int count = numa.CountAt(e.Index);
            if (e.Initiator >= (ulong)count)
            {
                c.Add(LintRules.NumaNodeMissing, e.Index, $"initiator {e.Initiator} is not declared before this hmat-lb",
                    qemuSays: $"Invalid initiator={e.Initiator}, it should be less than {count}");
                continue;
            }
            if (!numa.HasCpusAt(e.Initiator, e.Index))
            {
                c.Add(LintRules.HmatInitiatorNoCpus, e.Index, $"initiator {e.Initiator} has no CPUs (cpus= or -numa cpu) before this hmat-lb",
                    qemuSays: $"Invalid initiator={e.Initiator}, it isn't an initiator proximity domain");
                continue;
            }
            if (!numa.DeclaredAt(e.Target, e.Index))
            {
                c.Add(LintRules.NumaNodeMissing, e.Index, $"target {e.Target} is not declared before this hmat-lb",
                    qemuSays: e.Target < 128 ? $"The target={e.Target} should point to an existing node" : null);
                continue;
            }
            if (e.Value is not { } value) continue; // QEMU: "Missing 'latency' option"; not ours to judge further
            if (!seen.Contains((e.Initiator, e.Target, e.Hierarchy, e.DataType))) kept.Add(e);
            if (!e.IsLatency && value % QemuSize.MiB != 0)
            {
                c.Add(LintRules.HmatBandwidthUnaligned, e.Index, $"bandwidth {value} B/s from {pair} is not a multiple of 1 MiB/s",
                    fix: $"write bandwidth={Math.Max(1, (value + QemuSize.MiB / 2) / QemuSize.MiB)}M",
                    qemuSays: $"Bandwidth {value} between {pair} should be 1MB aligned");
                continue;
            }
            if (!seen.Add((e.Initiator, e.Target, e.Hierarchy, e.DataType)))
            {
                c.Add(LintRules.HmatLbDuplicate, e.Index, $"a second {e.DataType} for {pair} (hierarchy={e.Hierarchy})",
                    qemuSays: $"Duplicate configuration of the {what} for {pair}");
                continue;
            }
            var table = tables.TryGetValue((e.Hierarchy, e.DataType), out var t) ? t : tables[(e.Hierarchy, e.DataType)] = [];
            var candidate = table.Append(value).ToList();
            if (!(e.IsLatency ? HmatUnits.LatenciesEncodable(candidate) : HmatUnits.BandwidthsEncodable(candidate)))
            {
                c.Add(LintRules.HmatLbUnencodable, e.Index,
                    $"{e.DataType} {value}{(e.IsLatency ? " ns" : " B/s")} for {pair} cannot share one HMAT table with {string.Join(", ", table)}",
                    qemuSays: e.IsLatency
                        ? $"Latency {value} between {pair} should not differ from previously entered min or max values on more than 65534"
                        : $"Bandwidth {value} between {pair} should not differ from previously entered values on more than 65534");
                continue;
            }
            table.Add(value);
            if (value == 0)
                c.Add(LintRules.HmatLbZero, e.Index, $"{e.DataType} 0 for {pair}: the guest reads it as no figure");
        }
        return kept;
    }

    /// <summary>An entry a later table of the same kind overwrites with QEMU's implicit 0 (the table has no entry for the pair).</summary>
    static void Zeroed(LintContext c, List<HmatLbOption> entries)
    {
        var memory = entries.Where(e => e.Hierarchy == "memory" && e.Type is not null && e.Value is > 0).ToList();
        foreach (var e in memory)
        {
            var later = memory.Select(x => x.Type!.Value).Distinct()
                .Where(t => t > e.Type!.Value && t.IsLatency() == e.IsLatency && ((t.SetsRead() && e.IsRead) || (t.SetsWrite() && e.IsWrite)))
                .Where(t => !memory.Any(x => x.Type == t && x.Initiator == e.Initiator && x.Target == e.Target)).ToList();
            if (later.Count > 0)
                c.Add(LintRules.HmatLbZeroedByTable, e.Index,
                    $"{e.DataType} for initiator={e.Initiator} and target={e.Target} is zeroed by the {string.Join(" and ", later.Select(t => t.QemuName()))} table, which has no entry for that pair");
        }
    }

    static void Caches(LintContext c, List<HmatLbOption> entries)
    {
        foreach (var h in c.Numa.HmatCache)
        {
            if (h.UInt("node-id") is not { } node) continue;
            int count = c.Numa.CountAt(h.Index);
            if (node >= (ulong)count)
            {
                c.Add(LintRules.NumaNodeMissing, h.Index, $"hmat-cache for node {node}, which is not declared before it",
                    qemuSays: $"Invalid node-id={node}, it should be less than {count}");
                continue;
            }
            var before = entries.Where(e => e.Index < h.Index && e.Target == node && e.Hierarchy == "memory").ToList();
            if (!before.Any(e => e.IsLatency) || !before.Any(e => !e.IsLatency))
                c.Add(LintRules.HmatCacheWithoutLb, h.Index,
                    $"hmat-cache for node {node}, which has no {(before.Any(e => e.IsLatency) ? "bandwidth" : before.Count > 0 ? "latency" : "latency or bandwidth")} (hierarchy=memory) before it",
                    qemuSays: $"The latency and bandwidth information of node-id={node} should be provided before memory side cache attributes");
        }
    }

    /// <summary>What the guest kernel's tiering makes of the figures (only when any memory-hierarchy figure is given: without
    /// any, the user has chosen no HMAT tiering). The kernel's view is <see cref="GuestTables"/>'s, as for a plan's report,
    /// over the entries QEMU would take.</summary>
    static void Tiers(LintContext c, List<HmatLbOption> entries)
    {
        var memory = entries.Where(e => e.Hierarchy == "memory" && e.Type is not null).ToList();
        if (memory.Count == 0) return;
        var numa = c.Numa;
        var read = GuestTables.FromQemu(c.Command);
        var valid = memory.Select(e => (e.Initiator, e.Target, e.Type)).ToHashSet();
        var tables = read with { Hmat = [.. read.Hmat.Where(h => valid.Contains(((ulong)h.Initiator, (ulong)h.Target, h.DataType)))] };
        var model = tables.KernelNodes().Where(m => m.HasMemory).Select(m => (Node: numa.Node((ulong)m.Node)!, Model: m)).ToList();
        var cpuNodes = model.Where(m => m.Model.HasCpus).ToList();
        var incomplete = cpuNodes.Where(m => !m.Model.Performance!.Value.IsUsable).ToList();
        foreach (var (n, m) in incomplete)
            c.Add(LintRules.HmatCpuNodeIncomplete, n.Index, $"guest node {n.Id} has CPUs and memory, and {Missing(m.Performance!.Value)} to itself");
        if (incomplete.Count == 0 && cpuNodes.Count > 1)
        {
            var reference = cpuNodes[0];
            foreach (var (n, m) in cpuNodes.Skip(1).Where(x => !KernelTierModel.MatchesReference(x.Model.Performance!.Value, reference.Model.Performance!.Value)))
                c.Add(LintRules.HmatCpuNodesDiffer, n.Index, $"guest node {n.Id}'s figures to itself differ from node {reference.Node.Id}'s by more than 10%");
        }
        foreach (var (n, m) in model.Where(x => !x.Model.HasCpus && !x.Model.Performance!.Value.IsUsable))
            c.Add(LintRules.HmatNodeIncomplete, n.Index, $"CPU-less guest node {n.Id} has {Missing(m.Performance!.Value)} from its initiator");

        var (refPerf, _, _) = KernelTierModel.Reference(model.Select(x => x.Model));
        if (refPerf is not { } r) return;
        foreach (var (n, m) in model.Where(x => !x.Model.HasCpus && x.Model.Performance!.Value.IsUsable && KernelTierModel.Overflows(x.Model.Performance.Value, r)))
            c.Add(LintRules.HmatTierOverflow, n.Index,
                $"guest node {n.Id} ({m.Performance!.Value.ReadLatencyNs} ns, {m.Performance.Value.ReadBandwidthMBps} MB/s) against DRAM's {r.ReadLatencyNs} ns, {r.ReadBandwidthMBps} MB/s overflows the guest kernel's abstract distance");
    }

    static string Missing(MemoryPerformance p) =>
        (p.ReadLatencyNs + (ulong)p.WriteLatencyNs == 0, p.ReadBandwidthMBps + (ulong)p.WriteBandwidthMBps == 0) switch
        {
            (true, true) => "no latency and no bandwidth",
            (true, false) => "no latency",
            _ => "no bandwidth",
        };
}
