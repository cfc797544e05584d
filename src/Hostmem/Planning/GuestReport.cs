using Hostmem.Classification;
using Hostmem.Topology;

namespace Hostmem.Planning;

/// <summary>One guest NUMA node as the plan reports it: what backs it, and the figures and tier the guest will have, read
/// back from the rendered output (<see cref="GuestTables"/>).</summary>
public sealed record GuestNodePlan
{
    public required int GuestNode { get; init; }
    /// <summary>The memory backend's id; null for a node the user wrote without memdev=.</summary>
    public string? Backend { get; init; }
    public IReadOnlyList<int> HostNodes { get; init; } = [];
    public HostMemType? Type { get; init; }
    public bool HasCpus { get; init; }
    public ulong SizeBytes { get; init; }
    public uint? ReadLatencyNs { get; init; }
    public uint? WriteLatencyNs { get; init; }
    public uint? ReadBandwidthMBps { get; init; }
    public uint? WriteBandwidthMBps { get; init; }
    /// <summary>Who wrote the entries that set the figures: the user's, the host's (access1, ...), or both.</summary>
    public IReadOnlyList<FiguresSource> FigureSources { get; init; } = [];
    /// <summary>The one source when there is one; <see cref="FiguresSource.None"/> without figures.</summary>
    public FiguresSource FiguresFrom => FigureSources.Count == 1 ? FigureSources[0] : FigureSources.Count == 0 ? FiguresSource.None : FiguresSource.UserEntries;
    /// <summary>"access1", "user", "user+access1": for JSON and the table.</summary>
    public string FiguresFromName => GuestFigures.Name(FigureSources);
    /// <summary>The memory tier a Linux &gt;= 6.10 guest puts the node in (<see cref="KernelTierModel"/>), numbered as the
    /// guest's sysfs names it (memory_tierN).</summary>
    public uint? PredictedTier { get; init; }
    /// <summary>The figures overflow the guest kernel's distance: it ranks the node above DRAM.</summary>
    public bool TierOverflow { get; init; }
    public IReadOnlyList<string> Why { get; init; } = [];
}

/// <summary>The guest side of a plan's report: the layout's nodes with the figures and tiers read back from the output.</summary>
public static class GuestReport
{
    public static IReadOnlyList<GuestNodePlan> Build(HostTopology host, GuestLayout layout, GuestTables output, List<PlanNote> notes)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(output);
        var tiers = output.Tiers().ToDictionary(t => t.Node);
        // Entries that leave the kernel without reference DRAM figures (the user's, incomplete, where hostmem had none to add).
        if (output.Hmat.Count > 0 && KernelTierModel.Reference(output.KernelNodes()) is { Reference: null } none)
            notes.Add(PlanNote.Warning(NoteCodes.NoReferenceFigures, $"{none.Why}: every guest node stays in memory_tier4; complete the hmat-lb entries of the CPU node(s), or give --latency dram=NS --bandwidth dram=MBPS"));
        foreach (var t in tiers.Values.Where(t => t.Overflowed))
            notes.Add(PlanNote.Warning(NoteCodes.TierOverflow, $"guest node{t.Node}'s figures overflow the guest kernel's abstract distance (int): it will rank the node ABOVE DRAM (memory_tier{t.KernelTierId}) and demote the wrong way; give it a higher bandwidth or lower latency with --latency/--bandwidth"));
        return [.. layout.Nodes.OrderBy(n => n.Id).Select(n =>
        {
            var entries = output.EntriesOf(n.Id);
            var figures = output.FiguresOf(n.Id);
            bool has = entries.Count > 0;
            var why = n.Why.ToList();
            tiers.TryGetValue(n.Id, out var tier);
            if (tier is not null)
            {
                if (HostTierLine(host, n, tier) is { } line) why.Add(line);
                why.Add($"memory_tier{tier.KernelTierId}: {tier.Reason}");
            }
            return new GuestNodePlan
            {
                GuestNode = n.Id, Backend = n.Backend, HostNodes = n.HostNodes, Type = n.Type, HasCpus = n.HasCpus, SizeBytes = n.SizeBytes,
                ReadLatencyNs = has ? figures.ReadLatencyNs : null, WriteLatencyNs = has ? figures.WriteLatencyNs : null,
                ReadBandwidthMBps = has ? figures.ReadBandwidthMBps : null, WriteBandwidthMBps = has ? figures.WriteBandwidthMBps : null,
                FigureSources = [.. entries.Select(e => layout.WhoWrote(e).Source).Distinct().Order()],
                PredictedTier = tier?.KernelTierId, TierOverflow = tier?.Overflowed == true, Why = why,
            };
        })];
    }

    /// <summary>
    /// The tier the host's own kernel gave the host nodes, when it differs from the guest's: a kmem CXL node is tiered when it
    /// comes online, not by the access figures the node shows and the guest gets. In the lab's cxl-ram-genport guest (a
    /// Linux 6.12 guest whose CXL node is the generic port's node) that is the generic port's own HMAT entry: memory_tier73
    /// from 200 ns, 32000 MB/s; with 400 ns, 8000 MB/s it was memory_tier589 (see Cxl/CxlDevicePlanner).
    /// </summary>
    static string? HostTierLine(HostTopology host, LayoutNode n, TierPrediction guest)
    {
        var hostTiers = n.HostNodes.Select(host.Node).OfType<NumaNode>().Where(h => h.Tier is not null).ToList();
        if (hostTiers.Count == 0 || hostTiers.All(h => h.Tier == guest.Tier)) return null;
        string line = $"the host kernel ranks {string.Join(", ", hostTiers.Select(h => $"host node{h.Id} in memory_tier{h.Tier}"))}, the guest will rank node{n.Id} in memory_tier{guest.KernelTierId}";
        var kmemCxl = hostTiers.Where(h => h.Tier != guest.Tier && GuestFigures.RegionOf(host, h.Id) is not null).ToList();
        if (kmemCxl.Any(h => h.BestAccess is { HasLatency: true }))
            line += " (the host tiers kmem CXL memory by the CXL driver's figures at onlining, CDAT and generic port, not by the node's access figures the guest gets)";
        else if (kmemCxl.Any(h => h.Tier == KernelTierModel.TierOf(KernelTierModel.DaxDefaultAdistance)))
            line += " (the host kernel's default for dax kmem memory without figures)";
        return line;
    }
}
