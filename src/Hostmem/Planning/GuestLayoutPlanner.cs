using Hostmem.Classification;
using Hostmem.Qemu;
using Hostmem.Topology;

namespace Hostmem.Planning;

/// <summary>
/// Turns a <see cref="GuestIntent"/> into a <see cref="GuestLayout"/> in small steps: initiators for CPU-less nodes, the
/// full distance matrix, the figures hostmem has for each node, the HMAT entries it adds to the user's, and the conflicts
/// between the user's figures and the host's. What the user wrote always wins; hostmem fills in only what is missing.
/// </summary>
public static class GuestLayoutPlanner
{
    public static GuestLayout Plan(ClassifiedHost host, GuestIntent intent, IReadOnlyList<int> cpuNodes, PlanOptions options)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(intent);
        var notes = new List<PlanNote>(intent.Notes);
        bool hmat = intent.Hmat != false;
        if (!hmat) notes.Add(PlanNote.Info(NoteCodes.HmatOff, "-machine hmat=off given: no HMAT figures for the guest (nodes and distances only)"));
        var nodes = WithInitiators(intent.Nodes, hmat);
        var distances = Distances(host.Host, nodes, intent.UserDistances);
        int? hmatInitiator = GuestFigures.HmatInitiator(host.Host, cpuNodes, nodes, notes);
        nodes = [.. nodes.Select(n => WithFigures(host, n, options, hmatInitiator, cpuNodes))];
        if (!hmat)
            return new GuestLayout { Nodes = nodes, Distances = distances, Notes = notes };

        var user = intent.UserHmat;
        var fill = GuestHmatFill.Plan(nodes, user, notes);
        nodes = [.. nodes.Select(n => n with { Why = [.. n.Why, .. fill.Why.GetValueOrDefault(n.Id, [])] })];
        var hmatEntries = user.Concat(fill.Added).ToList();
        if (hmatEntries.Count == 0) NoFiguresNote(nodes, cpuNodes, notes);
        nodes = [.. nodes.Select(n => WhyNoFigures(n, hmatEntries))];
        var conflicts = Conflicts(nodes, user, notes);
        FilledNotes(nodes, user, fill.Added, notes);
        ImplausibleNotes(nodes, fill.Added, options, notes);
        return new GuestLayout
        {
            Nodes = nodes, Distances = distances, Hmat = hmatEntries, Conflicts = conflicts, Notes = notes,
            HmatOn = hmatEntries.Count > 0 || nodes.Any(n => n.Initiator is not null),
        };
    }

    /// <summary>hmat=on needs every CPU-less node to name an initiator: the first CPU node, unless the user named one.</summary>
    static IReadOnlyList<LayoutNode> WithInitiators(IReadOnlyList<LayoutNode> nodes, bool hmat)
    {
        if (!hmat || !nodes.Any(n => n.HasCpus)) return nodes;
        int first = nodes.Where(n => n.HasCpus).Min(n => n.Id);
        return [.. nodes.Select(n => n.HasCpus || n.Initiator is not null ? n : n with { Initiator = first })];
    }

    static LayoutNode WithFigures(ClassifiedHost host, LayoutNode n, PlanOptions options, int? hmatInitiator, IReadOnlyList<int> cpuNodes)
    {
        var r = GuestFigures.For(host, n, options, hmatInitiator, cpuNodes);
        return n with { Figures = r.Figures, FiguresFrom = r.From, Why = [.. n.Why, .. r.Why] };
    }

    /// <summary>Every ordered pair: the user's value, else the user's value the other way (QEMU mirrors it), else the host's.</summary>
    static IReadOnlyList<GuestDistance> Distances(HostTopology host, IReadOnlyList<LayoutNode> nodes, IReadOnlyList<GuestDistance> user)
    {
        var given = new Dictionary<(int, int), GuestDistance>();
        foreach (var d in user) given[(d.From, d.To)] = d;
        var result = new List<GuestDistance>(nodes.Count * (nodes.Count - 1));
        var ordered = nodes.OrderBy(n => n.Id).ToList();
        // Each guest node's host nodes looked up once, not once per pair (16,256 pairs on 128 nodes).
        var behind = ordered.Select(n => n.HostNodes.Select(h => (Id: h, Node: host.Node(h))).ToArray()).ToArray();
        for (int i = 0; i < ordered.Count; i++)
            for (int j = 0; j < ordered.Count; j++)
            {
                var (a, b) = (ordered[i], ordered[j]);
                if (a.Id == b.Id) continue;
                if (given.TryGetValue((a.Id, b.Id), out var mine)) result.Add(mine);
                else if (given.TryGetValue((b.Id, a.Id), out var mirror)) result.Add(new GuestDistance(a.Id, b.Id, mirror.Value, Author.Hostmem));
                else result.Add(new GuestDistance(a.Id, b.Id, HostDistance(behind[i], behind[j])));
            }
        return result;
    }

    /// <summary>The SLIT distance between the host nodes behind two guest nodes (the nearest pair); 20 when the host has none.</summary>
    static int HostDistance((int Id, NumaNode? Node)[] a, (int Id, NumaNode? Node)[] b)
    {
        int? best = null;
        foreach (var (x, from) in a)
            foreach (var (y, _) in b)
            {
                int? d = x == y ? 10 : from?.Distances.TryGetValue(y, out int v) == true ? v : null;
                if (d is { } dv && (best is null || dv < best)) best = dv;
            }
        return best is { } r && r > 10 ? r : 20; // a remote distance must be > 10 or the guest ignores the SLIT
    }

    /// <summary>No CPU node has figures (from the host or the user): the guest keeps every node in one tier. Typed memory it
    /// cannot tell from DRAM is what the user asked hostmem to avoid: a warning then, not a note.</summary>
    static void NoFiguresNote(IReadOnlyList<LayoutNode> nodes, IReadOnlyList<int> cpuNodes, List<PlanNote> notes)
    {
        var typed = nodes.Where(n => !n.HasCpus && n.Type is { } t && t != HostMemType.Dram).Select(n => $"node{n.Id} ({n.Type!.Value.Name()})").ToList();
        string text = $"no latency/bandwidth for the guest's CPU node(s) (host {string.Join(",", cpuNodes.Select(i => "node" + i))} shows no HMAT figures; give --latency dram=NS --bandwidth dram=MBPS): no -numa hmat-lb, every guest node stays in memory_tier4"
            + (typed.Count > 0 ? $", so the guest ranks {string.Join(", ", typed)} with DRAM and never demotes to it" : "");
        notes.Add(typed.Count > 0 ? PlanNote.Warning(NoteCodes.NoReferenceFigures, text) : PlanNote.Info(NoteCodes.NoReferenceFigures, text));
    }

    static LayoutNode WhyNoFigures(LayoutNode n, IReadOnlyList<GuestHmatEntry> entries)
    {
        if (n.Figures is not null || entries.Any(e => e.Target == n.Id)) return n;
        string type = n.Type?.Name() ?? "TYPE";
        string what = n.HostNodes.Count == 0 ? "it" : string.Join(",", n.HostNodes.Select(h => "host node" + h));
        return n with { Why = [.. n.Why, $"no figures from the host for {what}: no hmat-lb for node{n.Id} (give --latency {type}=NS --bandwidth {type}=MBPS)"] };
    }

    /// <summary>Nodes whose figures the user set and hostmem has differently: the user's win, said once per node.</summary>
    static IReadOnlyList<FigureConflict> Conflicts(IReadOnlyList<LayoutNode> nodes, IReadOnlyList<GuestHmatEntry> user, List<PlanNote> notes)
    {
        var tables = new GuestTables([.. nodes.Select(n => new GuestTableNode(n.Id, n.HasCpus, n.SizeBytes > 0, n.Initiator))], user, []);
        var result = new List<FigureConflict>();
        foreach (var n in nodes.Where(n => n.Figures is not null))
        {
            var mine = tables.FiguresOf(n.Id);
            var host = n.Figures!.Value;
            bool differs = Differs(mine.ReadLatencyNs, host.ReadLatencyNs) || Differs(mine.WriteLatencyNs, host.WriteLatencyNs)
                || Differs(mine.ReadBandwidthMBps, host.ReadBandwidthMBps) || Differs(mine.WriteBandwidthMBps, host.WriteBandwidthMBps);
            if (!differs) continue;
            result.Add(new FigureConflict(n.Id, mine, host, n.FiguresFrom));
            notes.Add(PlanNote.Info(NoteCodes.UserFiguresDiffer,
                $"guest node{n.Id}: your entries give {Show(mine)}, the {SourceWords(n.FiguresFrom)} give {GuestHmatFill.Show(host)}: the guest gets yours"));
        }
        return result;

        static bool Differs(uint user, uint host) => user != 0 && user != host;
    }

    static string Show(MemoryPerformance p)
    {
        static string Part(uint r, uint w, string unit) => (r, w) switch
        {
            (0, 0) => "-",
            _ when r == w => $"{r} {unit}",
            _ => $"{(r == 0 ? "-" : r)}/{(w == 0 ? "-" : w)} {unit}",
        };
        return $"{Part(p.ReadLatencyNs, p.WriteLatencyNs, "ns")}, {Part(p.ReadBandwidthMBps, p.WriteBandwidthMBps, "MB/s")}";
    }

    static string SourceWords(FiguresSource s) => s switch
    {
        FiguresSource.CommandLine => "--latency/--bandwidth figures",
        FiguresSource.Measured => "measured figures",
        _ => $"host's figures ({s.Name()})",
    };

    /// <summary>Where the user gave some of a node's figures, say what hostmem filled in beside them.</summary>
    static void FilledNotes(IReadOnlyList<LayoutNode> nodes, IReadOnlyList<GuestHmatEntry> user, IReadOnlyList<GuestHmatEntry> added, List<PlanNote> notes)
    {
        var byTarget = added.ToLookup(e => e.Target); // one pass: 128 nodes x 256 entries was a tenth of a 128-node plan's layout
        var userTargets = user.Select(e => e.Target).ToHashSet();
        foreach (var n in nodes)
        {
            var mine = byTarget[n.Id].ToList();
            if (mine.Count == 0 || !userTargets.Contains(n.Id)) continue;
            notes.Add(PlanNote.Info(NoteCodes.FiguresFilled, $"guest node{n.Id}: {string.Join(", ", mine.Select(e => e.DataType.QemuName()).Distinct())} filled in from the "
                + $"{SourceWords(n.FiguresFrom)} beside your entries"));
        }
    }

    /// <summary>Figures only firmware or an emulator could get wrong by 1000x (picoseconds as ns): passed on, but said.</summary>
    static void ImplausibleNotes(IReadOnlyList<LayoutNode> nodes, IReadOnlyList<GuestHmatEntry> added, PlanOptions options, List<PlanNote> notes)
    {
        var byTarget = added.Where(e => e.IsLatency).ToLookup(e => e.Target);
        foreach (var n in nodes.Where(n => !(n.Type is { } t && options.LatencyNs.ContainsKey(t))))
        {
            ulong lat = byTarget[n.Id].Select(e => e.Value).DefaultIfEmpty(0UL).Max();
            if (lat >= TopologyDiagnostics.ImplausibleLatencyNs)
                notes.Add(PlanNote.Warning(NoteCodes.ImplausibleLatency, $"guest node{n.Id} gets the host's latency of {lat} ns, which is not a memory latency (likely picoseconds reported as ns by firmware or an emulator); the guest will tier it far too low: give --latency {n.Type?.Name() ?? "TYPE"}=NS"));
        }
    }
}
