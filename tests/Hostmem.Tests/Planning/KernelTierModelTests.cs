using Hostmem.Discovery;
using Hostmem.Planning;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Planning;

/// <summary>The kernel's tier formula (mm/memory-tiers.c, Linux &gt;= 6.10) against recorded 6.12 guests and edge cases.</summary>
public class KernelTierModelTests
{
    static readonly MemoryPerformance Dram = new(100, 100, 262100, 262100);

    static MemoryPerformance Perf(uint lat, uint bw) => new(lat, lat, bw, bw);

    static TierModelNode CpuNode(int id, MemoryPerformance? p) => new(id, true, true, false, p);
    static TierModelNode CpuLess(int id, MemoryPerformance? p, bool dax = false) => new(id, false, true, dax, p);

    [Fact]
    public void Constants_are_the_kernels()
    {
        Assert.Equal(576, KernelTierModel.DramAdistance);
        Assert.Equal(2880, KernelTierModel.DaxDefaultAdistance);
        Assert.Equal(4, KernelTierModel.TierOf(576));
        Assert.Equal(22, KernelTierModel.TierOf(2880));
    }

    [Fact]
    public void Hmat_two_tier_figures_give_memory_tier106()
    {
        // 576*540/200 = 1555 (1555.2 truncated), *524200 = 815131000, /60000 = 13585; >>7 = 106
        Assert.Equal(13585, KernelTierModel.PerfToAdistance(Perf(270, 30000), Dram));
        var t = KernelTierModel.Predict([CpuNode(0, Dram), CpuLess(1, Perf(270, 30000))]);
        Assert.Equal([4, 106], t.Select(p => p.Tier));
    }

    [Fact]
    public void Guest_lab_cxl_like_figures_give_memory_tier12789_without_overflow()
    {
        var adist = KernelTierModel.PerfToAdistance(new MemoryPerformance(17300, 17400, 16000, 16000), Dram);
        Assert.Equal(1637076, adist);
        Assert.Equal(12789, KernelTierModel.TierOf(adist!.Value));
    }

    [Fact]
    public void Integer_division_happens_at_each_step_left_to_right()
    {
        // exact arithmetic: 576 * 201/200 * 524200/524200 = 578.88 -> 578; stepwise: 576*201 = 115776 /200 = 578 (578.88 truncated)
        Assert.Equal(578, KernelTierModel.PerfToAdistance(new MemoryPerformance(100, 101, 262100, 262100), Dram));
        // the division by the latency sum comes before the bandwidth product: 576*3/200 = 8, *524200 = 4193600, /2 = 2096800
        // (exact arithmetic would give 576*3*524200/200/2 = 2264544)
        Assert.Equal(2096800, KernelTierModel.PerfToAdistance(new MemoryPerformance(1, 2, 1, 1), Dram));
        Assert.Equal(576 * 3 / 200 * 524200 / 2, KernelTierModel.PerfToAdistance(new MemoryPerformance(1, 2, 1, 1), Dram));
    }

    [Fact]
    public void Equal_figures_share_tier4()
    {
        var t = KernelTierModel.Predict([CpuNode(0, Dram), CpuLess(1, Dram)]);
        Assert.All(t, p => Assert.Equal(576, p.AbstractDistance));
        Assert.All(t, p => Assert.Equal(4, p.Tier));
    }

    [Fact]
    public void Very_fast_memory_goes_above_dram_down_to_tier0()
    {
        Assert.Equal(0, KernelTierModel.TierOf(KernelTierModel.PerfToAdistance(Perf(10, 2_000_000), Dram)!.Value));
        // faster than DRAM but not by much: 576*180/200 = 518 -> tier 4 still (518 >> 7 = 4)
        Assert.Equal(4, KernelTierModel.TierOf(KernelTierModel.PerfToAdistance(Perf(90, 262100), Dram)!.Value));
        // 576*160/200 = 460 -> tier 3
        Assert.Equal(3, KernelTierModel.TierOf(KernelTierModel.PerfToAdistance(Perf(80, 262100), Dram)!.Value));
    }

    [Fact]
    public void Tier_boundaries_fall_on_multiples_of_128()
    {
        Assert.Equal(4, KernelTierModel.TierOf(639));
        Assert.Equal(5, KernelTierModel.TierOf(640));
        // 576*222/200 = 639 -> still tier 4; 576*223/200 = 642 -> tier 5
        Assert.Equal(4, KernelTierModel.TierOf(KernelTierModel.PerfToAdistance(new MemoryPerformance(111, 111, 262100, 262100), Dram)!.Value));
        Assert.Equal(5, KernelTierModel.TierOf(KernelTierModel.PerfToAdistance(new MemoryPerformance(111, 112, 262100, 262100), Dram)!.Value));
    }

    [Fact]
    public void Very_slow_memory_overflows_the_kernels_int_as_the_kernel_does()
    {
        // 576*2,000,000/200 = 5,760,000 * 524200 = 3,019,392,000,000 / 2 = 1,509,696,000,000: stored in an int, truncated
        long full = 576L * 2_000_000 / 200 * 524200 / 2;
        Assert.Equal(unchecked((int)full), KernelTierModel.PerfToAdistance(Perf(1_000_000, 1), Dram));
        // below the overflow: 60000 ns at 1 MB/s is 576*120000/200 = 345600 * 524200 / 2 = 90,581,760,000 -> also truncated
        Assert.Equal(unchecked((int)(576L * 120000 / 200 * 524200 / 2)), KernelTierModel.PerfToAdistance(Perf(60000, 1), Dram));
        // slow but in range: 5000 ns, 100 MB/s -> 576*10000/200 = 28800 * 524200 / 200 = 75484800 -> tier 589725
        Assert.Equal(75484800, KernelTierModel.PerfToAdistance(Perf(5000, 100), Dram));
        Assert.Equal(589725, KernelTierModel.TierOf(75484800));
    }

    [Fact]
    public void An_overflowed_distance_is_named_as_the_kernel_names_it_and_flagged()
    {
        // measured in a 6.12 guest (lab): memory_tier4290802280, demotion from that node to node0
        var t = KernelTierModel.Predict([CpuNode(0, Dram), CpuLess(1, Perf(1_000_000, 4))]);
        Assert.Equal(-4165016, t[1].Tier);
        Assert.Equal(4290802280u, t[1].KernelTierId);
        Assert.True(t[1].Overflowed);
        Assert.False(t[0].Overflowed);
        Assert.Contains("overflows", t[1].Reason);
        // the largest figures that still fit: no flag
        Assert.False(KernelTierModel.Overflows(Perf(60000, 100), Dram));
        Assert.Equal(7076700, KernelTierModel.TierOf(KernelTierModel.PerfToAdistance(Perf(60000, 100), Dram)!.Value));
    }

    [Fact]
    public void Zero_latency_or_bandwidth_is_the_kernels_error_and_keeps_the_default()
    {
        Assert.Null(KernelTierModel.PerfToAdistance(new MemoryPerformance(0, 0, 30000, 30000), Dram));
        Assert.Null(KernelTierModel.PerfToAdistance(new MemoryPerformance(270, 270, 0, 0), Dram));
        // one direction is enough: the kernel tests the sums
        Assert.NotNull(KernelTierModel.PerfToAdistance(new MemoryPerformance(270, 0, 30000, 0), Dram));
        var t = KernelTierModel.Predict([CpuNode(0, Dram), CpuLess(1, new MemoryPerformance(0, 0, 30000, 30000))]);
        Assert.Equal(4, t[1].Tier);
    }

    [Fact]
    public void Without_reference_dram_figures_every_node_keeps_its_default()
    {
        // the CPU node has latency to itself but no bandwidth: QEMU accepts it, the guest keeps one tier
        var t = KernelTierModel.Predict([CpuNode(0, new MemoryPerformance(100, 100, 0, 0)), CpuLess(1, Perf(270, 30000))]);
        Assert.Equal([4, 4], t.Select(p => p.Tier));
        Assert.Contains("no reference", t[1].Reason);
        // no figures at all for the CPU node
        Assert.Equal([4, 4], KernelTierModel.Predict([CpuNode(0, null), CpuLess(1, Perf(270, 30000))]).Select(p => p.Tier));
        // dax kmem memory keeps 2880
        var d = KernelTierModel.Predict([CpuNode(0, null), CpuLess(1, null, dax: true)]);
        Assert.Equal([576, 2880], d.Select(p => p.AbstractDistance));
        Assert.Equal([4, 22], d.Select(p => p.Tier));
    }

    [Fact]
    public void A_dax_node_with_figures_is_tiered_from_them()
    {
        var t = KernelTierModel.Predict([CpuNode(0, Dram), CpuLess(1, Perf(270, 30000), dax: true)]);
        Assert.Equal(106, t[1].Tier);
    }

    [Fact]
    public void Cpu_nodes_differing_by_more_than_10_percent_disable_hmat_tiering()
    {
        var within = KernelTierModel.Predict([CpuNode(0, Dram), CpuNode(1, Perf(110, 262100)), CpuLess(2, Perf(270, 30000))]);
        Assert.Equal(106, within[2].Tier);
        var off = KernelTierModel.Predict([CpuNode(0, Dram), CpuNode(1, Perf(111, 262100)), CpuLess(2, Perf(270, 30000))]);
        Assert.Equal([4, 4, 4], off.Select(p => p.Tier));
        Assert.Contains("10%", off[2].Reason);
        // lower figures count too (the kernel's abs)
        var lower = KernelTierModel.Predict([CpuNode(0, Dram), CpuNode(1, Perf(89, 262100)), CpuLess(2, Perf(270, 30000))]);
        Assert.Equal(4, lower[2].Tier);
    }

    [Fact]
    public void The_first_cpu_node_in_node_order_is_the_reference()
    {
        var (_, node, _) = KernelTierModel.Reference([CpuNode(3, Dram), CpuLess(0, Perf(270, 30000)), CpuNode(1, Dram)]);
        Assert.Equal(1, node);
    }

    [Fact]
    public void Nodes_without_memory_get_no_tier()
    {
        var t = KernelTierModel.Predict([CpuNode(0, Dram), new TierModelNode(1, false, false, false, null)]);
        Assert.Equal([0], t.Select(p => p.Node));
    }

    [Fact]
    public void The_kernels_u32_sums_wrap_as_the_kernel_does()
    {
        // read + write latency is a u32 sum: 2^31 + 2^31 wraps to 0, which the kernel treats as "no latency" (error, default tier)
        Assert.Null(KernelTierModel.PerfToAdistance(new MemoryPerformance(1u << 31, 1u << 31, 30000, 30000), Dram));
        // bandwidth likewise: 2^31 + 2^31 + 2 wraps to 2
        Assert.Equal(576 * 540 / 200 * 524200 / 2, KernelTierModel.PerfToAdistance(new MemoryPerformance(270, 270, (1u << 31) + 1, (1u << 31) + 1), Dram));
    }

    [Fact]
    public void The_lowest_tier_the_kernel_can_name_is_16777215()
    {
        Assert.Equal(16_777_215, KernelTierModel.TierOf(int.MaxValue));
        Assert.False(KernelTierModel.Overflows(Perf(60000, 100), Dram));
        // the same bandwidth, a latency 36x higher: past int.MaxValue
        Assert.True(KernelTierModel.Overflows(Perf(60000 * 36, 100), Dram));
    }

    [Fact]
    public void The_fastest_figures_the_kernel_holds_give_tier0()
    {
        var fastest = new MemoryPerformance(1, 1, uint.MaxValue / 2, uint.MaxValue / 2);
        Assert.Equal(0, KernelTierModel.PerfToAdistance(fastest, Dram)); // 576*2/200 = 5 * 524200 / (2^32 - 2) = 0
        Assert.Equal(0, KernelTierModel.Predict([CpuNode(0, Dram), CpuLess(1, fastest)])[1].Tier);
    }

    [Theory]
    [InlineData(100u, 262100u, 4)]   // DRAM itself
    [InlineData(270u, 30000u, 106)]  // hmat-two-tier, measured
    [InlineData(200u, 32000u, 73)]   // cxl-ram-genport's generic port figures, 2x latency at 1/8 the bandwidth
    [InlineData(50u, 800000u, 0)]    // HBM-like: faster than DRAM, above it
    public void Rounding_down_at_each_step_gives_the_measured_tiers(uint lat, uint bw, int tier) =>
        Assert.Equal(tier, KernelTierModel.TierOf(KernelTierModel.PerfToAdistance(Perf(lat, bw), Dram)!.Value));

    public static TheoryData<string> FormulaFixtures => new() { "hmat-two-tier", "hmat-equal", "cxl-ram-kmem", "nvdimm-kmem", "cxl-devdax", "cxl-no-region" };

    [Theory]
    [MemberData(nameof(FormulaFixtures))]
    public void Predicts_the_tier_every_recorded_guest_kernel_chose(string fixture)
    {
        var host = TopologyReader.Read(Trees.Project(fixture));
        var predicted = KernelTierModel.Predict(KernelTierModel.NodesOf(host));
        var recorded = host.Nodes.Where(n => n.HasMemory).OrderBy(n => n.Id).Select(n => (n.Id, n.Tier)).ToList();
        Assert.Equal(recorded, predicted.Select(p => (p.Node, (int?)p.Tier)).ToList());
    }

    [Theory]
    [InlineData("cxl-ram-genport")]
    [InlineData("two-socket-cxl")]
    public void Kmem_cxl_nodes_are_tiered_from_the_cxl_drivers_figures_not_the_nodes_sysfs_ones(string fixture)
    {
        // The node shows 17350/17450 ns, 16000 MB/s (formula: 12826) but the kernel placed it in memory_tier73, which is the
        // formula over the device's CDAT latencies (150/250 ns) and the generic port's 32000 MB/s. Recorded, not modelled.
        var host = TopologyReader.Read(Trees.Project(fixture));
        var cxl = host.Nodes.Where(n => n.HasMemory && !n.HasCpus).ToList();
        Assert.NotEmpty(cxl);
        Assert.All(cxl, n => Assert.Equal(73, n.Tier));
        Assert.Equal(12826, KernelTierModel.TierOf(KernelTierModel.PerfToAdistance(new MemoryPerformance(17350, 17450, 16000, 16000), Dram)!.Value));
        Assert.Equal(73, KernelTierModel.TierOf(KernelTierModel.PerfToAdistance(new MemoryPerformance(150, 250, 32000, 32000), Dram)!.Value));
        Assert.All(host.Nodes.Where(n => n.HasCpus), n => Assert.Equal(4, n.Tier));
    }
}
