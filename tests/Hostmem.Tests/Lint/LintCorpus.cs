using System.Diagnostics;
using Hostmem.Classification;
using Hostmem.Discovery;
using Hostmem.Lint;
using Hostmem.Planning;
using Hostmem.Qemu;
using Hostmem.Sysfs;
using Hostmem.Tests.Support;

namespace Hostmem.Tests.Lint;

public enum QemuExpectation { Accepts, Rejects, Skip }

/// <summary>One command line of tests/Hostmem.Tests/Lint/corpus (see its README.md for the header).</summary>
public sealed record CorpusEntry(string Name, IReadOnlyList<string> Expect, string Host, string? Cpus, string? Mems,
    IReadOnlyList<(string Path, string Text)> Edits, QemuExpectation Qemu, string? QemuSays, IReadOnlyList<string> Argv, string? Figures = null)
{
    public override string ToString() => Name; // the theory row's name

    public bool NeedsSharedFixtures => Host.StartsWith("hwloc/", StringComparison.Ordinal);

    public IReadOnlyList<LintFinding> Lint()
    {
        var (host, options) = LintCorpus.HostFor(this);
        return QemuLinter.Lint(QemuCommandLine.Parse(Argv), host, options);
    }
}

public static class LintCorpus
{
    public static string Folder => Path.Combine(Trees.RepoRoot, "tests", "Hostmem.Tests", "Lint", "corpus");

    static readonly Lazy<IReadOnlyList<CorpusEntry>> Loaded = new(() =>
        [.. Directory.EnumerateFiles(Folder, "*.qemu").Order(StringComparer.Ordinal).Select(Load)]);

    public static IReadOnlyList<CorpusEntry> All => Loaded.Value;

    public static CorpusEntry Load(string path)
    {
        var header = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var body = new List<string>();
        foreach (var line in File.ReadAllLines(path))
        {
            if (body.Count == 0 && line.StartsWith('#'))
            {
                int colon = line.IndexOf(':');
                string key = line[1..colon].Trim(), value = line[(colon + 1)..].Trim();
                (header.TryGetValue(key, out var list) ? list : header[key] = []).Add(value);
            }
            else body.Add(line);
        }
        string One(string key, string fallback) => header.TryGetValue(key, out var v) ? v[0] : fallback;
        var expect = One("expect", "") is "clean" ? [] : One("expect", "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var qemu = One("qemu", "skip") switch
        {
            "accepts" => QemuExpectation.Accepts,
            "rejects" => QemuExpectation.Rejects,
            var s when s.StartsWith("skip", StringComparison.Ordinal) => QemuExpectation.Skip,
            var s => throw new FormatException($"{path}: qemu: {s}"),
        };
        var edits = header.TryGetValue("host-edit", out var e)
            ? e.Select(x => (x[..x.IndexOf('=')], x[(x.IndexOf('=') + 1)..])).ToList() : [];
        return new CorpusEntry(Path.GetFileName(path), expect, One("host", "none"), header.GetValueOrDefault("cpus")?[0],
            header.GetValueOrDefault("mems")?[0], edits, qemu, header.GetValueOrDefault("qemu-says")?[0],
            ShellWords.Split(string.Join('\n', body)), header.GetValueOrDefault("figures")?[0]);
    }

    /// <summary>The host an entry is linted against, and QEMU's CPUs and cpuset there.</summary>
    public static (ClassifiedHost? Host, PlanOptions Options) HostFor(CorpusEntry e)
    {
        IReadOnlyList<int>? cpus = e.Cpus is null ? null : CpuList.TryParse(e.Cpus);
        IReadOnlyList<int>? mems = e.Mems is null ? null : CpuList.TryParse(e.Mems);
        if (e.Host == "none") return (null, new PlanOptions(cpus, "corpus", mems));
        string root = e.Host switch
        {
            "live" => "/sys",
            var h when h.StartsWith("hwloc/", StringComparison.Ordinal) => Trees.Hwloc(h["hwloc/".Length..]),
            var h => Trees.Project(h),
        };
        if (e.Edits.Count > 0)
        {
            root = Trees.CopyOf(root);
            foreach (var (path, text) in e.Edits)
            {
                string file = Path.Combine(root, path);
                File.Delete(file); // recorded files are read-only
                File.WriteAllText(file, text + "\n");
            }
        }
        var tree = SysfsTree.Open(root);
        var affinity = e.Host == "live" ? ProcessAffinity.Parse(File.ReadAllText("/proc/self/status")) : ProcessAffinity.Read(tree);
        var options = affinity with { Cpus = cpus ?? affinity.Cpus, CpusSource = cpus is null ? affinity.CpusSource : "corpus", MemsAllowed = mems ?? affinity.MemsAllowed };
        var host = ClassifiedHost.From(TopologyReader.Read(tree));
        // lint --figures: a probe file of tests/Hostmem.Tests/Probe/data, read against the host as the CLI reads it.
        if (e.Figures is { } figures)
            options = options with { Measured = Hostmem.Probe.MeasuredFigures.Load(Path.Combine(Trees.RepoRoot, "tests", "Hostmem.Tests", "Probe", "data", figures), host.Host) };
        return (host, options);
    }

    /// <summary>Starts the real QEMU 10 paused with the entry's arguments (TCG unless the line asks for KVM, then TCG as
    /// fallback), asks it to quit over QMP: whether it started, and what it said on stderr.</summary>
    public static (bool Started, string Stderr) RunQemu(IReadOnlyList<string> argv)
    {
        // The launcher adds -accel tcg after the line's own: after any -accel kvm it is the fallback where there is no KVM.
        var (code, answered, _, stderr) = QmpStdio.Ask(Hostmem.Tests.Qemu.QemuFactAttribute.Binary, argv.Skip(1));
        return (code == 0 && answered, stderr);
    }
}
