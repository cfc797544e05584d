using CsCheck;
using Hostmem.Classification;
using Hostmem.Discovery;
using Hostmem.Export;
using Hostmem.Tests.Support;
using System.Text.Json;
using Xunit;

namespace Hostmem.Tests.Discovery;

/// <summary>Bad trees give a clean result with findings, or one UserError; never another exception.</summary>
public class DamagedTreeTests
{
    private const string Region0 = "sys/devices/platform/ACPI0017:00/root0/decoder0.0/region0";

    private static ClassifiedHost Read(string tree) => ClassifiedHost.From(TopologyReader.Read(tree));

    [SharedFixtureFact("samples")]
    public void Garbage_numbers_become_findings_not_exceptions()
    {
        var tree = Trees.CopyOf(Trees.Sample("guestB-cxl"));
        File.WriteAllText(Path.Combine(tree, "sys/devices/system/node/node1/distance"), "ten twenty\n");
        File.WriteAllText(Path.Combine(tree, Region0, "size"), "lots\n");
        File.WriteAllText(Path.Combine(tree, "sys/devices/system/node/node0/cpulist"), "0-\n");
        var host = Read(tree);
        Assert.Contains(host.Diagnostics, d => d.Code == "unreadable" && d.Message.Contains("node1/distance"));
        Assert.Contains(host.Diagnostics, d => d.Code == "unreadable" && d.Message.Contains("region0/size") && d.Message.Contains("'lots'"));
        Assert.Null(host.Host.Cxl.Regions[0].SizeBytes);
        Assert.Empty(host.Host.Node(0)!.Cpus);
    }

    [SharedFixtureFact("samples")]
    public void Dangling_and_looping_links_are_skipped_and_reported()
    {
        var tree = Trees.CopyOf(Trees.Sample("guestB-cxl"));
        var daxLink = Path.Combine(tree, "sys/bus/dax/devices/dax0.0");
        File.Delete(daxLink);
        File.CreateSymbolicLink(daxLink, "../../../devices/nowhere/dax0.0");
        var loop = Path.Combine(tree, "sys/bus/cxl/devices/region7");
        File.CreateSymbolicLink(loop, "region7");
        var host = Read(tree);
        Assert.Empty(host.Host.Dax);
        Assert.Contains(host.Diagnostics, d => d.Message.Contains("dax0.0") && d.Message.Contains("dangling"));
        Assert.Contains(host.Diagnostics, d => d.Message.Contains("region7"));
        // Without its dax device node1 is no longer known to be CXL; the region still says where it is.
        Assert.Single(host.Host.Cxl.Regions);
    }

    [SharedFixtureFact("samples")]
    public void Link_leaving_the_tree_is_not_followed()
    {
        var tree = Trees.CopyOf(Trees.Sample("guestB-cxl"));
        var link = Path.Combine(tree, "sys/bus/cxl/devices/mem0");
        File.Delete(link);
        File.CreateSymbolicLink(link, "/sys/devices/system/node");
        var host = Read(tree);
        Assert.Empty(host.Host.Cxl.Memdevs);
        Assert.Contains(host.Diagnostics, d => d.Message.Contains("leaves the tree"));
    }

    [SharedFixtureFact("samples")]
    public void Unreadable_file_is_listed_and_left_out()
    {
        var tree = Trees.CopyOf(Trees.Sample("guestA-slow"));
        // Root reads any file, so make it unreadable the other way a read fails: a folder where a file should be.
        var meminfo = Path.Combine(tree, "sys/devices/system/node/node1/meminfo");
        File.Delete(meminfo);
        Directory.CreateDirectory(meminfo);
        var host = Read(tree);
        Assert.Null(host.Host.Node(1)!.MemTotalBytes);
        Assert.Contains(host.Diagnostics, d => d.Code == "unreadable" && d.Subject.EndsWith("node1/meminfo", StringComparison.Ordinal));
    }

    [Fact]
    public void Folder_that_is_not_a_sysfs_is_one_user_error()
    {
        var empty = Scratch.Folder("hostmem-empty-");
        var e = Assert.Throws<UserError>(() => TopologyReader.Read(empty));
        Assert.Contains("not a sysfs tree", e.Problem);
        Assert.Throws<UserError>(() => TopologyReader.Read("/no/such/dir"));
    }

    [SharedFixtureFact("samples")]
    public void Region_vanishing_mid_walk_never_throws()
    {
        var tree = Trees.CopyOf(Trees.Sample("guestB-cxl"));
        var region = Path.Combine(tree, Region0);
        var aside = region + ".aside";
        using var stop = new CancellationTokenSource();
        // Another thread removes and restores the region folder while discovery walks the tree.
        var flapper = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                Directory.Move(region, aside);
                Directory.Move(aside, region);
            }
        });
        for (var i = 0; i < 300; i++) Read(tree);
        stop.Cancel();
        flapper.Wait();
    }

    /// <summary>
    /// Random damage to a real tree (files replaced with garbage, deleted, made folders; links retargeted
    /// to nowhere or to themselves): discovery, classification, findings and JSON never throw.
    /// </summary>
    [SharedFixtureFact("samples")]
    public void Any_damage_gives_a_result_not_an_exception()
    {
        var original = Trees.Sample("guestB-cxl");
        // find, not Directory.Enumerate*: .NET's recursive walk follows sysfs's directory links in circles.
        var paths = Trees.RunIn(original, "find", "-P", "sys", "-mindepth", "1").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => p.Contains("/node/") || p.Contains("/cxl/") || p.Contains("/dax") || p.Contains("region") || p.Contains("memory_tier"))
            .ToArray();
        var damage = Gen.Select(Gen.OneOfConst(paths), Gen.Int[0, 4], Gen.String[Gen.Char[' ', '~'], 0, 12]).Array[1, 6];
        damage.Sample(ops =>
        {
            var work = Trees.CopyOf(original);
            foreach (var (rel, kind, text) in ops) Damage(Path.Combine(work, rel), kind, text);
            var host = Read(work);
            var report = TopologyReportBuilder.Build(host.Host, host.Classes, host.Diagnostics, "test", work);
            Assert.NotEmpty(Hostmem.Tests.Export.TopologyJsonTests.Written(report));
            Directory.Delete(work, true);
        }, iter: 40, threads: 1);
    }

    private static void Damage(string path, int kind, string text)
    {
        try
        {
            var isLink = new FileInfo(path).LinkTarget is not null;
            if (Directory.Exists(path) && !isLink)
            {
                if (kind == 0) Directory.Delete(path, true);
                return;
            }
            File.Delete(path);
            switch (kind)
            {
                case 0: break; // gone
                case 1: File.WriteAllText(path, text); break;
                case 2: Directory.CreateDirectory(path); break;
                case 3: File.CreateSymbolicLink(path, Path.GetFileName(path)); break; // loop
                default: File.CreateSymbolicLink(path, "../nowhere/" + text.Replace('/', '_')); break;
            }
        }
        catch (IOException) { } // an earlier op removed the parent
    }
}
