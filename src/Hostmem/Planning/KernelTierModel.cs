using Hostmem.Topology;

namespace Hostmem.Planning;

/// <summary>
/// One HMAT memory target's figures as the kernel holds them (<c>struct access_coordinate</c>: u32 each; 0 = no entry).
/// </summary>
public readonly record struct MemoryPerformance(uint ReadLatencyNs, uint WriteLatencyNs, uint ReadBandwidthMBps, uint WriteBandwidthMBps)
{
    /// <summary>The kernel's own validity test: a latency sum and a bandwidth sum, both non-zero (u32 sums).</summary>
    public bool IsUsable => unchecked(ReadLatencyNs + WriteLatencyNs) != 0 && unchecked(ReadBandwidthMBps + WriteBandwidthMBps) != 0;

    /// <summary>The figures of a sysfs access class; missing files count as 0 (as an absent HMAT entry does), values above u32 saturate.</summary>
    public static MemoryPerformance From(AccessCoordinates a) =>
        new(U32(a.ReadLatencyNs), U32(a.WriteLatencyNs), U32(a.ReadBandwidthMBps), U32(a.WriteBandwidthMBps));

    /// <summary>The figures of one ACPI HMAT cell, the same way.</summary>
    public static MemoryPerformance From(HmatLocality l) =>
        new(U32(l.ReadLatencyNs), U32(l.WriteLatencyNs), U32(l.ReadBandwidthMBps), U32(l.WriteBandwidthMBps));

    static uint U32(ulong? v) => v is { } x ? (uint)Math.Min(x, uint.MaxValue) : 0;
}

/// <summary>One guest (or host) node as the kernel's tiering sees it at boot.</summary>
/// <param name="Node">The node id (the kernel walks nodes in ascending order).</param>
/// <param name="HasCpus">N_CPU: with memory, the node is a "default DRAM node" whose figures set the reference.</param>
/// <param name="HasMemory">N_MEMORY: only nodes with memory get a tier.</param>
/// <param name="IsDaxKmem">Memory onlined by the dax kmem driver: its default is 2880 (memory_tier22), not 576.</param>
/// <param name="Performance">The node's access1 (CPU initiator) figures when it is an HMAT memory target; null when it is none.</param>
public sealed record TierModelNode(int Node, bool HasCpus, bool HasMemory, bool IsDaxKmem, MemoryPerformance? Performance);

/// <summary>The tier the kernel will put a node in, and why.</summary>
/// <param name="Tier">adist &gt;&gt; 7 as the kernel computes it (an int: negative after an overflow).</param>
/// <param name="Overflowed">The distance did not fit the kernel's int: the node lands in a tier above DRAM's (demotion goes
/// the wrong way). Seen in a 6.12 guest: 1,000,000 ns at 4 MB/s against 100 ns, 262100 MB/s is memory_tier4290802280 and
/// "Demotion targets for Node 1: preferred: 0".</param>
public sealed record TierPrediction(int Node, int AbstractDistance, int Tier, string Reason, bool Overflowed = false)
{
    /// <summary>The number in the kernel's sysfs name (memory_tierN): the id as an unsigned 32-bit value.</summary>
    public uint KernelTierId => unchecked((uint)Tier);
}

/// <summary>
/// The kernel's memory-tier placement (mm/memory-tiers.c and drivers/acpi/numa/hmat.c, Linux &gt;= 6.10, where CPU-less
/// nodes are tiered from HMAT). Checked against the recorded guests in tests/fixtures (hmat-two-tier: memory_tier106).
/// </summary>
/// <remarks>
/// hmat_set_default_dram_perf walks the nodes with CPUs and memory in ascending order; the first one that is an HMAT target
/// sets the reference figures (mt_set_default_dram_perf), each later one must be within 10% on every figure. A zero latency
/// or bandwidth sum, or a mismatch, fails the walk, and then the HMAT algorithm is never registered: every node keeps its
/// default distance (576, memory_tier4; 2880, memory_tier22, for dax kmem memory). Otherwise each memory target's distance is
/// mt_perf_to_adistance: <c>576 * (lat_r + lat_w) / (ref_lat_r + ref_lat_w) * (ref_bw_r + ref_bw_w) / (bw_r + bw_w)</c>,
/// evaluated left to right in 64-bit integers (576 is a long), each sum a u32, the result stored in an int. Tier id =
/// distance &gt;&gt; 7 (MEMTIER_CHUNK_BITS).
/// </remarks>
public static class KernelTierModel
{
    /// <summary>MEMTIER_CHUNK_BITS: a tier spans 128 units of abstract distance.</summary>
    public const int ChunkBits = 7;
    /// <summary>MEMTIER_ADISTANCE_DRAM = 4 * 128 + 64: memory_tier4.</summary>
    public const int DramAdistance = (4 << ChunkBits) + (1 << (ChunkBits - 1));
    /// <summary>MEMTIER_DEFAULT_DAX_ADISTANCE = 5 * 576: memory_tier22, what kmem gives memory no algorithm describes.</summary>
    public const int DaxDefaultAdistance = DramAdistance * 5;

    public static int TierOf(int abstractDistance) => abstractDistance >> ChunkBits;

    /// <summary>mt_perf_to_adistance; null where the kernel returns an error (a zero latency or bandwidth sum).</summary>
    public static int? PerfToAdistance(MemoryPerformance perf, MemoryPerformance dram) =>
        FullAdistance(perf, dram) is { } full ? unchecked((int)full) : null; // *adist is an int: the kernel truncates the same way

    /// <summary>The distance before it is stored in the kernel's int (64-bit, as computed).</summary>
    public static long? FullAdistance(MemoryPerformance perf, MemoryPerformance dram)
    {
        if (!perf.IsUsable || !dram.IsUsable) return null;
        unchecked
        {
            return DramAdistance * (long)(perf.ReadLatencyNs + perf.WriteLatencyNs)
                / (dram.ReadLatencyNs + dram.WriteLatencyNs)
                * (dram.ReadBandwidthMBps + dram.WriteBandwidthMBps)
                / (perf.ReadBandwidthMBps + perf.WriteBandwidthMBps);
        }
    }

    /// <summary>True when the kernel's int overflows for these figures (see <see cref="TierPrediction.Overflowed"/>).</summary>
    public static bool Overflows(MemoryPerformance perf, MemoryPerformance dram) =>
        FullAdistance(perf, dram) is { } full && (full > int.MaxValue || full < 0);

    /// <summary>The reference DRAM figures, or why there are none (then every node keeps its default).</summary>
    public static (MemoryPerformance? Reference, int? ReferenceNode, string Why) Reference(IEnumerable<TierModelNode> nodes)
    {
        MemoryPerformance? reference = null;
        int? refNode = null;
        foreach (var n in nodes.Where(n => n.HasCpus && n.HasMemory).OrderBy(n => n.Node))
        {
            if (n.Performance is not { } p) continue; // not an HMAT target
            if (!p.IsUsable)
                return (null, null, $"node{n.Node} (CPUs and memory) has no latency or no bandwidth to itself, so the kernel has no reference DRAM figures");
            if (reference is not { } r)
            {
                reference = p;
                refNode = n.Node;
                continue;
            }
            if (Off(p.ReadLatencyNs, r.ReadLatencyNs) || Off(p.WriteLatencyNs, r.WriteLatencyNs)
                || Off(p.ReadBandwidthMBps, r.ReadBandwidthMBps) || Off(p.WriteBandwidthMBps, r.WriteBandwidthMBps))
                return (null, null, $"node{n.Node}'s figures differ from reference node{refNode}'s by more than 10%, which disables the kernel's HMAT tiering");
        }
        return reference is null
            ? (null, null, "no node with CPUs and memory has HMAT figures, so the kernel has no reference DRAM figures")
            : (reference, refNode, $"reference DRAM figures from node{refNode}");
    }

    /// <summary>Whether a CPU node's figures are within the 10% of the reference that mt_set_default_dram_perf allows.</summary>
    public static bool MatchesReference(MemoryPerformance p, MemoryPerformance r) =>
        !(Off(p.ReadLatencyNs, r.ReadLatencyNs) || Off(p.WriteLatencyNs, r.WriteLatencyNs)
          || Off(p.ReadBandwidthMBps, r.ReadBandwidthMBps) || Off(p.WriteBandwidthMBps, r.WriteBandwidthMBps));

    // abs((int)(a - b)) * 10 > b, as mt_set_default_dram_perf computes it on u32 fields.
    static bool Off(uint value, uint reference) => (long)Math.Abs((long)unchecked((int)(value - reference))) * 10 > reference;

    /// <summary>The tier of every node with memory, in node order.</summary>
    public static IReadOnlyList<TierPrediction> Predict(IReadOnlyList<TierModelNode> nodes)
    {
        var (reference, _, why) = Reference(nodes);
        var result = new List<TierPrediction>();
        foreach (var n in nodes.Where(n => n.HasMemory).OrderBy(n => n.Node))
        {
            int fallback = n.IsDaxKmem ? DaxDefaultAdistance : DramAdistance;
            string fallbackWhy = n.IsDaxKmem ? "default for dax kmem memory (2880)" : "default DRAM distance (576)";
            int adist;
            string reason;
            bool overflowed = reference is { } rr && n.Performance is { } pp && Overflows(pp, rr);
            if (reference is not { } r)
                (adist, reason) = (fallback, $"{fallbackWhy}: {why}");
            else if (n.Performance is not { } p)
                (adist, reason) = (fallback, $"{fallbackWhy}: node{n.Node} is no HMAT target");
            else if (PerfToAdistance(p, r) is not { } a)
                (adist, reason) = (fallback, $"{fallbackWhy}: node{n.Node} has no latency or no bandwidth");
            else
                (adist, reason) = (a, $"576 * {(ulong)p.ReadLatencyNs + p.WriteLatencyNs} ns / {(ulong)r.ReadLatencyNs + r.WriteLatencyNs} ns * "
                    + $"{(ulong)r.ReadBandwidthMBps + r.WriteBandwidthMBps} MB/s / {(ulong)p.ReadBandwidthMBps + p.WriteBandwidthMBps} MB/s ({why})");
            if (overflowed)
                reason += "; the distance overflows the kernel's int, so the node ranks above DRAM and demotion goes the wrong way";
            result.Add(new TierPrediction(n.Node, adist, TierOf(adist), reason, overflowed));
        }
        return result;
    }

    /// <summary>The model's view of a host snapshot: access1 (else access0) figures, dax kmem nodes from the dax bus.</summary>
    public static IReadOnlyList<TierModelNode> NodesOf(HostTopology host) =>
        [.. host.Nodes.Select(n => new TierModelNode(
            n.Id, n.HasCpus, n.HasMemory,
            host.Dax.Any(d => d.Mode == DaxMode.SystemRam && d.TargetNode == n.Id),
            n.BestAccess is { } a && (a.HasLatency || a.HasBandwidth) ? MemoryPerformance.From(a) : null))];
}
