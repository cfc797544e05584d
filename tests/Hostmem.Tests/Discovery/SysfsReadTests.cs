using Hostmem.Sysfs;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Discovery;

/// <summary>The libc fast paths (one read per small file, readdir listings) give what the managed APIs give.</summary>
public class SysfsReadTests
{
    private static (SysfsTree Tree, string Dir) Scratch()
    {
        var tree = Trees.CopyOf(Trees.Project("hmat-two-tier"));
        var dir = Path.Combine(tree, "sys", "scratch");
        Directory.CreateDirectory(dir);
        return (SysfsTree.Open(tree), dir);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4095)]
    [InlineData(4096)]
    [InlineData(4097)]
    [InlineData(70_000)]
    public void Files_of_every_size_around_a_page_are_read_whole(int size)
    {
        var (fs, dir) = Scratch();
        var text = string.Concat(Enumerable.Range(0, size).Select(i => (char)('a' + i % 26)));
        var path = Path.Combine(dir, "attr");
        File.WriteAllText(path, text);
        Assert.Equal(text, fs.ReadText(path));
        // A second, smaller read after a large one must not see the larger file's tail (the buffer is reused).
        File.WriteAllText(path + "2", "42\n");
        Assert.Equal("42", fs.ReadText(path + "2"));
    }

    [Fact]
    public void Listing_gives_files_folders_links_and_hidden_names_sorted_without_dots()
    {
        var (fs, dir) = Scratch();
        File.WriteAllText(Path.Combine(dir, "b"), "");
        Directory.CreateDirectory(Path.Combine(dir, "a"));
        File.CreateSymbolicLink(Path.Combine(dir, "memory7"), "a");
        File.CreateSymbolicLink(Path.Combine(dir, "dangling"), "nowhere");
        File.WriteAllText(Path.Combine(dir, ".hidden"), "");
        Assert.Equal([".hidden", "a", "b", "dangling", "memory7"], fs.List(dir));
        Assert.Equal(Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal), fs.List(dir));
    }

    [Fact]
    public void Absent_folders_and_files_list_empty_and_read_null()
    {
        var (fs, dir) = Scratch();
        File.WriteAllText(Path.Combine(dir, "file"), "x");
        Assert.Empty(fs.List(Path.Combine(dir, "missing")));
        Assert.Empty(fs.List(Path.Combine(dir, "file")));
        Assert.Null(fs.ReadText(Path.Combine(dir, "missing")));
        Assert.Empty(fs.Problems);
    }
}
