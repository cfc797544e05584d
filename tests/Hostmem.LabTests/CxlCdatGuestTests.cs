using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Hostmem.LabTests;

/// <summary>
/// The emulated CXL path end to end: `hostmem plan --cdat-dir` on a recorded host gives a cxl-type3 device a CDAT file and
/// its host bridge a generic port; a Linux 6.12 guest booted with that line under QEMU 10.0 creates a RAM region over the
/// device, kmem onlines it, and the region's access0/access1, the new node's access1 and its memory tier must be what the
/// plan predicted. QEMU 7.2 (no acpi-generic-port, no volatile-memdev) is refused by `hostmem qemu` in one line.
/// </summary>
public class CxlCdatGuestTests(ITestOutputHelper output)
{
    // The lab's CXL line (GUEST-LAB.md "Emulated CXL RAM") with host-mem-type= on the device's memory.
    static readonly string[] Line =
    [
        "qemu-system-x86_64", "-M", "q35,cxl=on", "-m", "512M", "-smp", "2",
        "-object", "memory-backend-ram,id=m0,size=512M", "-numa", "node,nodeid=0,cpus=0-1,memdev=m0",
        "-object", "memory-backend-ram,id=vmem0,share=on,size=256M,host-mem-type=cxl-ram",
        "-device", "pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1", "-device", "cxl-rp,port=0,bus=cxl.1,id=root_port13,chassis=0,slot=2",
        "-device", "cxl-type3,bus=root_port13,volatile-memdev=vmem0,id=cxl-vmem0", "-M", "cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4G",
    ];

    static string Tree => Path.Combine(Lab.RepoRoot, "tests", "fixtures", "cxl-ram-genport.tar.gz");

    [LabFact]
    public void A_guest_region_over_a_cxl_type3_device_gets_the_figures_and_tier_hostmem_predicted()
    {
        string dir = Lab.TempDir();
        // Realistic CXL figures (the recorded host's own are the emulated 17350 ns): 250 ns, 20000 MB/s.
        var plan = HostmemPlan.Run(Tree, "0", ["--cdat-dir", dir, "--latency", "cxl-ram=250", "--bandwidth", "cxl-ram=20000"], Line);
        var device = JsonNode.Parse(plan.Json)!["cxl_devices"]!.AsArray().Single()!;
        var region = device["predicted_region"]!;
        string predicted = $"rl={region["read_latency_ns"]} wl={region["write_latency_ns"]} rb={region["read_bandwidth_mbps"]} wb={region["write_bandwidth_mbps"]}";
        int kmem = (int)device["kmem_node"]!;
        uint tier = (uint)device["predicted_tier"]!;
        Assert.True(File.Exists((string)device["cdat_path"]!), "the CDAT file --cdat-dir names");

        string[] args = ["argv", "--name", "cxl-cdat", "--guest", Path.Combine(Lab.RepoRoot, "lab", "guest", "cxl-region.sh"), "--timeout", "240", "--", .. plan.ArgvWithoutHostBinding()];
        var run = Lab.Run(args, TimeSpan.FromMinutes(5));
        Assert.True(run.ExitCode == 0, $"{string.Join(' ', plan.ArgvWithoutHostBinding())}\n{run.Describe()}");
        output.WriteLine($"predicted region {predicted}, node{kmem} memory_tier{tier}; guest region0 access0 {run.Result("region.access0")}, access1 {run.Result("region.access1")}, node{run.Result("region.node")} access1 {run.Result($"node{kmem}.access1")} memory_tier{run.Result($"node{kmem}.tier")}");

        Assert.Equal(kmem.ToString(System.Globalization.CultureInfo.InvariantCulture), run.Result("region.node"));
        Assert.Equal(predicted, run.Result("region.access0"));
        Assert.Equal(predicted, run.Result("region.access1"));
        Assert.Equal($"{predicted} initiators=", run.Result($"node{kmem}.access1"));
        Assert.Equal(tier.ToString(System.Globalization.CultureInfo.InvariantCulture), run.Result($"node{kmem}.tier"));
        // The generic port carries the figures given (250 ns, 20000 MB/s): with node0's 100 ns, 262100 MB/s the kernel's
        // mt_perf_to_adistance is 576 * 500 / 200 * 524200 / 40000 = 18871, memory_tier147 (not the region's figures).
        Assert.Equal(147u, tier);
    }

    [LabFact]
    public void QEMU_7_2_is_refused_in_one_line_before_it_starts()
    {
        var (_, q72, _) = Lab.Exec(Path.Combine(Lab.RepoRoot, "lab", "qemu72"), [], TimeSpan.FromMinutes(5));
        string[] line = [q72.Trim(), .. Line[1..]];
        var (code, stdout, stderr) = Lab.Exec(HostmemPlan.Apphost, ["qemu", "--dry-run", "--sysfs", Tree, "--cpus", "0", "--", .. line], TimeSpan.FromMinutes(1));
        output.WriteLine(stderr);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Matches(@"^hostmem: \S+ is QEMU 7\.2\.\S+: it has no acpi-generic-port object \(QEMU 9\.2 added it\)", stderr);
        // The same line under --cdat off is QEMU 7.2's own to refuse (it has no cxl-type3 volatile-memdev either).
        var (off, _, _) = Lab.Exec(HostmemPlan.Apphost, ["qemu", "--dry-run", "--cdat", "off", "--no-lint", "--sysfs", Tree, "--cpus", "0", "--", .. line], TimeSpan.FromMinutes(1));
        Assert.Equal(0, off);
    }
}
