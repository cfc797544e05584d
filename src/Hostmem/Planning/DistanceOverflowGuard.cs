namespace Hostmem.Planning;

/// <summary>One node's figures changed so that the guest kernel's distance fits its int.</summary>
/// <param name="FullAdistance">The distance the host's figures give (above <see cref="DistanceOverflowGuard.MaxAdistance"/>).</param>
/// <param name="Adistance">The distance the new figures give.</param>
public sealed record FigureClamp(int Node, MemoryPerformance From, MemoryPerformance To, long FullAdistance, long Adistance);

/// <summary>
/// Figures so slow that the guest kernel's abstract distance overflows the int it is stored in (mm/memory-tiers.c) put the
/// node ABOVE DRAM and make demotion run the wrong way (a 6.12 guest: memory_tier4290802280, "Demotion targets for Node 1:
/// preferred: 0"). The guard gives such nodes figures whose distance fits: their latency is scaled down (read and write
/// alike, never below the DRAM reference's sum), and only when DRAM's latency is still too slow their bandwidth is scaled
/// up. The slowest node gets the lowest tier the kernel has; each next slower-to-faster node one tier above the previous
/// one, and never above a node whose figures fit as they are, so the order of the nodes is kept.
/// </summary>
public static class DistanceOverflowGuard
{
    /// <summary>The largest distance the kernel's int holds (memory_tier16777215, the lowest tier there is).</summary>
    public const long MaxAdistance = int.MaxValue;

    /// <summary>The clamps the overflowing nodes among <paramref name="targets"/> need against the reference DRAM figures.</summary>
    /// <param name="retry">0 first; each retry (after QEMU's table rounding pushed a distance back over) starts 1/8 lower.</param>
    public static IReadOnlyList<FigureClamp> Plan(MemoryPerformance reference, IReadOnlyList<(int Node, MemoryPerformance Perf)> targets, int retry = 0)
    {
        var full = targets.Select(t => (t.Node, t.Perf, Full: KernelTierModel.FullAdistance(t.Perf, reference)))
            .Where(t => t.Full is not null).Select(t => (t.Node, t.Perf, Full: t.Full!.Value)).ToList();
        var over = full.Where(t => t.Full > MaxAdistance).OrderByDescending(t => t.Full).ThenBy(t => t.Node).ToList();
        if (over.Count == 0) return [];
        long fitting = full.Where(t => t.Full <= MaxAdistance).Select(t => t.Full).DefaultIfEmpty(KernelTierModel.DramAdistance).Max();
        // No clamped node may rank above a node whose figures fit: its lowest allowed distance is the next tier's first.
        long floor = (KernelTierModel.TierOf((int)fitting) + 1L) << KernelTierModel.ChunkBits;
        long ceiling = (long)(MaxAdistance * Math.Pow(0.875, retry));

        var clamps = new List<FigureClamp>();
        long? previousFull = null;
        long previous = ceiling;
        foreach (var (node, perf, f) in over)
        {
            long target = previousFull == f ? previous // equal figures stay equal
                : previousFull is null ? ceiling
                : ((previous >> KernelTierModel.ChunkBits) << KernelTierModel.ChunkBits) - 1; // the next tier up
            target = Math.Min(Math.Max(target, floor), ceiling);
            if (Solve(perf, reference, target) is not { } to) continue; // cannot be fixed: the caller still warns
            long adist = KernelTierModel.FullAdistance(to, reference)!.Value;
            clamps.Add(new FigureClamp(node, perf, to, f, adist));
            previousFull = f;
            previous = adist;
        }
        return clamps;
    }

    /// <summary>The figures nearest to <paramref name="perf"/> whose distance is at most <paramref name="target"/>.</summary>
    static MemoryPerformance? Solve(MemoryPerformance perf, MemoryPerformance reference, long target)
    {
        long Adist(MemoryPerformance p) => KernelTierModel.FullAdistance(p, reference) ?? long.MaxValue;
        // The kernel adds read and write as u32: sums stay within that, as the kernel would see them.
        long latSum = Math.Min((long)perf.ReadLatencyNs + perf.WriteLatencyNs, uint.MaxValue);
        long minLat = Math.Min(latSum, (long)reference.ReadLatencyNs + reference.WriteLatencyNs);
        // The distance grows with the latency sum: the largest sum in [minLat, latSum] that fits.
        if (Adist(WithLatency(perf, minLat)) <= target)
        {
            long lo = minLat, hi = latSum;
            while (lo < hi)
            {
                long mid = lo + (hi - lo + 1) / 2;
                if (Adist(WithLatency(perf, mid)) <= target) lo = mid; else hi = mid - 1;
            }
            return WithLatency(perf, lo);
        }
        // Even DRAM's latency is too slow at this bandwidth: keep it and find the smallest bandwidth sum that fits.
        var fast = WithLatency(perf, minLat);
        long bwSum = Math.Min((long)perf.ReadBandwidthMBps + perf.WriteBandwidthMBps, uint.MaxValue);
        long maxBw = uint.MaxValue;
        if (Adist(WithBandwidth(fast, maxBw)) > target) return null;
        long blo = bwSum, bhi = maxBw;
        while (blo < bhi)
        {
            long mid = blo + (bhi - blo) / 2;
            if (Adist(WithBandwidth(fast, mid)) <= target) bhi = mid; else blo = mid + 1;
        }
        return WithBandwidth(fast, blo);
    }

    // Read and write scaled alike to the new sum; a direction that had a figure keeps one (never 0: 0 reads as "none").
    static MemoryPerformance WithLatency(MemoryPerformance p, long sum)
    {
        var (r, w) = Split(p.ReadLatencyNs, p.WriteLatencyNs, sum);
        return p with { ReadLatencyNs = r, WriteLatencyNs = w };
    }

    static MemoryPerformance WithBandwidth(MemoryPerformance p, long sum)
    {
        var (r, w) = Split(p.ReadBandwidthMBps, p.WriteBandwidthMBps, sum);
        return p with { ReadBandwidthMBps = r, WriteBandwidthMBps = w };
    }

    static (uint, uint) Split(uint read, uint write, long sum)
    {
        long total = (long)read + write;
        if (read == write) return ((uint)Math.Max(1, sum / 2), (uint)Math.Max(1, sum / 2)); // equal stays equal (one access- table)
        if (read == 0) return (0, (uint)Math.Min(sum, uint.MaxValue));
        if (write == 0) return ((uint)Math.Min(sum, uint.MaxValue), 0);
        long r = Math.Clamp((long)(sum * ((double)read / total)), 1, uint.MaxValue);
        long w = Math.Clamp(sum - r, 1, uint.MaxValue);
        r = Math.Clamp(sum - w, 1, uint.MaxValue);
        return ((uint)r, (uint)w);
    }
}
