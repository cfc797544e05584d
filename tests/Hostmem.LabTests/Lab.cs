using Hostmem.Tests.Support;
using System.Text.RegularExpressions;

[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]

namespace Hostmem.LabTests;

/// <summary>What one lab/run invocation did: exit code, stdout, stderr, and the "lab-result:" facts.</summary>
public sealed record LabRun(int ExitCode, string StdOut, string StdErr, IReadOnlyDictionary<string, string> Results)
{
    public string Describe() => $"exit {ExitCode}\n--- stdout ---\n{StdOut}\n--- stderr ---\n{StdErr}";

    public string Result(string key) =>
        Results.TryGetValue(key, out var v) ? v : throw new Xunit.Sdk.XunitException($"no lab-result '{key}'\n{Describe()}");
}

/// <summary>Locates the repository and the lab's prerequisites, and runs lab/run.</summary>
public static class Lab
{
    public static readonly string RepoRoot = Trees.RepoRoot;
    public static string RunScript => Path.Combine(RepoRoot, "lab", "run");

    static readonly Lazy<string?> missing = new(FindMissing);

    /// <summary>Why the lab cannot run here, or null when it can.</summary>
    public static string? Missing => missing.Value;

    static string? FindMissing()
    {
        if (!OperatingSystem.IsLinux()) return "the lab needs Linux";
        var kernels = Directory.Exists("/boot") ? Directory.GetFiles("/boot", "vmlinuz-6.12.*") : [];
        if (kernels.Length == 0)
            return "no Linux 6.12 guest kernel (/boot/vmlinuz-6.12.*): run lab/install-deps (linux-image-amd64 from bookworm-backports)";
        var qemu = Which("qemu-system-x86_64");
        if (qemu == null) return "no qemu-system-x86_64: run lab/install-deps (QEMU 10 from bookworm-backports)";
        var (code, version, _) = Exec(qemu, ["--version"], TimeSpan.FromSeconds(20));
        var m = Regex.Match(version, @"version (\d+)\.(\d+)");
        if (code != 0 || !m.Success) return $"cannot read the version of {qemu}";
        var (major, minor) = (int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value));
        if (major < 9 || major == 9 && minor < 2)
            return $"{qemu} is QEMU {major}.{minor}; the lab needs QEMU >= 9.2 (lab/install-deps installs QEMU 10 from bookworm-backports)";
        if (!File.Exists("/bin/busybox")) return "no /bin/busybox: run lab/install-deps (busybox-static)";
        if (Which("cpio") == null) return "no cpio: run lab/install-deps";
        return null;
    }

    static string? Which(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':')
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    /// <summary>Runs lab/run with ARGS (never installing anything) and collects its output.</summary>
    public static LabRun Run(IEnumerable<string> args, TimeSpan? limit = null)
    {
        var all = new List<string> { "--no-install" };
        all.AddRange(args);
        var (code, stdout, stderr) = Exec(RunScript, all, limit ?? TimeSpan.FromMinutes(8), RepoRoot);
        var results = new Dictionary<string, string>();
        foreach (var line in stdout.Split('\n'))
        {
            var m = Regex.Match(line, @"^lab-result: ([^=]+)=(.*)$");
            if (m.Success) results[m.Groups[1].Value] = m.Groups[2].Value.TrimEnd();
        }
        return new LabRun(code, stdout, stderr, results);
    }

    public static (int Code, string StdOut, string StdErr) Exec(string file, IEnumerable<string> args, TimeSpan limit, string? cwd = null) =>
        Tool.Run(file, args, limit, cwd);

    /// <summary>A fresh temporary folder, so a test never overwrites the committed fixtures.</summary>
    public static string TempDir() => Scratch.Folder("hostmem-lab-");

    /// <summary>The entries of a .tar.gz (via tar, which the lab needs anyway).</summary>
    public static string[] TarList(string archive)
    {
        var (code, stdout, stderr) = Exec("tar", ["-tzf", archive], TimeSpan.FromMinutes(1));
        Assert.True(code == 0, $"tar -tzf {archive}: {stderr}");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public static string TarRead(string archive, string member)
    {
        var (code, stdout, stderr) = Exec("tar", ["-xzOf", archive, member], TimeSpan.FromMinutes(1));
        Assert.True(code == 0, $"tar -xzOf {archive} {member}: {stderr}");
        return stdout;
    }
}

/// <summary>A test that boots guests: skipped, with the reason, when QEMU 10 or the 6.12 kernel is absent.</summary>
public sealed class LabFactAttribute : FactAttribute
{
    public LabFactAttribute()
    {
        Skip = Prerequisites.Skip(Lab.Missing is { } why ? "lab prerequisites missing: " + why : null);
    }
}

/// <summary>A guest test that only runs with HOSTMEM_LAB_ALL=1 (every scenario; too slow for every CI run). That skip is a
/// mode, not a missing prerequisite: it is not recorded, CI runs the lab's scenarios through the other lab tests.</summary>
public sealed class LabAllTheoryAttribute : TheoryAttribute
{
    public LabAllTheoryAttribute()
    {
        if (Environment.GetEnvironmentVariable("HOSTMEM_LAB_ALL") != "1")
            Skip = "set HOSTMEM_LAB_ALL=1 to boot every lab scenario (several minutes)";
        else Skip = Prerequisites.Skip(Lab.Missing is { } why ? "lab prerequisites missing: " + why : null);
    }
}

/// <summary>A guest theory: skipped, with the reason, when QEMU 10 or the 6.12 kernel is absent.</summary>
public sealed class LabTheoryAttribute : TheoryAttribute
{
    public LabTheoryAttribute()
    {
        Skip = Prerequisites.Skip(Lab.Missing is { } why ? "lab prerequisites missing: " + why : null);
    }
}
