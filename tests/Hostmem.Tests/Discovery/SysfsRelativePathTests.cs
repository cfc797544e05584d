using CsCheck;
using Hostmem.Sysfs;
using Xunit;

namespace Hostmem.Tests.Discovery;

/// <summary>The reference is the framework's Path.GetRelativePath, which SysfsTree.Relative answers for without it
/// whenever a path is the root, '/' and plain names.</summary>
public class SysfsRelativePathTests
{
    static readonly Gen<string> Segment = Gen.OneOf(Gen.OneOfConst("", ".", "..", "sys", "node0", ".hidden", "a..b", "ACPI0017:00", "é"),
        Gen.String[Gen.Char["abc0./"], 1, 6]);

    static readonly Gen<string> AbsolutePath = Segment.Array[0, 6].Select(s => "/" + string.Join('/', s));

    [Fact]
    public void Relative_paths_are_what_GetRelativePath_gives()
    {
        Gen.Select(AbsolutePath, Segment.Array[0, 5], Gen.Bool).Sample((root, below, trailing) =>
        {
            var path = root.TrimEnd('/') + "/" + string.Join('/', below) + (trailing ? "/" : "");
            Assert.Equal(Path.GetRelativePath(root, path), SysfsTree.Relative(root, path));
            Assert.Equal(Path.GetRelativePath(root, root), SysfsTree.Relative(root, root));
            Assert.Equal(Path.GetRelativePath(path, root), SysfsTree.Relative(path, root));
        }, iter: 5000);
    }

    [Fact]
    public void A_recorded_trees_own_paths_take_the_prefix_answer()
    {
        Assert.Equal("devices/system/node/node0", SysfsTree.Relative("/tmp/t/sys", "/tmp/t/sys/devices/system/node/node0"));
        Assert.Equal("devices/system/node/node0", SysfsTree.Relative("/tmp/t/sys/", "/tmp/t/sys/devices/system/node/node0"));
        Assert.Equal("../proc/meminfo", SysfsTree.Relative("/tmp/t/sys", "/tmp/t/proc/meminfo"));
    }
}
