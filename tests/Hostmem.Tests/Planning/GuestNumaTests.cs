using Hostmem.Classification;
using Hostmem.Discovery;
using Hostmem.Planning;
using Hostmem.Qemu;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Planning;

/// <summary>Guest NUMA nodes with HMAT figures for host-mem-type backends (--guest-numa auto), on recorded hosts, and the
/// generated lines fed to the real QEMU 10.</summary>
public class GuestNumaTests
{
    static ClassifiedHost Host(string fixture) => ClassifiedHost.From(TopologyReader.Read(Trees.Project(fixture)));

    static readonly PlanOptions Auto = new([0, 1], "test") { GuestNuma = GuestNumaMode.Auto };

    static MemoryPlan Plan(string fixture, PlanOptions options, params string[] args) =>
        Planner.Plan(Host(fixture), QemuCommandLine.Parse(["qemu-system-x86_64", .. args]), options);

    [Fact]
    public void Off_leaves_numa_alone()
    {
        var plan = Plan("cxl-ram-genport", Auto with { GuestNuma = GuestNumaMode.Off }, "-m", "256M", "-object", "memory-backend-ram,id=vmem0,size=64M,host-mem-type=cxl-ram");
        Assert.Empty(plan.GuestNodes);
        Assert.Equal(["qemu-system-x86_64", "-m", "256M", "-object", "memory-backend-ram,id=vmem0,size=64M,host-nodes=1,policy=bind"], plan.ToArgv());
    }

    [Fact]
    public void Cxl_backend_gets_a_cpu_less_node_with_the_hosts_figures_and_its_tier()
    {
        var plan = Plan("cxl-ram-genport", Auto, "-M", "q35", "-m", "256M", "-object", "memory-backend-ram,id=vmem0,size=64M,host-mem-type=cxl-ram");
        Assert.Equal(["qemu-system-x86_64", "-M", "q35", "-m", "320M", "-object", "memory-backend-ram,id=vmem0,size=64M,host-nodes=1,policy=bind",
            "-machine", "hmat=on",
            "-object", "memory-backend-ram,id=hostmem-ram0,size=256M",
            "-numa", "node,nodeid=0,cpus=0,memdev=hostmem-ram0",
            "-numa", "node,nodeid=1,memdev=vmem0,initiator=0",
            "-numa", "dist,src=0,dst=1,val=20",
            "-numa", "hmat-lb,initiator=0,target=0,hierarchy=memory,data-type=read-latency,latency=100",
            "-numa", "hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=read-latency,latency=17350",
            "-numa", "hmat-lb,initiator=0,target=0,hierarchy=memory,data-type=write-latency,latency=100",
            "-numa", "hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=write-latency,latency=17450",
            "-numa", "hmat-lb,initiator=0,target=0,hierarchy=memory,data-type=access-bandwidth,bandwidth=262100M",
            "-numa", "hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=access-bandwidth,bandwidth=16000M"], plan.ToArgv());
        Assert.Equal(2, plan.GuestNodes.Count);
        var dram = plan.GuestNodes[0];
        Assert.Equal((0, "hostmem-ram0", true, 4u), (dram.GuestNode, dram.Backend, dram.HasCpus, dram.PredictedTier!.Value));
        var cxl = plan.GuestNodes[1];
        Assert.Equal((1, "vmem0", HostMemType.CxlRam, FiguresSource.HostAccess1), (cxl.GuestNode, cxl.Backend, cxl.Type, cxl.FiguresFrom));
        Assert.Equal([1], cxl.HostNodes);
        Assert.Equal((17350u, 17450u, 16000u, 16000u), (cxl.ReadLatencyNs!.Value, cxl.WriteLatencyNs!.Value, cxl.ReadBandwidthMBps!.Value, cxl.WriteBandwidthMBps!.Value));
        // 576*34800/200*524200/32000 >> 7 (an SRAT node in the guest, not a CXL dax one); a 6.12 guest booted with exactly
        // this command line (lab, 2026-11-23) put node1 in memory_tier12826
        Assert.Equal(12826u, cxl.PredictedTier);
    }

    [Fact]
    public void Host_without_figures_gets_nodes_and_distances_but_no_hmat_lb_and_says_so()
    {
        var plan = Plan("cxl-ram-kmem", Auto, "-m", "256M", "-object", "memory-backend-ram,id=vmem0,size=64M,host-mem-type=cxl-ram");
        var argv = plan.ToArgv();
        Assert.DoesNotContain(argv, a => a.StartsWith("hmat-lb", StringComparison.Ordinal));
        Assert.Contains("node,nodeid=1,memdev=vmem0,initiator=0", argv);
        Assert.Contains(plan.Notes, n => n.Code == NoteCodes.NoReferenceFigures);
        Assert.All(plan.GuestNodes, n => Assert.Equal(FiguresSource.None, n.FiguresFrom));
        Assert.All(plan.GuestNodes, n => Assert.Equal(4u, n.PredictedTier));
    }

    [Fact]
    public void Command_line_figures_fill_in_where_the_host_has_none()
    {
        var options = Auto with
        {
            LatencyNs = new Dictionary<HostMemType, ulong> { [HostMemType.Dram] = 100, [HostMemType.CxlRam] = 270 },
            BandwidthMBps = new Dictionary<HostMemType, ulong> { [HostMemType.Dram] = 262100, [HostMemType.CxlRam] = 30000 },
        };
        var plan = Plan("cxl-ram-kmem", options, "-m", "256M", "-object", "memory-backend-ram,id=vmem0,size=64M,host-mem-type=cxl-ram");
        Assert.Contains("hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=access-latency,latency=270", plan.ToArgv());
        Assert.Contains("hmat-lb,initiator=0,target=0,hierarchy=memory,data-type=access-bandwidth,bandwidth=262100M", plan.ToArgv());
        Assert.Equal([FiguresSource.CommandLine, FiguresSource.CommandLine], plan.GuestNodes.Select(n => n.FiguresFrom));
        Assert.Equal([4u, 106u], plan.GuestNodes.Select(n => n.PredictedTier!.Value));
    }

    static PlanOptions Figures(ulong dramLat, ulong dramBw, ulong cxlLat, ulong cxlBw) => Auto with
    {
        LatencyNs = new Dictionary<HostMemType, ulong> { [HostMemType.Dram] = dramLat, [HostMemType.CxlRam] = cxlLat },
        BandwidthMBps = new Dictionary<HostMemType, ulong> { [HostMemType.Dram] = dramBw, [HostMemType.CxlRam] = cxlBw },
    };

    [Fact]
    public void Very_slow_memory_lands_where_a_real_guest_put_it()
    {
        // lab, 6.12 guest booted with this plan's line: node1 at 60000 ns, 100 MB/s is memory_tier7076700
        var plan = Plan("cxl-ram-kmem", Figures(100, 262100, 60000, 100), "-smp", "2", "-m", "1G", "-object", "memory-backend-ram,id=vmem0,size=256M,host-mem-type=cxl-ram");
        Assert.Equal(7076700u, plan.GuestNodes[1].PredictedTier);
        Assert.False(plan.GuestNodes[1].TierOverflow);
        // no overflow: the figures go to the guest as given
        Assert.Equal((60000u, 100u), (plan.GuestNodes[1].ReadLatencyNs!.Value, plan.GuestNodes[1].ReadBandwidthMBps!.Value));
        Assert.DoesNotContain(plan.Notes, n => n.Code is NoteCodes.FiguresClamped or NoteCodes.TierOverflow);
        Assert.Empty(plan.Warnings);
    }

    [Fact]
    public void Figures_that_would_overflow_the_guest_kernels_distance_are_clamped_so_the_node_stays_below_dram()
    {
        // Written as given (91 ns rounded to 100, 1 MB/s to 4), a 6.12 guest put node1 in memory_tier4290802280 and dmesg said
        // "Demotion targets for Node 1: preferred: 0": above DRAM. hostmem now lowers node1's latency until the distance fits.
        var plan = Plan("cxl-ram-kmem", Figures(91, 262100, 1000000, 1), "-smp", "2", "-m", "1G", "-object", "memory-backend-ram,id=vmem0,size=256M,host-mem-type=cxl-ram");
        var argv = plan.ToArgv();
        // the clamped latency fits QEMU's table at base 1, so DRAM's 91 ns is written exactly again
        Assert.Contains("hmat-lb,initiator=0,target=0,hierarchy=memory,data-type=access-latency,latency=91", argv);
        Assert.Contains("hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=access-latency,latency=4530", argv);
        Assert.Contains("hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=access-bandwidth,bandwidth=4M", argv);
        var slow = plan.GuestNodes[1];
        Assert.Equal((4530u, 4530u, 4u, 4u), (slow.ReadLatencyNs!.Value, slow.WriteLatencyNs!.Value, slow.ReadBandwidthMBps!.Value, slow.WriteBandwidthMBps!.Value));
        Assert.False(slow.TierOverflow);
        // 576*9060/182 = 28673 * 524200 / 8 = 1878798325 (7/8 of int.MaxValue: one retry after DRAM's 91 ns came back) >> 7
        Assert.Equal(14678111u, slow.PredictedTier);
        Assert.InRange(slow.PredictedTier!.Value, 5u, (uint)(int.MaxValue >> 7)); // below DRAM (memory_tier4), a tier the kernel can name
        Assert.Equal(4u, plan.GuestNodes[0].PredictedTier);
        Assert.DoesNotContain(plan.Warnings, w => w.Contains("ABOVE DRAM", StringComparison.Ordinal));
        Assert.Contains(slow.Why, w => w.StartsWith("the --latency/--bandwidth figures (1000000 ns, 1 MB/s) give the guest kernel a distance of 1659006507000, beyond its int", StringComparison.Ordinal)
            && w.Contains("written as 4530 ns, 4 MB/s instead (distance 1878798325, memory_tier14678111", StringComparison.Ordinal));
        Assert.Contains(plan.Notes, n => n.Code == NoteCodes.FiguresClamped && n.Text.StartsWith("guest node1: the --latency/--bandwidth figures (1000000 ns, 1 MB/s) would overflow", StringComparison.Ordinal));
        Assert.Equal(1659006507000, KernelTierModel.FullAdistance(new MemoryPerformance(1000000, 1000000, 1, 1), new MemoryPerformance(91, 91, 262100, 262100)));
    }

    [Fact]
    public void A_hosts_own_overflowing_figures_are_clamped_the_same_way()
    {
        // hmat-two-tier with node1's access1 rewritten as 1 ms and 1 MB/s: figures firmware could report
        var tree = Trees.CopyOf(Trees.Project("hmat-two-tier"));
        var init = Path.Combine(tree, "sys/devices/system/node/node1/access1/initiators");
        foreach (var (file, value) in new[] { ("read_latency", "1000000"), ("write_latency", "1000000"), ("read_bandwidth", "1"), ("write_bandwidth", "1") })
            File.WriteAllText(Path.Combine(init, file), value + "\n");
        var plan = Planner.Plan(ClassifiedHost.From(TopologyReader.Read(tree)),
            QemuCommandLine.Parse(["qemu-system-x86_64", "-M", "q35", "-m", "256M", "-object", "memory-backend-ram,id=slow,size=64M,host-mem-type=dram,host-mem-nodes=all"]), Auto);
        var slow = plan.GuestNodes[1];
        Assert.Equal(FiguresSource.HostAccess1, slow.FiguresFrom);
        Assert.False(slow.TierOverflow);
        Assert.InRange(slow.PredictedTier!.Value, 5u, (uint)(int.MaxValue >> 7));
        Assert.True(slow.ReadLatencyNs < 1000000u);
        Assert.Contains(slow.Why, w => w.StartsWith("the host's figures (1000000 ns, 1 MB/s) give the guest kernel a distance of", StringComparison.Ordinal));
        Assert.DoesNotContain(plan.Warnings, w => w.Contains("ABOVE DRAM", StringComparison.Ordinal));
        Directory.Delete(tree, true);
    }

    [Fact]
    public void Equal_figures_give_one_tier_and_one_access_table()
    {
        var plan = Plan("hmat-equal", Auto, "-M", "q35", "-m", "256M", "-object", "memory-backend-ram,id=more,size=64M,host-mem-type=dram,host-mem-nodes=all");
        Assert.Equal([4u, 4u], plan.GuestNodes.Select(n => n.PredictedTier!.Value));
        Assert.All(plan.GuestNodes, n => Assert.Equal((100u, 100u, 262100u, 262100u), (n.ReadLatencyNs!.Value, n.WriteLatencyNs!.Value, n.ReadBandwidthMBps!.Value, n.WriteBandwidthMBps!.Value)));
        var lb = plan.ToArgv().Where(a => a.StartsWith("hmat-lb", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, lb.Count);
        Assert.All(lb, a => Assert.Matches("data-type=access-(latency|bandwidth)", a));
    }

    [Fact]
    public void A_host_without_figures_warns_that_typed_memory_will_rank_with_dram()
    {
        var plan = Plan("cxl-ram-kmem", Auto, "-m", "256M", "-object", "memory-backend-ram,id=vmem0,size=64M,host-mem-type=cxl-ram");
        Assert.Contains(plan.Warnings, w => w.Contains("every guest node stays in memory_tier4, so the guest ranks node1 (cxl-ram) with DRAM", StringComparison.Ordinal));
        // DRAM next to DRAM: the same fact is only a note
        var dram = Plan("cxl-ram-kmem", Auto, "-m", "256M", "-object", "memory-backend-ram,id=more,size=64M,host-mem-type=dram");
        Assert.Empty(dram.Warnings);
        Assert.Contains(dram.Notes, n => n.Code == NoteCodes.NoReferenceFigures && !n.IsWarning);
    }

    [Fact]
    public void The_host_kernels_own_tier_is_named_when_the_guests_differs()
    {
        var plan = Plan("cxl-ram-genport", Auto, "-M", "q35", "-m", "256M", "-object", "memory-backend-ram,id=vmem0,size=64M,host-mem-type=cxl-ram");
        Assert.Contains(plan.GuestNodes[1].Why, w => w.StartsWith("the host kernel ranks host node1 in memory_tier73, the guest will rank node1 in memory_tier12826 (the host tiers kmem CXL memory by the CXL driver's figures", StringComparison.Ordinal));
        Assert.DoesNotContain(plan.GuestNodes[0].Why, w => w.Contains("host kernel ranks", StringComparison.Ordinal)); // DRAM: tier 4 on both
    }

    [Fact]
    public void Picosecond_looking_host_latency_is_passed_on_with_a_warning()
    {
        var plan = Plan("cxl-ram-genport", Auto, "-M", "q35", "-m", "256M", "-object", "memory-backend-ram,id=vmem0,size=64M,host-mem-type=cxl-ram");
        Assert.Contains(plan.Notes, n => n.IsWarning && n.Code == NoteCodes.ImplausibleLatency && n.Text.Contains("17450 ns", StringComparison.Ordinal) && n.Text.Contains("--latency cxl-ram=NS", StringComparison.Ordinal));
        var sane = Plan("hmat-two-tier", Auto, "-M", "q35", "-m", "256M", "-object", "memory-backend-ram,id=v,size=64M,host-mem-type=dram");
        Assert.DoesNotContain(sane.Notes, n => n.Code == NoteCodes.ImplausibleLatency);
    }

    static readonly Dictionary<HostMemType, ulong> CxlLatency250 = new() { [HostMemType.CxlRam] = 250 };
    static readonly Dictionary<HostMemType, ulong> CxlBandwidth20000 = new() { [HostMemType.CxlRam] = 20000 };

    [Fact]
    public void Latency_alone_replaces_the_hosts_latency_keeps_its_bandwidth_and_silences_the_picosecond_warning()
    {
        var plan = Plan("cxl-ram-genport", Auto with { LatencyNs = CxlLatency250 }, "-M", "q35", "-m", "256M", "-object", "memory-backend-ram,id=vmem0,size=64M,host-mem-type=cxl-ram");
        var n = plan.GuestNodes[1];
        Assert.Equal((250u, 250u, 16000u, 16000u), (n.ReadLatencyNs, n.WriteLatencyNs, n.ReadBandwidthMBps, n.WriteBandwidthMBps));
        Assert.Equal(FiguresSource.CommandLine, n.FiguresFrom);
        // 576 * (250+250) / 200 * 524200 / 32000, as the kernel computes it, and a tier below DRAM's.
        Assert.Equal(184u, n.PredictedTier);
        Assert.Contains(n.Why, w => w == "--latency cxl-ram=250 replaces the host's latency (its bandwidth is kept)");
        Assert.DoesNotContain(plan.Notes, x => x.Code == NoteCodes.ImplausibleLatency);
    }

    [Fact]
    public void Bandwidth_alone_keeps_the_hosts_latency_and_its_warning()
    {
        var plan = Plan("cxl-ram-genport", Auto with { BandwidthMBps = CxlBandwidth20000 }, "-M", "q35", "-m", "256M", "-object", "memory-backend-ram,id=vmem0,size=64M,host-mem-type=cxl-ram");
        var n = plan.GuestNodes[1];
        Assert.Equal((17350u, 17450u, 20000u, 20000u), (n.ReadLatencyNs, n.WriteLatencyNs, n.ReadBandwidthMBps, n.WriteBandwidthMBps));
        Assert.Contains(plan.Notes, x => x.IsWarning && x.Code == NoteCodes.ImplausibleLatency && x.Text.StartsWith("guest node1 gets the host's latency of 17450 ns", StringComparison.Ordinal));
    }

    [Fact]
    public void One_figure_alone_is_not_enough_where_the_host_has_none()
    {
        var plan = Plan("cxl-ram-kmem", Auto with { LatencyNs = CxlLatency250 }, "-M", "q35", "-m", "256M", "-object", "memory-backend-ram,id=vmem0,size=64M,host-mem-type=cxl-ram");
        var n = plan.GuestNodes[1];
        Assert.Null(n.ReadLatencyNs);
        Assert.Equal(FiguresSource.None, n.FiguresFrom);
        Assert.Contains(n.Why, w => w.StartsWith("--latency cxl-ram alone is not used: the host has no figures", StringComparison.Ordinal));
    }

    [Fact]
    public void A_users_numa_node_for_the_backend_keeps_its_id_gets_an_initiator_and_user_entries_win()
    {
        var plan = Plan("cxl-ram-genport", Auto, "-m", "320M", "-smp", "2",
            "-object", "memory-backend-ram,id=ram,size=256M", "-object", "memory-backend-ram,id=vmem0,size=64M,host-mem-type=cxl-ram",
            "-numa", "node,nodeid=0,cpus=0-1,memdev=ram", "-numa", "node,nodeid=1,memdev=vmem0",
            "-numa", "dist,src=0,dst=1,val=30");
        var argv = plan.ToArgv();
        Assert.Contains("320M", argv); // -m unchanged: the node was already counted
        Assert.Contains("node,nodeid=1,memdev=vmem0,initiator=0", argv);
        // The user's one direction is all QEMU needs: it gives 1->0 the same value (hw/core/numa.c), and so does the read-back.
        Assert.DoesNotContain(argv, a => a.StartsWith("dist,src=1,dst=0", StringComparison.Ordinal));
        Assert.Equal(30, plan.Distances.Single(d => (d.From, d.To) == (1, 0)).Value);
        Assert.DoesNotContain("dist,src=0,dst=1,val=20", argv);
        Assert.Single(argv, a => a.StartsWith("dist,", StringComparison.Ordinal) && a.Contains("src=0,dst=1", StringComparison.Ordinal));
        Assert.Equal([0, 1], plan.GuestNodes.Select(n => n.GuestNode));
    }

    [Fact]
    public void A_users_cpu_node_is_dram_for_command_line_figures()
    {
        var plan = Plan("cxl-ram-kmem", Figures(100, 262100, 270, 30000), "-m", "320M", "-smp", "2",
            "-object", "memory-backend-ram,id=ram,size=256M", "-object", "memory-backend-ram,id=vmem0,size=64M,host-mem-type=cxl-ram",
            "-numa", "node,nodeid=0,cpus=0-1,memdev=ram");
        Assert.Equal([HostMemType.Dram, HostMemType.CxlRam], plan.GuestNodes.Select(n => n.Type!.Value));
        Assert.Equal([4u, 106u], plan.GuestNodes.Select(n => n.PredictedTier!.Value));
        Assert.Contains("384M", plan.ToArgv()); // the new node's 64M on top of the user's 320M
    }

    [Fact]
    public void Backends_of_cxl_type3_devices_get_no_node()
    {
        var plan = Plan("cxl-ram-genport", Auto, "-m", "256M", "-object", "memory-backend-ram,id=vmem0,size=64M,host-mem-type=cxl-ram",
            "-device", "cxl-type3,bus=rp0,volatile-memdev=vmem0,id=cxl-vmem0");
        Assert.Empty(plan.GuestNodes);
        Assert.Contains(plan.Notes, n => n.Code == NoteCodes.CxlDeviceBackend);
    }

    [Fact]
    public void Numa_nodes_without_nodeid_turn_guest_numa_off_with_a_note()
    {
        var plan = Plan("cxl-ram-genport", Auto, "-m", "320M", "-object", "memory-backend-ram,id=ram,size=256M",
            "-object", "memory-backend-ram,id=vmem0,size=64M,host-mem-type=cxl-ram", "-numa", "node,cpus=0,memdev=ram", "-numa", "node,memdev=vmem0");
        Assert.Empty(plan.GuestNodes);
        Assert.Contains(plan.Notes, n => n.Code == NoteCodes.NodeWithoutId);
        Assert.DoesNotContain(plan.ToArgv(), a => a.Contains("hmat", StringComparison.Ordinal));
    }

    [Fact]
    public void Growing_m_past_maxmem_is_a_user_error()
    {
        var e = Assert.Throws<UserError>(() => Plan("cxl-ram-genport", Auto, "-m", "256M,slots=1,maxmem=300M", "-object", "memory-backend-ram,id=vmem0,size=64M,host-mem-type=cxl-ram"));
        Assert.Contains("maxmem", e.Problem);
    }

    // ---------------------------------------------------------------- the real QEMU 10

    /// <summary>Runs QEMU paused with the plan's argv (host-nodes moved to node 0, which this host has), then quits over QMP.</summary>
    static (bool Started, string Stderr) RunQemu(IEnumerable<string> planArgv, string version = "10.0")
    {
        var (memdevs, stderr) = QmpStdio.QueryMemdev(QemuBinaries.Path_(version),
            planArgv.Skip(1).Select(a => a.Replace("host-nodes=1", "host-nodes=0", StringComparison.Ordinal)));
        return (memdevs is not null, stderr);
    }

    public static TheoryData<string, string[]> RealCases => new()
    {
        { "cxl-ram-genport", ["-M", "q35", "-m", "256M", "-object", "memory-backend-ram,id=vmem0,size=64M,host-mem-type=cxl-ram"] },
        { "cxl-ram-genport", ["-M", "q35", "-smp", "2", "-m", "256M", "-object", "memory-backend-ram,id=vmem0,size=64M,host-mem-type=cxl-ram"] },
        { "two-socket-cxl", ["-M", "q35", "-smp", "2", "-m", "256M", "-object", "memory-backend-ram,id=a,size=32M,host-mem-type=cxl-ram,host-mem-nodes=all",
            "-object", "memory-backend-ram,id=b,size=32M,host-mem-type=dram"] },
        { "cxl-ram-kmem", ["-M", "q35", "-m", "256M", "-object", "memory-backend-ram,id=vmem0,size=64M,host-mem-type=cxl-ram"] },
        { "cxl-ram-genport", ["-M", "q35", "-m", "320M", "-smp", "2", "-object", "memory-backend-ram,id=ram,size=256M",
            "-object", "memory-backend-ram,id=vmem0,size=64M,host-mem-type=cxl-ram",
            "-numa", "node,nodeid=0,cpus=0-1,memdev=ram", "-numa", "node,nodeid=1,memdev=vmem0", "-numa", "dist,src=0,dst=1,val=30"] },
        // An asymmetric pair of the user's: QEMU then wants both directions of every pair, hostmem's to node 2 included.
        { "two-socket-cxl", AsymmetricLine },
    };

    static readonly string[] AsymmetricLine = ["-M", "q35", "-smp", "2", "-m", "256M",
        "-object", "memory-backend-ram,id=r0,size=128M", "-object", "memory-backend-ram,id=r1,size=128M",
        "-numa", "node,nodeid=0,cpus=0,memdev=r0", "-numa", "node,nodeid=1,cpus=1,memdev=r1",
        "-numa", "dist,src=0,dst=1,val=21", "-numa", "dist,src=1,dst=0,val=31",
        "-object", "memory-backend-ram,id=cxl,size=64M,host-mem-type=cxl-ram"];

    [Fact]
    public void With_an_asymmetric_pair_every_direction_is_written_else_one_per_pair()
    {
        // hw/core/numa.c: a missing direction takes the other's value only when no pair is asymmetric; otherwise QEMU
        // refuses "At least one asymmetrical pair of distances is given, please provide distances for both directions".
        var asymmetric = Plan("two-socket-cxl", Auto, AsymmetricLine).ToArgv();
        Assert.Equal(["dist,src=0,dst=1,val=21", "dist,src=1,dst=0,val=31", "dist,src=0,dst=2,val=20", "dist,src=1,dst=2,val=20",
            "dist,src=2,dst=0,val=20", "dist,src=2,dst=1,val=20"], argvDistances(asymmetric));
        var symmetric = Plan("two-socket-cxl", Auto, [.. AsymmetricLine.Select(a => a.Replace("val=31", "val=21", StringComparison.Ordinal))]).ToArgv();
        Assert.Equal(["dist,src=0,dst=1,val=21", "dist,src=1,dst=0,val=21", "dist,src=0,dst=2,val=20", "dist,src=1,dst=2,val=20"], argvDistances(symmetric));

        static string[] argvDistances(IReadOnlyList<string> argv) => [.. argv.Where(a => a.StartsWith("dist,", StringComparison.Ordinal))];
    }

    public static TheoryData<int, string> RealCasesOnBothQemus()
    {
        var data = new TheoryData<int, string>();
        for (int i = 0; i < RealCases.Count; i++)
            foreach (var v in new[] { "10.0", "7.2" }) data.Add(i, v);
        return data;
    }

    [Theory]
    [MemberData(nameof(RealCasesOnBothQemus))]
    public void Qemu_10_and_7_2_accept_every_generated_line(int index, string version)
    {
        if (QemuBinaries.Missing(version) is { } why) Assert.Fail(why);
        var (fixture, args) = ((string)RealCases.ElementAt(index)[0], (string[])RealCases.ElementAt(index)[1]);
        var plan = Plan(fixture, Auto, args);
        Assert.NotEmpty(plan.GuestNodes);
        var (started, stderr) = RunQemu(plan.ToArgv().Select(a => a.Replace("host-nodes=2-3", "host-nodes=0", StringComparison.Ordinal).Replace("host-nodes=0-1", "host-nodes=0", StringComparison.Ordinal)), version);
        Assert.True(started, $"QEMU {version}: {string.Join(' ', plan.ToArgv())}\n{stderr}");
    }

    [Fact]
    public void Qemu_10_accepts_rounded_tables_and_refuses_unrounded_ones()
    {
        if (QemuBinaries.Missing("10.0") is { } why) Assert.Fail(why);
        string[] Machine(ulong lat1, string bw0, string bw1) => ["q", "-M", "q35,hmat=on", "-m", "256M", "-smp", "1",
            "-object", "memory-backend-ram,id=r0,size=128M", "-object", "memory-backend-ram,id=r1,size=128M",
            "-numa", "node,nodeid=0,cpus=0,memdev=r0", "-numa", "node,nodeid=1,memdev=r1,initiator=0",
            "-numa", "hmat-lb,initiator=0,target=0,hierarchy=memory,data-type=access-latency,latency=91",
            "-numa", $"hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=access-latency,latency={lat1}",
            "-numa", $"hmat-lb,initiator=0,target=0,hierarchy=memory,data-type=access-bandwidth,bandwidth={bw0}",
            "-numa", $"hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=access-bandwidth,bandwidth={bw1}"];
        var (bad, err) = RunQemu(Machine(1000000, "262100M", "1M"));
        Assert.False(bad);
        Assert.Contains("should not differ", err);
        var lat = HmatUnits.FitLatenciesNs([91, 1000000]);
        var bw = HmatUnits.FitBandwidthsMBps([262100, 1]);
        // latency 91 fixes the base at 1 before 1000000 comes: refused too, so the latencies need fitting as well
        var (good, err2) = RunQemu(Machine(lat[1], HmatUnits.FormatBandwidthMBps(bw[0]), HmatUnits.FormatBandwidthMBps(bw[1]))
            .Select(a => a.Replace("latency=91", $"latency={lat[0]}", StringComparison.Ordinal)));
        Assert.True(good, err2);
    }
}
