using System.Globalization;

namespace Hostmem.Status;

/// <summary>
/// Reads one process's files under /proc (a root the tests may replace): cmdline, numa_maps, maps. Opening numa_maps
/// and maps needs the same right as ptrace-reading the process (same user, or root): a refusal is a <see cref="UserError"/>.
/// </summary>
public sealed class ProcessFiles(int pid, string procRoot = "/proc")
{
    public int Pid { get; } = pid;

    public string Folder => Path.Combine(procRoot, Pid.ToString(CultureInfo.InvariantCulture));

    /// <summary>Throws when there is no such process.</summary>
    public void MustExist()
    {
        if (Pid <= 0 || !Directory.Exists(Folder))
            throw new UserError($"no process {Pid}", "give the PID of a running QEMU (pgrep -a qemu-system lists them)");
    }

    /// <summary>argv, split at the NULs the kernel keeps between words.</summary>
    public IReadOnlyList<string> CommandLine()
    {
        var text = Read("cmdline");
        return text.TrimEnd('\0').Split('\0');
    }

    /// <summary>The State: field of status ("R (running)", "Z (zombie)"); null when it cannot be read.</summary>
    public string? State() => TryRead("status")?.Split('\n').FirstOrDefault(l => l.StartsWith("State:", StringComparison.Ordinal))?["State:".Length..].Trim();

    /// <summary>The process's name as the kernel keeps it (comm).</summary>
    public string Command() => TryRead("comm")?.Trim() ?? "?";

    /// <summary>The program file it runs (exe); null when not readable (another user's process, without root).</summary>
    public string? Executable()
    {
        try { return new FileInfo(Path.Combine(Folder, "exe")).LinkTarget; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    string? TryRead(string name)
    {
        try { return File.ReadAllText(Path.Combine(Folder, name)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    public IReadOnlyList<NumaMapping> ReadNumaMaps() => NumaMaps.Parse(Read("numa_maps"), $"{Folder}/numa_maps");

    /// <summary>Where each mapping ends, by its start (from maps: "start-end perms ..."). numa_maps has no end address.</summary>
    public IReadOnlyDictionary<ulong, ulong> MappingEnds()
    {
        var ends = new Dictionary<ulong, ulong>();
        foreach (var line in Read("maps").Split('\n'))
        {
            int dash = line.IndexOf('-');
            int space = line.IndexOf(' ');
            if (dash <= 0 || space < dash) continue;
            if (ulong.TryParse(line.AsSpan(0, dash), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var start)
                && ulong.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var end))
                ends[start] = end;
        }
        return ends;
    }

    /// <summary>A path as QEMU sees it: relative paths are relative to its working folder.</summary>
    public string ResolvePath(string path) => Path.IsPathRooted(path) ? path : Path.Combine(Folder, "cwd", path);

    string Read(string name)
    {
        var path = Path.Combine(Folder, name);
        try
        {
            return File.ReadAllText(path);
        }
        catch (UnauthorizedAccessException)
        {
            throw new UserError($"no permission to read {path}",
                "run hostmem status as the user that runs QEMU, or as root: it only reads that process's files (ptrace read access)");
        }
        catch (FileNotFoundException) when (name == "numa_maps" && Directory.Exists(Folder))
        {
            throw new UserError($"{path} does not exist: this kernel was built without NUMA support (CONFIG_NUMA)",
                "without NUMA every page is on the one memory node; status has nothing to show");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new UserError($"no process {Pid} (cannot read {path})", "give the PID of a running QEMU (pgrep -a qemu-system lists them)");
        }
        catch (IOException e)
        {
            throw new UserError($"cannot read {path}: {e.Message}", "check that the process still runs");
        }
    }
}
