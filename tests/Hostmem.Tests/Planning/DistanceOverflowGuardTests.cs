using Hostmem.Planning;
using Xunit;

namespace Hostmem.Tests.Planning;

/// <summary>Figures that would overflow the guest kernel's distance (int) get figures that keep the node below DRAM, in order.</summary>
public class DistanceOverflowGuardTests
{
    static readonly MemoryPerformance Dram = new(100, 100, 262100, 262100);

    static MemoryPerformance Perf(uint lat, uint bw) => new(lat, lat, bw, bw);

    static long Adist(MemoryPerformance p) => KernelTierModel.FullAdistance(p, Dram)!.Value;

    [Fact]
    public void Nothing_changes_when_every_distance_fits()
    {
        Assert.Empty(DistanceOverflowGuard.Plan(Dram, [(1, Perf(270, 30000)), (2, Perf(60000, 100))]));
    }

    [Fact]
    public void An_overflowing_node_gets_the_lowest_tier_there_is_by_a_lower_latency()
    {
        var c = Assert.Single(DistanceOverflowGuard.Plan(Dram, [(1, Perf(1_000_000, 4))]));
        Assert.Equal(1, c.Node);
        Assert.Equal(Perf(1_000_000, 4), c.From);
        Assert.Equal(377_424_000_000, c.FullAdistance); // 576*2e6/200 * 524200/8
        Assert.Equal((4u, 4u), (c.To.ReadBandwidthMBps, c.To.WriteBandwidthMBps)); // bandwidth kept
        Assert.Equal(c.To.ReadLatencyNs, c.To.WriteLatencyNs);                    // equal stays equal
        Assert.InRange(c.Adistance, DistanceOverflowGuard.MaxAdistance - 2 * 524200 / 8 * 576 / 200 * 2, DistanceOverflowGuard.MaxAdistance);
        Assert.Equal(c.Adistance, Adist(c.To));
        Assert.False(KernelTierModel.Overflows(c.To, Dram));
        // the largest latency that fits: one more nanosecond each way overflows
        Assert.True(KernelTierModel.Overflows(c.To with { ReadLatencyNs = c.To.ReadLatencyNs + 1, WriteLatencyNs = c.To.WriteLatencyNs + 1 }, Dram));
        var tiers = KernelTierModel.Predict([new TierModelNode(0, true, true, false, Dram), new TierModelNode(1, false, true, false, c.To)]);
        Assert.Equal(16_777_215, int.MaxValue >> 7);
        Assert.InRange(tiers[1].Tier, 16_770_000, 16_777_215); // a latency step of 2 ns moves the distance by ~393,000 here
        Assert.Equal(4, tiers[0].Tier);
    }

    [Fact]
    public void Slower_stays_slower_and_no_clamped_node_passes_one_that_fits()
    {
        MemoryPerformance slowest = Perf(2_000_000, 1), slower = Perf(1_000_000, 1), slow = Perf(1_000_000, 4), fits = Perf(60000, 100);
        var clamps = DistanceOverflowGuard.Plan(Dram, [(1, slow), (2, fits), (3, slowest), (4, slower)]).ToDictionary(c => c.Node);
        Assert.Equal([1, 3, 4], clamps.Keys.Order());
        int Tier(int node) => (int)(clamps[node].Adistance >> 7);
        Assert.True(Tier(3) > Tier(4) && Tier(4) > Tier(1), $"{Tier(3)} {Tier(4)} {Tier(1)}");
        Assert.True(Tier(1) > (int)(Adist(fits) >> 7));
        Assert.All(clamps.Values, c => Assert.False(KernelTierModel.Overflows(c.To, Dram)));
    }

    [Fact]
    public void Equal_overflowing_figures_stay_equal()
    {
        var clamps = DistanceOverflowGuard.Plan(Dram, [(1, Perf(1_000_000, 4)), (2, Perf(1_000_000, 4))]);
        Assert.Equal(2, clamps.Count);
        Assert.Equal(clamps[0].To, clamps[1].To);
    }

    [Fact]
    public void When_drams_latency_is_not_enough_the_bandwidth_goes_up_instead()
    {
        // A reference with the largest bandwidth the kernel holds: 1 MB/s overflows even at DRAM's latency
        var huge = new MemoryPerformance(100, 100, uint.MaxValue / 2, uint.MaxValue / 2);
        Assert.True(KernelTierModel.Overflows(Perf(100, 1), huge));
        var c = Assert.Single(DistanceOverflowGuard.Plan(huge, [(1, Perf(1_000_000, 1))]));
        Assert.Equal((100u, 100u), (c.To.ReadLatencyNs, c.To.WriteLatencyNs)); // never faster than DRAM
        Assert.True(c.To.ReadBandwidthMBps > 1);
        Assert.False(KernelTierModel.Overflows(c.To, huge));
        // the smallest bandwidth that fits: one MB/s less each way overflows
        Assert.True(KernelTierModel.Overflows(c.To with { ReadBandwidthMBps = c.To.ReadBandwidthMBps - 1, WriteBandwidthMBps = c.To.WriteBandwidthMBps - 1 }, huge));
    }

    [Fact]
    public void Split_read_and_write_figures_keep_their_proportion()
    {
        var c = Assert.Single(DistanceOverflowGuard.Plan(Dram, [(1, new MemoryPerformance(1_000_000, 3_000_000, 4, 4))]));
        Assert.InRange(c.To.WriteLatencyNs / (double)c.To.ReadLatencyNs, 2.99, 3.01);
        Assert.False(KernelTierModel.Overflows(c.To, Dram));
    }

    [Fact]
    public void A_retry_starts_lower()
    {
        var first = Assert.Single(DistanceOverflowGuard.Plan(Dram, [(1, Perf(1_000_000, 4))]));
        var retry = Assert.Single(DistanceOverflowGuard.Plan(Dram, [(1, Perf(1_000_000, 4))], retry: 1));
        Assert.True(retry.Adistance <= (long)(DistanceOverflowGuard.MaxAdistance * 0.875));
        Assert.True(retry.Adistance < first.Adistance);
    }
}
