using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Fleet;

/// <summary>Every recorded tree the fleet exports are checked on: the project's fixtures and the shared samples.</summary>
public static class FleetTrees
{
    public static TheoryData<string> All()
    {
        var data = new TheoryData<string>();
        foreach (var name in Trees.ProjectFixtureNames()) data.Add("fixtures/" + name);
        var samples = Path.Combine(Trees.SharedFixtures, "samples");
        if (Directory.Exists(samples))
            foreach (var f in Directory.EnumerateFiles(samples, "*.tar.gz").Order()) data.Add("samples/" + Path.GetFileName(f)[..^".tar.gz".Length]);
        return data;
    }

    public static string Unpacked(string tree) =>
        tree.StartsWith("fixtures/", StringComparison.Ordinal) ? Trees.Project(tree["fixtures/".Length..]) : Trees.Sample(tree["samples/".Length..]);

    /// <summary>The generated 8-socket tree of bench/gen-large-tree (8 DRAM nodes, 32 CXL RAM nodes), made once per run.</summary>
    public static string Large => LargeTree.Value;

    static readonly Lazy<string> LargeTree = new(() =>
    {
        var dir = Path.Combine(Scratch.Folder("hostmem-large-"), "tree");
        Trees.Run("python3", Path.Combine(Trees.RepoRoot, "bench", "gen-large-tree"), dir);
        return dir;
    });
}
