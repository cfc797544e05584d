using Hostmem.Qemu;

namespace Hostmem.Planning;

/// <summary>
/// The HMAT entries hostmem adds to the user's: from every guest CPU node to every node it has figures for, only the
/// figures (latency or bandwidth, read or write) no user entry of that pair already sets, so no pair ever gets two entries
/// of one kind. The figures are fitted to what QEMU can encode and kept below the guest kernel's distance overflow
/// (<see cref="DistanceOverflowGuard"/>), judged on the figures the guest will really get: the user's where given.
/// </summary>
static class GuestHmatFill
{
    public sealed record Result(IReadOnlyList<GuestHmatEntry> Added, IReadOnlyDictionary<int, IReadOnlyList<string>> Why);

    public static Result Plan(IReadOnlyList<LayoutNode> nodes, IReadOnlyList<GuestHmatEntry> user, List<PlanNote> notes)
    {
        var why = nodes.ToDictionary(n => n.Id, _ => new List<string>());
        var userTables = new GuestTables([.. nodes.Select(n => new GuestTableNode(n.Id, n.HasCpus, n.SizeBytes > 0, n.Initiator))], user, []);
        // What the guest will get per node: the user's figure where one is given, else hostmem's.
        var effective = nodes.Where(n => n.Figures is not null || userTables.EntriesOf(n.Id).Count > 0)
            .Select(n => (Node: n, Perf: Overlay(userTables.FiguresOf(n.Id), n.Figures))).Where(x => x.Perf.IsUsable).ToList();
        var cpus = nodes.Where(n => n.HasCpus).OrderBy(n => n.Id).ToList();
        if (!effective.Any(x => x.Node.HasCpus) || !nodes.Any(n => n.Figures is not null && Missing(user, cpus, n).Any()))
            return new([], why.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value));

        var tables = FitWithoutOverflow(effective, why, notes);
        bool splitLatency = Split(user, latency: true, tables.Types.Any(t => t.DataType == "read-latency"));
        bool splitBandwidth = Split(user, latency: false, tables.Types.Any(t => t.DataType == "read-bandwidth"));
        var added = new List<GuestHmatEntry>();
        foreach (var t in nodes.Where(n => n.Figures is not null && tables.Written.ContainsKey(n.Id)))
        {
            var p = tables.Written[t.Id];
            foreach (var c in cpus)
                foreach (bool latency in new[] { true, false })
                {
                    bool read = !Covered(user, c.Id, t.Id, latency, read: true), write = !Covered(user, c.Id, t.Id, latency, read: false);
                    if (!read && !write) continue;
                    ulong r = latency ? p.ReadLatencyNs : p.ReadBandwidthMBps, w = latency ? p.WriteLatencyNs : p.WriteBandwidthMBps;
                    if (!(latency ? splitLatency : splitBandwidth))
                    {
                        if (r != w)
                            why[t.Id].Add($"{(latency ? "latency" : "bandwidth")} written as one access figure, {(r + w + 1) / 2}, the mean of read {r} and write {w}: "
                                + "your entries use access- tables, and a read-/write- table beside them would read as 0 wherever it has no entry");
                        if (read || write) added.Add(new(c.Id, t.Id, HmatDataTypes.For(latency, true, true), (r + w + 1) / 2, t.FiguresFrom));
                        continue;
                    }
                    if (read && r > 0) added.Add(new(c.Id, t.Id, HmatDataTypes.For(latency, true, false), r, t.FiguresFrom));
                    if (write && w > 0) added.Add(new(c.Id, t.Id, HmatDataTypes.For(latency, false, true), w, t.FiguresFrom));
                }
        }
        // QEMU's table order. A stable sort by one comparison: OrderBy(..).ThenBy(..) is a generic virtual call, which
        // NativeAOT resolves at run time (about 130,000 instructions on every plan).
        var ordered = added.Select((e, i) => (e, i)).ToArray();
        Array.Sort(ordered, (x, y) => x.e.DataType != y.e.DataType ? x.e.DataType.CompareTo(y.e.DataType)
            : x.e.Initiator != y.e.Initiator ? x.e.Initiator.CompareTo(y.e.Initiator) : x.e.Target != y.e.Target ? x.e.Target.CompareTo(y.e.Target) : x.i.CompareTo(y.i));
        return new([.. ordered.Select(x => x.e)],
            why.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value));
    }

    /// <summary>
    /// Whether hostmem writes read- and write- entries for a kind, or access- ones. QEMU writes one table per data type over
    /// every pair, 0 where no entry was given, and the guest kernel applies the tables in order, a 0 included: next to a
    /// user's read-/write- table an access entry of hostmem's would be zeroed, and next to a user's access table a read-
    /// table of hostmem's would zero the user's figure. So hostmem follows the user's form; without one, the figures'.
    /// </summary>
    static bool Split(IReadOnlyList<GuestHmatEntry> user, bool latency, bool figuresSplit)
    {
        var mine = user.Where(e => e.IsLatency == latency).ToList();
        if (mine.Any(e => e.DataType is not (HmatDataType.AccessLatency or HmatDataType.AccessBandwidth))) return true;
        return mine.Count == 0 && figuresSplit;
    }

    /// <summary>Whether a user entry from <paramref name="initiator"/> to <paramref name="target"/> sets that figure.</summary>
    public static bool Covered(IReadOnlyList<GuestHmatEntry> user, int initiator, int target, bool latency, bool read) =>
        user.Any(e => e.Initiator == initiator && e.Target == target && e.IsLatency == latency && (read ? e.DataType.SetsRead() : e.DataType.SetsWrite()));

    /// <summary>The (CPU node, kind) pairs of a node whose figures no user entry sets.</summary>
    static IEnumerable<(int Initiator, bool Latency)> Missing(IReadOnlyList<GuestHmatEntry> user, IEnumerable<LayoutNode> cpus, LayoutNode target) =>
        cpus.SelectMany(c => new[] { true, false }.Select(l => (c.Id, l)))
            .Where(x => !Covered(user, x.Id, target.Id, x.l, true) || !Covered(user, x.Id, target.Id, x.l, false));

    /// <summary>Each of the user's figures where it is non-zero, else hostmem's (0 where neither has one).</summary>
    public static MemoryPerformance Overlay(MemoryPerformance user, MemoryPerformance? hostmem)
    {
        var h = hostmem ?? default;
        static uint Pick(uint u, uint x) => u != 0 ? u : x;
        return new(Pick(user.ReadLatencyNs, h.ReadLatencyNs), Pick(user.WriteLatencyNs, h.WriteLatencyNs),
            Pick(user.ReadBandwidthMBps, h.ReadBandwidthMBps), Pick(user.WriteBandwidthMBps, h.WriteBandwidthMBps));
    }

    /// <summary>
    /// The hmat-lb tables for the figures, with the figures of CPU-less nodes that would overflow the guest kernel's
    /// distance (and rank above DRAM) clamped by <see cref="DistanceOverflowGuard"/>; retried when QEMU's table rounding
    /// pushes a clamped distance back over.
    /// </summary>
    static HmatTables FitWithoutOverflow(List<(LayoutNode Node, MemoryPerformance Perf)> figures, Dictionary<int, List<string>> why, List<PlanNote> notes)
    {
        var given = figures.ToDictionary(f => f.Node.Id, f => f.Perf);
        var tables = HmatTables.Fit([.. figures.Select(f => (f.Node.Id, f.Perf))]);
        foreach (var (node, reason) in tables.Rounded) why[node].Add(reason);
        var encodable = tables.Written; // the figures as QEMU can write them: what the guard starts from
        int referenceNode = figures.Where(f => f.Node.HasCpus).Min(f => f.Node.Id);
        IReadOnlyList<FigureClamp> clamps = [];
        var cpuLess = figures.Where(f => !f.Node.HasCpus).Select(f => f.Node).ToList();
        for (int retry = 0; retry < 8; retry++)
        {
            var reference = tables.Written[referenceNode];
            if (!cpuLess.Any(n => KernelTierModel.Overflows(tables.Written[n.Id], reference))) break;
            clamps = DistanceOverflowGuard.Plan(reference, [.. cpuLess.Select(n => (n.Id, encodable[n.Id]))], retry);
            if (clamps.Count == 0) break;
            tables = HmatTables.Fit([.. figures.Select(f => (f.Node.Id, clamps.FirstOrDefault(c => c.Node == f.Node.Id)?.To ?? given[f.Node.Id]))]);
        }
        var dram = tables.Written[referenceNode];
        foreach (var c in clamps)
        {
            var n = cpuLess.First(n => n.Id == c.Node);
            var written = tables.Written[n.Id];
            long adist = KernelTierModel.FullAdistance(written, dram) ?? 0;
            string whose = n.FiguresFrom is FiguresSource.CommandLine ? "--latency/--bandwidth figures" : "host's figures";
            why[n.Id].Add($"the {whose} ({Show(given[n.Id])}) give the guest kernel a distance of {KernelTierModel.FullAdistance(given[n.Id], dram)}, beyond its int: it would rank node{n.Id} ABOVE DRAM "
                + $"and demote the wrong way; written as {Show(written)} instead (distance {adist}, memory_tier{adist >> KernelTierModel.ChunkBits}: still the slowest, below DRAM)");
            notes.Add(PlanNote.Info(NoteCodes.FiguresClamped, $"guest node{n.Id}: the {whose} ({Show(given[n.Id])}) would overflow the guest kernel's distance and rank the node above DRAM; "
                + $"written as {Show(written)} so it stays below DRAM (see its why)"));
        }
        return tables;
    }

    public static string Show(MemoryPerformance p) => p.ReadLatencyNs == p.WriteLatencyNs && p.ReadBandwidthMBps == p.WriteBandwidthMBps
        ? $"{p.ReadLatencyNs} ns, {p.ReadBandwidthMBps} MB/s"
        : $"{p.ReadLatencyNs}/{p.WriteLatencyNs} ns, {p.ReadBandwidthMBps}/{p.WriteBandwidthMBps} MB/s";
}
