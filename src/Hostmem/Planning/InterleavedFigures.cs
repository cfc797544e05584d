namespace Hostmem.Planning;

/// <summary>
/// What the guest is told about one guest node whose memory is weighted-interleaved over host nodes of different speed.
/// The guest kernel knows one latency and one bandwidth per node (HMAT) and tiers by them (mm/memory-tiers.c), so the
/// figures are those of the mix, not of its slowest part: a random access lands on host node i with probability share_i,
/// so latency is the share-weighted mean; a stream loads node i with share_i of its bytes, so the mix runs until the
/// first node saturates, bandwidth = min over i of bandwidth_i / share_i (the sum of the bandwidths when the weights
/// follow them, as the kernel's auto weights do).
/// </summary>
public static class InterleavedFigures
{
    /// <summary>The mix's figures; null when a host node has no figures or no share.</summary>
    public static MemoryPerformance? Blend(IReadOnlyList<(int Node, MemoryPerformance Perf)> perNode, IReadOnlyList<NodeShare> shares)
    {
        var parts = perNode.Select(p => (p.Perf, Share: shares.FirstOrDefault(s => s.Node == p.Node)?.Share ?? 0)).ToList();
        if (parts.Count == 0 || parts.Any(p => p.Share <= 0)) return null;
        return new MemoryPerformance(Mean(parts, p => p.ReadLatencyNs), Mean(parts, p => p.WriteLatencyNs),
            Rate(parts, p => p.ReadBandwidthMBps), Rate(parts, p => p.WriteBandwidthMBps));
    }

    static uint Mean(List<(MemoryPerformance Perf, double Share)> parts, Func<MemoryPerformance, uint> figure) =>
        U32(Math.Round(parts.Sum(p => p.Share * figure(p.Perf)), MidpointRounding.AwayFromZero));

    static uint Rate(List<(MemoryPerformance Perf, double Share)> parts, Func<MemoryPerformance, uint> figure) =>
        U32(Math.Floor(parts.Min(p => figure(p.Perf) / p.Share)));

    static uint U32(double v) => (uint)Math.Clamp(v, 0, uint.MaxValue);
}
