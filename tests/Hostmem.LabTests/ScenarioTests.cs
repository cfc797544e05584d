using System.Text.RegularExpressions;

namespace Hostmem.LabTests;

/// <summary>Boots real guests (lab/run), records into a temp folder, asserts on what the guest kernel reported.</summary>
public class ScenarioTests
{
    static int Tier(LabRun run, int node) => int.Parse(run.Result($"node{node}.tier"));

    [LabFact]
    public void HmatTwoTier_CpuLessSlowNodeLandsInALowerTier()
    {
        var outDir = Lab.TempDir();
        var run = Lab.Run(["hmat-two-tier", "--out", outDir]);
        Assert.True(run.ExitCode == 0, run.Describe());

        Assert.Equal("0-1", run.Result("node0.cpus"));
        Assert.Equal("none", run.Result("node1.cpus"));
        Assert.True(Tier(run, 1) > Tier(run, 0), $"node1 tier {Tier(run, 1)} should be below (numerically above) node0 tier {Tier(run, 0)}\n{run.Describe()}");
        Assert.Equal(4, Tier(run, 0));
        Assert.StartsWith("rl=270 wl=270 rb=30000 wb=30000", run.Result("node1.access1"));
        Assert.StartsWith("rl=100 wl=100 rb=262100 wb=262100", run.Result("node0.access1"));
        Assert.Contains("preferred: 1", run.StdOut); // dmesg: Demotion targets for Node 0: preferred: 1

        // The fixture went to the temp folder, never to tests/fixtures, and holds what hostmem reads.
        var archive = Path.Combine(outDir, "hmat-two-tier.tar.gz");
        Assert.True(File.Exists(archive), run.Describe());
        var names = Lab.TarList(archive);
        foreach (var must in new[] {
                     "sys/devices/system/node/node1/access1/initiators/read_latency",
                     "sys/devices/system/memory/block_size_bytes",
                     "sys/devices/virtual/memory_tiering/memory_tier4/nodelist",
                     "sys/firmware/acpi/tables/HMAT", "sys/firmware/acpi/tables/SRAT",
                     "proc/cpuinfo", "proc/meminfo", "proc/iomem", "proc/self/status",
                     "meta/qemu-cmdline.txt", "meta/uname-r.txt", "meta/dmesg.txt", "meta/numactl-H.txt",
                     "meta/unreadable.txt", "meta/actions.txt", "meta/wall-seconds.txt", "meta/lstopo.txt" })
            Assert.Contains(names, n => n.TrimStart('.', '/') == must);
        Assert.Contains("hmat=on", Lab.TarRead(archive, "meta/qemu-cmdline.txt"));
        Assert.StartsWith("6.12.", Lab.TarRead(archive, "meta/uname-r.txt"));
        Assert.Equal("1", Lab.TarRead(archive, "sys/devices/virtual/memory_tiering/memory_tier106/nodelist").Trim());
        Directory.Delete(outDir, true);
    }

    [LabFact]
    public void CxlRamKmem_CxlNodeAppearsFromTheRegionsDaxDevice()
    {
        var outDir = Lab.TempDir();
        var run = Lab.Run(["cxl-ram-kmem", "--out", outDir]);
        Assert.True(run.ExitCode == 0, run.Describe());

        Assert.Equal("none", run.Result("node1.cpus"));
        Assert.Equal("262144", run.Result("node1.memkb"));
        Assert.StartsWith("mode=ram size=0x10000000 commit=1", run.Result("cxl.region0"));
        Assert.Equal("size=268435456 target_node=1 driver=kmem", run.Result("dax.dax0.0"));
        Assert.Equal(22, Tier(run, 1)); // no HMAT: the kernel's default for dax memory (adist 2880)
        Assert.Contains("NUMANode(CXL-DRAM) L#1 (P#1", run.StdOut); // hwloc 2.12 agrees on the recorded tree

        var archive = Path.Combine(outDir, "cxl-ram-kmem.tar.gz");
        var names = Lab.TarList(archive).Select(n => n.TrimStart('.', '/')).ToHashSet();
        Assert.Contains("sys/devices/platform/ACPI0017:00/root0/decoder0.0/region0/dax_region0/dax0.0/target_node", names);
        Assert.Contains("sys/bus/cxl/devices/region0", names);
        Assert.Contains("sys/firmware/acpi/tables/CEDT", names);
        Assert.Contains("CXL Window 0", Lab.TarRead(archive, "proc/iomem"));
        Directory.Delete(outDir, true);
    }

    [LabFact]
    public void AGuestThatRunsOutOfTime_FailsWithOneLineAndTheConsoleTail()
    {
        var outDir = Lab.TempDir();
        var run = Lab.Run(["hmat-equal", "--out", outDir, "--timeout", "2"]);
        Assert.Equal(1, run.ExitCode);
        Assert.Matches(new Regex(@"^lab: FAIL: hmat-equal: timed out after 2s", RegexOptions.Multiline), run.StdErr);
        Assert.Contains("last 40 lines of the guest console", run.StdErr);
        Assert.False(File.Exists(Path.Combine(outDir, "hmat-equal.tar.gz")));
        Directory.Delete(outDir, true);
    }
}
