using System.Globalization;

namespace Hostmem.Sysfs;

/// <summary>A process that maps one of the files asked about (a line of its <c>/proc/PID/maps</c>).</summary>
public sealed record MappedFile(string Path, int Pid, string Command);

/// <summary>
/// Which running processes map given files (devdax devices, say), from <c>proc/*/maps</c> beside the sysfs root: the
/// kernel prints a mapping's file path at the end of each line. Processes whose maps cannot be read (another user's,
/// without root) or that end meanwhile are passed over quietly: this is a check, not the topology.
/// </summary>
public static class ProcessMaps
{
    public static IReadOnlyList<MappedFile> Find(SysfsTree tree, IReadOnlySet<string> paths)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(paths);
        var found = new List<MappedFile>();
        if (tree.ProcRoot is null || paths.Count == 0) return found;
        foreach (var entry in tree.List(tree.ProcRoot))
        {
            if (!int.TryParse(entry, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) || pid == Environment.ProcessId) continue;
            var maps = tree.TryReadPrivileged(Path.Combine(tree.ProcRoot, entry, "maps"));
            if (maps is null) continue;
            foreach (var path in MappedPaths(System.Text.Encoding.UTF8.GetString(maps)).Where(paths.Contains).Distinct())
                found.Add(new MappedFile(path, pid, Command(tree, entry)));
        }
        return found;
    }

    /// <summary>The file path of each line (the sixth field, which may hold spaces); anonymous mappings have none.</summary>
    static IEnumerable<string> MappedPaths(string maps)
    {
        foreach (var line in maps.Split('\n'))
        {
            int slash = line.IndexOf(" /", StringComparison.Ordinal);
            if (slash >= 0) yield return line[(slash + 1)..].TrimEnd();
        }
    }

    static string Command(SysfsTree tree, string pid) =>
        tree.TryReadPrivileged(Path.Combine(tree.ProcRoot!, pid, "comm")) is { } comm ? System.Text.Encoding.UTF8.GetString(comm).Trim() : "?";
}
