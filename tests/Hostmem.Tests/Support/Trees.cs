using System.Collections.Concurrent;

namespace Hostmem.Tests.Support;

/// <summary>
/// Recorded sysfs trees for tests: the project's own (tests/fixtures/*.tar.gz, made by lab/run), the two
/// samples in ../shared/fixtures/samples, and hwloc's test-suite trees in ../shared/fixtures/hwloc (used
/// from there, never copied). Each archive is unpacked once per test run into a private folder.
/// </summary>
public static class Trees
{
    private static readonly ConcurrentDictionary<string, string> Extracted = new();

    public static string RepoRoot { get; } = FindRepoRoot();
    public static string SharedFixtures => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "fixtures"));
    public static string ProjectFixtures => Path.Combine(RepoRoot, "tests", "fixtures");

    public static string Project(string name) => Unpack(Archive(name));
    public static string Sample(string name) => Unpack(Path.Combine(SharedFixtures, "samples", name + ".tar.gz"));
    public static string Hwloc(string name) => Unpack(Path.Combine(SharedFixtures, "hwloc", name + ".tar.bz2"));

    /// <summary>A recorded tree's archive, as users pass it to --sysfs (tests/fixtures/NAME.tar.gz).</summary>
    public static string Archive(string name) => Path.Combine(ProjectFixtures, name + ".tar.gz");

    public static bool HasProject(string name) => File.Exists(Archive(name));
    public static bool HasShared(string sub) => Directory.Exists(Path.Combine(SharedFixtures, sub));

    public static IEnumerable<string> ProjectFixtureNames() =>
        Directory.Exists(ProjectFixtures)
            ? Directory.EnumerateFiles(ProjectFixtures, "*.tar.gz").Select(f => Path.GetFileName(f)[..^".tar.gz".Length]).Order()
            : [];

    /// <summary>A private writable copy of a tree, for tests that damage it.</summary>
    public static string CopyOf(string tree)
    {
        var dest = Scratch.Folder("hostmem-test-copy-");
        Run("cp", "-a", tree + "/.", dest);
        return dest;
    }

    /// <summary>hwloc's archives hold one top folder (the machine's name); the tree is inside it.</summary>
    private static string Unpack(string archive) => Extracted.GetOrAdd(archive, a =>
    {
        if (!File.Exists(a)) throw new FileNotFoundException($"fixture {a} is missing");
        var dest = Scratch.Folder("hostmem-test-tree-");
        Run("tar", "-xf", a, "-C", dest);
        var entries = Directory.GetFileSystemEntries(dest);
        if (entries.Length == 1 && Directory.Exists(entries[0]) && !Directory.Exists(Path.Combine(dest, "sys")))
            return entries[0];
        return dest;
    });

    public static string Run(string file, params string[] args) => Tool.Output(file, args);

    public static string RunIn(string? workingDirectory, string file, params string[] args) => Tool.OutputIn(workingDirectory, file, args);

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Hostmem.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("cannot find the repository root (Hostmem.slnx)");
    }
}
