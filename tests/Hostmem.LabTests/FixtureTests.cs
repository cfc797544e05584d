using System.Text.RegularExpressions;
using Hostmem.Tests.Support;

namespace Hostmem.LabTests;

/// <summary>The committed fixtures: listed in the INDEX, small, complete; hwloc reads each (when installed).</summary>
public class FixtureTests
{
    static readonly string FixtureDir = Path.Combine(Lab.RepoRoot, "tests", "fixtures");

    public static TheoryData<string> Fixtures()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(FixtureDir, "*.tar.gz").Order()) data.Add(Path.GetFileName(f));
        return data;
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void EachFixture_IsIndexedSmallAndComplete(string file)
    {
        var name = file[..^".tar.gz".Length];
        var index = File.ReadAllText(Path.Combine(FixtureDir, "INDEX.md"));
        Assert.Matches(new Regex($"^## {Regex.Escape(name)}\\b", RegexOptions.Multiline), index);
        var path = Path.Combine(FixtureDir, file);
        Assert.InRange(new FileInfo(path).Length, 1, 100_000);
        var names = Lab.TarList(path).Select(n => n.TrimStart('.', '/')).ToHashSet();
        foreach (var must in new[] { "sys/devices/system/node/node0/cpulist", "sys/devices/system/cpu/cpu0/topology/core_id",
                     "sys/devices/system/memory/block_size_bytes", "proc/cpuinfo", "proc/meminfo", "proc/iomem",
                     "meta/qemu-cmdline.txt", "meta/uname-r.txt", "meta/dmesg.txt", "meta/numactl-H.txt", "meta/unreadable.txt" })
            Assert.Contains(must, names);
    }

    [NeedsProgramTheory("lstopo-no-graphics")] // hwloc is a second opinion; lab/install-deps installs it
    [MemberData(nameof(Fixtures))]
    public void EachFixture_IsReadByHwloc(string file)
    {
        var lstopo = "lstopo-no-graphics";
        var dir = Lab.TempDir();
        try
        {
            var (code, _, err) = Lab.Exec("tar", ["-xzf", Path.Combine(FixtureDir, file), "-C", dir], TimeSpan.FromMinutes(1));
            Assert.True(code == 0, err);
            var psiEnv = $"HWLOC_COMPONENTS=linux,stop HWLOC_FSROOT={dir}";
            var (rc, stdout, stderr) = Lab.Exec("env", [$"HWLOC_COMPONENTS=linux,stop", $"HWLOC_FSROOT={dir}", lstopo, "-v", "--of", "console", "-"], TimeSpan.FromMinutes(1));
            Assert.True(rc == 0, $"{psiEnv} lstopo-no-graphics: {stderr}");
            Assert.Contains("NUMANode", stdout);
        }
        finally { Directory.Delete(dir, true); }
    }
}
