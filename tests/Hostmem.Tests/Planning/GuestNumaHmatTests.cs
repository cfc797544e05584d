using Hostmem.Classification;
using Hostmem.Discovery;
using Hostmem.Planning;
using Hostmem.Qemu;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Planning;

/// <summary>
/// Guest figures from the host's ACPI HMAT matrix (two-socket-cxl: 0→0, 1→1 100 ns / 262100 MB/s; 0→1, 1→0 150 ns /
/// 131000 MB/s). sysfs shows only each node's nearest initiator; a process on socket 1 reaching node0 gets 1→0.
/// </summary>
public class GuestNumaHmatTests
{
    static ClassifiedHost Host(string tree) => ClassifiedHost.From(TopologyReader.Read(tree));

    static PlanOptions On(params int[] cpus) => new(cpus, "test") { GuestNuma = GuestNumaMode.Auto };

    static MemoryPlan Plan(ClassifiedHost host, PlanOptions options, params string[] args) =>
        Planner.Plan(host, QemuCommandLine.Parse(["qemu-system-x86_64", .. args]), options);

    static readonly string[] DramOnBothSockets = ["-M", "q35", "-smp", "2", "-m", "256M",
        "-object", "memory-backend-ram,id=far,size=64M,host-mem-type=dram,host-mem-nodes=all"];

    [Fact]
    public void A_process_on_socket_1_gets_the_cross_socket_figures()
    {
        var plan = Plan(Host(Trees.Project("two-socket-cxl")), On(1), DramOnBothSockets);
        var far = plan.GuestNodes.Single(n => n.Backend == "far");
        Assert.Equal((150u, 150u, 131000u, 131000u, FiguresSource.AcpiHmat),
            (far.ReadLatencyNs!.Value, far.WriteLatencyNs!.Value, far.ReadBandwidthMBps!.Value, far.WriteBandwidthMBps!.Value, far.FiguresFrom));
        Assert.Equal("acpi-hmat", far.FiguresFrom.Name());
        Assert.Contains(far.Why, w => w.Contains("host node0 acpi-hmat (initiator host node1)", StringComparison.Ordinal));
        // 576 * 300 / 200 * 524200 / 262000 = 1728: memory_tier13, below the guest's DRAM.
        Assert.Equal(13u, far.PredictedTier);
        var main = plan.GuestNodes.Single(n => n.HasCpus);
        Assert.Equal((100u, FiguresSource.HostAccess1), (main.ReadLatencyNs!.Value, main.FiguresFrom)); // node1 from node1: sysfs has it
        var argv = plan.ToArgv();
        Assert.Contains("hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=access-latency,latency=150", argv);
        Assert.Contains("hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=access-bandwidth,bandwidth=131000M", argv);
    }

    [Fact]
    public void Before_the_matrix_the_same_plan_gave_the_nearest_initiators_figures()
    {
        // The table unreadable (as for a user who is not root): sysfs access1 only, node0's own 100 ns.
        var tree = Trees.CopyOf(Trees.Project("two-socket-cxl"));
        var hmat = Path.Combine(tree, "sys/firmware/acpi/tables/HMAT");
        File.Delete(hmat);
        Directory.CreateDirectory(hmat);
        var far = Plan(Host(tree), On(1), DramOnBothSockets).GuestNodes.Single(n => n.Backend == "far");
        Assert.Equal((100u, 262100u, FiguresSource.HostAccess1, 4u), (far.ReadLatencyNs!.Value, far.ReadBandwidthMBps!.Value, far.FiguresFrom, far.PredictedTier!.Value));
    }

    [Fact]
    public void Two_guest_cpu_nodes_both_get_the_row_of_the_socket_the_process_runs_on()
    {
        var plan = Plan(Host(Trees.Project("two-socket-cxl")), On(1), "-M", "q35", "-smp", "2", "-m", "320M",
            "-object", "memory-backend-ram,id=r0,size=128M", "-object", "memory-backend-ram,id=r1,size=128M",
            "-object", "memory-backend-ram,id=far,size=64M,host-mem-type=dram,host-mem-nodes=all",
            "-numa", "node,nodeid=0,cpus=0,memdev=r0", "-numa", "node,nodeid=1,cpus=1,memdev=r1", "-numa", "node,nodeid=2,memdev=far");
        var argv = plan.ToArgv();
        foreach (var initiator in new[] { 0, 1 })
        {
            Assert.Contains($"hmat-lb,initiator={initiator},target=2,hierarchy=memory,data-type=access-latency,latency=150", argv);
            Assert.Contains($"hmat-lb,initiator={initiator},target={initiator},hierarchy=memory,data-type=access-latency,latency=100", argv);
        }
        Assert.Equal(FiguresSource.AcpiHmat, plan.GuestNodes.Single(n => n.GuestNode == 2).FiguresFrom);
    }

    [Fact]
    public void A_process_on_both_sockets_keeps_the_nearest_figures_and_says_why()
    {
        var plan = Plan(Host(Trees.Project("two-socket-cxl")), On(0, 1), DramOnBothSockets);
        var far = plan.GuestNodes.Single(n => n.Backend == "far");
        Assert.Equal((100u, FiguresSource.HostAccess1), (far.ReadLatencyNs!.Value, far.FiguresFrom));
        Assert.Contains(plan.Notes, n => n.Code == NoteCodes.CrossSocketFigures && n.Text.Contains("host node0, node1 different figures", StringComparison.Ordinal));
    }

    [Fact]
    public void A_cxl_node_behind_a_generic_port_keeps_its_sysfs_figures_and_says_so()
    {
        var plan = Plan(Host(Trees.Project("two-socket-cxl")), On(1), "-M", "q35", "-m", "256M",
            "-object", "memory-backend-ram,id=c,size=64M,host-mem-type=cxl-ram,host-mem-nodes=all");
        var c = plan.GuestNodes.Single(n => n.Backend == "c");
        Assert.Equal((17350u, FiguresSource.HostAccess1), (c.ReadLatencyNs!.Value, c.FiguresFrom));
        Assert.Contains(c.Why, w => w.Contains("host node2: the ACPI HMAT has no figures from host node1", StringComparison.Ordinal)
            && w.Contains("generic port", StringComparison.Ordinal));
    }

    [Fact]
    public void Single_socket_hosts_are_unchanged()
    {
        var plan = Plan(Host(Trees.Project("hmat-two-tier")), On(0), "-M", "q35", "-m", "256M",
            "-object", "memory-backend-ram,id=slow,size=64M,host-mem-type=dram,host-mem-nodes=all");
        Assert.All(plan.GuestNodes, n => Assert.Equal(FiguresSource.HostAccess1, n.FiguresFrom));
        Assert.DoesNotContain(plan.GuestNodes.SelectMany(n => n.Why), w => w.Contains("ACPI HMAT", StringComparison.Ordinal));
    }

    [Fact]
    public void Qemu_10_accepts_the_cross_socket_plan()
    {
        if (QemuBinaries.Missing("10.0") is { } why) Assert.Fail(why);
        var plan = Plan(Host(Trees.Project("two-socket-cxl")), On(1), "-M", "q35", "-smp", "2", "-m", "320M",
            "-object", "memory-backend-ram,id=r0,size=128M", "-object", "memory-backend-ram,id=r1,size=128M",
            "-object", "memory-backend-ram,id=far,size=64M,host-mem-type=dram,host-mem-nodes=all",
            "-numa", "node,nodeid=0,cpus=0,memdev=r0", "-numa", "node,nodeid=1,cpus=1,memdev=r1", "-numa", "node,nodeid=2,memdev=far");
        // This machine has node 0 only: bind there; the guest side is what QEMU checks.
        var args = plan.ToArgv().Skip(1).Select(a => a.Replace("host-nodes=0-1", "host-nodes=0", StringComparison.Ordinal));
        var (memdevs, stderr) = QmpStdio.QueryMemdev(QemuBinaries.Path_("10.0"), args);
        Assert.True(memdevs is not null, $"{string.Join(' ', plan.ToArgv())}\n{stderr}");
    }
}
