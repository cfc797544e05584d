using Hostmem.Tests.Support;

namespace Hostmem.LabTests;

/// <summary>A recorded host and a QEMU command line with host-mem-type=: what `hostmem plan` turns into a guest.</summary>
public sealed record GuestCase(string Name, string Fixture, string Cpus, string[] Options, string[] Qemu)
{
    public string Tree => Trees.Archive(Fixture);

    public HostmemPlan Plan() => HostmemPlan.Run(Tree, Cpus, Options, Qemu);
}

/// <summary>
/// The host trees the end-to-end tests boot guests for (small sizes: the figures and tiers do not depend on them, and a
/// 320 MiB guest boots in about 5 s under TCG), and the QEMU binaries they run.
/// </summary>
public static class PlannedGuests
{
    public static readonly GuestCase[] Cases =
    [
        // CPU-less DRAM node1 at 270 ns / 30000 MB/s: host-mem-nodes=all takes node0 and node1, the slower figures go to the guest.
        new("hmat-two-tier", "hmat-two-tier", "0", [],
            ["qemu-system-x86_64", "-M", "q35", "-m", "256M", "-object", "memory-backend-ram,id=slow,size=64M,host-mem-type=dram,host-mem-nodes=all"]),
        // CXL RAM behind a generic port: node1's figures are 17350/17450 ns, 16000 MB/s.
        new("cxl-ram-genport", "cxl-ram-genport", "0", [],
            ["qemu-system-x86_64", "-M", "q35", "-m", "256M", "-object", "memory-backend-ram,id=vmem0,size=64M,host-mem-type=cxl-ram"]),
        // Two sockets as two guest CPU nodes, and one guest node over both CXL nodes (2-3).
        new("two-socket-cxl", "two-socket-cxl", "0-1", [],
            ["qemu-system-x86_64", "-M", "q35", "-smp", "2", "-m", "256M",
             "-object", "memory-backend-ram,id=ram0,size=128M", "-object", "memory-backend-ram,id=ram1,size=128M",
             "-numa", "node,nodeid=0,cpus=0,memdev=ram0", "-numa", "node,nodeid=1,cpus=1,memdev=ram1",
             "-object", "memory-backend-ram,id=cxl,size=64M,host-mem-type=cxl-ram,host-mem-nodes=all"]),
        // The seed thread's authors' own line (their 8 hmat-lb entries and -numa dist, sizes cut to fit, without the cxl-type3
        // device QEMU 10 refuses beside -numa node,memdev=vmem0) with host-mem-type= on vmem0: their figures win.
        new("authors-line", "cxl-ram-genport", "0", [],
            ["qemu-system-x86_64", "-M", "q35,hmat=on", "-m", "256M", "-smp", "2",
             "-object", "memory-backend-ram,id=ram0,size=192M", "-numa", "node,memdev=ram0,cpus=0-1,nodeid=0",
             "-object", "memory-backend-ram,id=vmem0,size=64M,host-mem-type=cxl-ram", "-numa", "node,memdev=vmem0,nodeid=1",
             "-numa", "dist,src=0,dst=0,val=10", "-numa", "dist,src=0,dst=1,val=14", "-numa", "dist,src=1,dst=0,val=14", "-numa", "dist,src=1,dst=1,val=10",
             "-numa", "hmat-lb,initiator=0,target=0,hierarchy=memory,data-type=read-latency,latency=91",
             "-numa", "hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=read-latency,latency=100",
             "-numa", "hmat-lb,initiator=0,target=0,hierarchy=memory,data-type=write-latency,latency=91",
             "-numa", "hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=write-latency,latency=100",
             "-numa", "hmat-lb,initiator=0,target=0,hierarchy=memory,data-type=read-bandwidth,bandwidth=262100M",
             "-numa", "hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=read-bandwidth,bandwidth=30000M",
             "-numa", "hmat-lb,initiator=0,target=0,hierarchy=memory,data-type=write-bandwidth,bandwidth=176100M",
             "-numa", "hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=write-bandwidth,bandwidth=30000M"]),
        // Only latencies from the user: hostmem fills in the host's bandwidths (262100 and 16000 MB/s) beside them.
        new("user-latencies", "cxl-ram-genport", "0", [],
            ["qemu-system-x86_64", "-M", "q35", "-m", "256M",
             "-object", "memory-backend-ram,id=ram0,size=192M", "-numa", "node,memdev=ram0,cpus=0,nodeid=0",
             "-object", "memory-backend-ram,id=vmem0,size=64M,host-mem-type=cxl-ram", "-numa", "node,memdev=vmem0,nodeid=1",
             "-numa", "hmat-lb,initiator=0,target=0,hierarchy=memory,data-type=access-latency,latency=91",
             "-numa", "hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=access-latency,latency=270"]),
        // Figures measured by `hostmem probe` in the lab's nested CXL host (the same scenario as this tree) in place of
        // firmware's: DRAM 704 ns, the emulated CXL node 2518 ns and 17/27 MB/s (--figures).
        new("measured-figures", "cxl-ram-genport", "0", ["--figures", Path.Combine(Lab.RepoRoot, "tests", "Hostmem.Tests", "Probe", "data", "nested-cxl-ram-genport.probe.json")],
            ["qemu-system-x86_64", "-M", "q35", "-m", "256M", "-object", "memory-backend-ram,id=vmem0,size=64M,host-mem-type=cxl-ram"]),
        // No HMAT, no generic port: no figures at all.
        new("no-figures", "cxl-ram-kmem", "0", [],
            ["qemu-system-x86_64", "-M", "q35", "-m", "256M", "-object", "memory-backend-ram,id=vmem0,size=64M,host-mem-type=cxl-ram"]),
    ];

    public static GuestCase Case(string name) => Cases.Single(c => c.Name == name);

    public static TheoryData<string, string> CasesOnBothQemus()
    {
        var data = new TheoryData<string, string>();
        foreach (var c in Cases)
            foreach (var v in new[] { "10.0", "7.2" }) data.Add(c.Name, v);
        return data;
    }

    /// <summary>The QEMU to run: "10.0" is the lab's (lab/run takes a bare name for it), "7.2" lab/qemu72's wrapper (unpacked
    /// from bookworm on first use).</summary>
    public static string Qemu(string version) => version == "7.2" ? Qemu72.Value : "qemu-system-x86_64";

    static readonly Lazy<string> Qemu72 = new(() =>
    {
        var (code, stdout, stderr) = Lab.Exec(Path.Combine(Lab.RepoRoot, "lab", "qemu72"), [], TimeSpan.FromMinutes(5), Lab.RepoRoot);
        Assert.True(code == 0, $"lab/qemu72 could not unpack QEMU 7.2 (exit {code}): {stderr}");
        var wrapper = stdout.Trim().Split('\n')[^1];
        Assert.True(File.Exists(wrapper), $"lab/qemu72 printed '{wrapper}', not a file");
        return wrapper;
    });

    /// <summary>The argv with the lab's QEMU of that version in front.</summary>
    public static string[] OnQemu(string[] argv, string version) => [Qemu(version), .. argv[1..]];

    /// <summary>A host node's access1 figure from the recorded tree (read_latency, write_latency, read_bandwidth, write_bandwidth).</summary>
    public static uint HostFigure(GuestCase c, int node, string file) =>
        uint.Parse(Lab.TarRead(c.Tree, $"sys/devices/system/node/node{node}/access1/initiators/{file}").Trim());
}
