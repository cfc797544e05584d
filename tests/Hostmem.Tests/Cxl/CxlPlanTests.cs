using Hostmem.Classification;
using Hostmem.Cxl;
using Hostmem.Discovery;
using Hostmem.Planning;
using Hostmem.Qemu;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Cxl;

/// <summary>The planner's side of the emulated CXL path, on the recorded cxl-ram-genport host (node0 DRAM 100 ns,
/// 262100 MB/s; node1 CXL RAM), with realistic CXL figures given on the command line.</summary>
public class CxlPlanTests
{
    static ClassifiedHost Host => ClassifiedHost.From(TopologyReader.Read(Trees.Project("cxl-ram-genport")));

    static readonly PlanOptions Options = new([0], "test")
    {
        GuestNuma = GuestNumaMode.Auto, Cdat = CdatMode.Auto,
        LatencyNs = new Dictionary<HostMemType, ulong> { [HostMemType.CxlRam] = 250 },
        BandwidthMBps = new Dictionary<HostMemType, ulong> { [HostMemType.CxlRam] = 20000 },
    };

    static readonly string[] Bridge = ["-device", "pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1", "-device", "cxl-rp,port=0,bus=cxl.1,id=rp0,chassis=0,slot=2"];

    static MemoryPlan Plan(PlanOptions options, params string[] args) =>
        Planner.Plan(Host, QemuCommandLine.Parse(["qemu-system-x86_64", "-M", "q35,cxl=on", "-m", "512M", .. args]), options);

    [Fact]
    public void A_line_without_numa_gets_a_cpu_node_a_memoryless_generic_port_node_and_the_cdat()
    {
        var plan = Plan(Options, ["-object", "memory-backend-ram,id=vmem0,size=256M,host-mem-type=cxl-ram", .. Bridge,
            "-device", "cxl-type3,bus=rp0,volatile-memdev=vmem0,id=mem0", "-M", "cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4G"]);
        var argv = plan.ToArgv();
        Assert.Contains("cxl-type3,bus=rp0,volatile-memdev=vmem0,id=mem0,cdat=/proc/self/fd/N", argv);
        Assert.Contains("node,nodeid=1,initiator=0", argv); // no memdev: the device's memory is the CXL driver's
        Assert.Contains("acpi-generic-port,id=hostmem-gp1,pci-bus=cxl.1,node=1", argv);
        Assert.Contains("hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=access-latency,latency=250", argv);
        Assert.Contains("hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=access-bandwidth,bandwidth=20000M", argv);
        Assert.Equal("512M", argv[Array.IndexOf(argv, "-m") + 1]); // a memoryless node adds nothing to -m
        var d = Assert.Single(plan.CxlDevices);
        Assert.Equal(("mem0", "vmem0", "cxl.1", 1, true, 1), (d.Device, d.Backend, d.HostBridge, d.GenericPortNode, d.GenericPortAdded, d.KmemNode));
        // The CDAT: 1 ns and the host's 20000 MB/s; the generic port: the host's 250 ns and 20000 MB/s; the 32 GT/s x16 link
        // adds 68e6 / 4000 = 17000 (measured in 6.12 guests: see CdatTests).
        Assert.Equal(new MemoryPerformance(1, 1, 20000, 20000), d.CdatFigures);
        Assert.Equal(new MemoryPerformance(250, 250, 20000, 20000), d.GenericPortFigures);
        Assert.Equal(new MemoryPerformance(17251, 17251, 20000, 20000), d.PredictedRegion);
        // mt_perf_to_adistance over the generic port's figures: 576 * 500 / 200 * 524200 / 40000 = 18871 >> 7 = 147.
        Assert.Equal(147u, d.PredictedTier);
        Assert.Contains(plan.Notes, n => n.Code == NoteCodes.CxlLinkLatency);
    }

    [Fact]
    public void Two_devices_on_one_host_bridge_share_its_generic_port_and_two_bridges_get_one_each()
    {
        string[] line = ["-object", "memory-backend-ram,id=m0,size=512M", "-numa", "node,nodeid=0,cpus=0,memdev=m0",
            "-object", "memory-backend-ram,id=v0,size=256M,host-mem-type=cxl-ram", "-object", "memory-backend-ram,id=v1,size=256M,host-mem-type=cxl-ram",
            "-object", "memory-backend-ram,id=v2,size=256M,host-mem-type=cxl-ram", .. Bridge,
            "-device", "cxl-rp,port=1,bus=cxl.1,id=rp1,chassis=0,slot=3",
            "-device", "pxb-cxl,bus_nr=20,bus=pcie.0,id=cxl.2", "-device", "cxl-rp,port=0,bus=cxl.2,id=rp2,chassis=0,slot=4",
            "-device", "cxl-type3,bus=rp0,volatile-memdev=v0,id=d0", "-device", "cxl-type3,bus=rp1,volatile-memdev=v1,id=d1",
            "-device", "cxl-type3,bus=rp2,volatile-memdev=v2,id=d2"];
        var plan = Plan(Options, line);
        Assert.Equal([("d0", 1), ("d1", 1), ("d2", 2)], plan.CxlDevices.Select(d => (d.Device, d.GenericPortNode)));
        Assert.Equal(2, plan.ToArgv().Count(a => a.StartsWith("acpi-generic-port,", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_device_with_its_own_cdat_or_behind_a_switch_is_left_alone_and_said_why()
    {
        string[] line = ["-object", "memory-backend-ram,id=m0,size=512M", "-numa", "node,nodeid=0,cpus=0,memdev=m0",
            "-object", "memory-backend-ram,id=v0,size=256M,host-mem-type=cxl-ram", "-object", "memory-backend-ram,id=v1,size=256M,host-mem-type=cxl-ram", .. Bridge,
            "-device", "cxl-upstream,bus=rp0,id=us0", "-device", "cxl-downstream,port=0,bus=us0,id=swport0,chassis=0,slot=4",
            "-device", "cxl-type3,bus=swport0,volatile-memdev=v0,id=d0", "-device", "cxl-type3,bus=rp0,volatile-memdev=v1,id=d1,cdat=/etc/mine.cdat"];
        var plan = Plan(Options, line);
        Assert.Empty(plan.CxlDevices);
        Assert.Contains(plan.Notes, n => n.Code == NoteCodes.CxlNotDirect && n.Text.StartsWith("cxl-type3 'd0'", StringComparison.Ordinal));
        Assert.Contains(plan.Notes, n => n.Code == NoteCodes.CxlOwnCdat && n.Text.StartsWith("cxl-type3 'd1'", StringComparison.Ordinal));
        Assert.Contains("cxl-type3,bus=rp0,volatile-memdev=v1,id=d1,cdat=/etc/mine.cdat", plan.ToArgv());
        Assert.DoesNotContain(plan.ToArgv(), a => a.StartsWith("acpi-generic-port", StringComparison.Ordinal));
    }

    [Fact]
    public void Cdat_off_and_cdat_dir_are_followed()
    {
        string[] line = ["-object", "memory-backend-ram,id=vmem0,size=256M,host-mem-type=cxl-ram", .. Bridge, "-device", "cxl-type3,bus=rp0,volatile-memdev=vmem0,id=mem0"];
        var off = Plan(Options with { Cdat = CdatMode.Off }, line);
        Assert.Empty(off.CxlDevices);
        Assert.Equal(["qemu-system-x86_64", "-M", "q35,cxl=on", "-m", "512M", "-object", "memory-backend-ram,id=vmem0,size=256M,host-nodes=1,policy=bind", .. Bridge,
            "-device", "cxl-type3,bus=rp0,volatile-memdev=vmem0,id=mem0"], off.ToArgv());
        var files = Plan(Options with { CdatDir = "/var/lib/hostmem" }, line);
        Assert.Equal("/var/lib/hostmem/hostmem-mem0.cdat", Assert.Single(files.CxlDevices).CdatPath);
        Assert.Contains("cxl-type3,bus=rp0,volatile-memdev=vmem0,id=mem0,cdat=/var/lib/hostmem/hostmem-mem0.cdat", files.ToArgv());
    }

    [Fact]
    public void A_memoryless_node_below_the_generic_port_takes_the_region_and_the_regions_figures_tier_it()
    {
        // As a 6.12 guest showed (nodes 0-2, generic port on node2): kmem onlines into node1 and the CXL driver tiers it by
        // the region's figures. Here: region 1 + 300 + 17000 = 17301 ns both ways, min(20000, 20000, 63014) MB/s; against
        // node0's 100 ns, 262100 MB/s: 576 * 34602 / 200 * 524200 / 40000 = 1305952 (integer steps), >> 7 = 10202.
        string[] line = ["-object", "memory-backend-ram,id=m0,size=512M", "-numa", "node,nodeid=0,cpus=0,memdev=m0",
            "-numa", "node,nodeid=1,initiator=0", "-numa", "node,nodeid=2,initiator=0",
            "-object", "memory-backend-ram,id=vmem0,size=256M,host-mem-type=cxl-ram", .. Bridge,
            "-device", "cxl-type3,bus=rp0,volatile-memdev=vmem0,id=mem0", "-object", "acpi-generic-port,id=gp0,pci-bus=cxl.1,node=2",
            "-numa", "hmat-lb,initiator=0,target=2,hierarchy=memory,data-type=access-latency,latency=300"];
        var d = Assert.Single(Plan(Options, line).CxlDevices);
        Assert.Equal((2, false, 1), (d.GenericPortNode, d.GenericPortAdded, d.KmemNode));
        Assert.Equal(new MemoryPerformance(17301, 17301, 20000, 20000), d.PredictedRegion);
        Assert.Equal(10202u, d.PredictedTier);
    }
}
