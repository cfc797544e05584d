using System.Globalization;
using Hostmem.Sysfs;

namespace Hostmem.Probe;

/// <summary>One CPU cache instance as sysfs shows it (cpuN/cache/indexM: level, type, size, shared_cpu_list).</summary>
public sealed record CpuCache(int Level, string Type, ulong SizeBytes, IReadOnlyList<int> SharedCpus);

/// <summary>
/// The CPU caches from /sys/devices/system/cpu/cpu*/cache (drivers/base/cacheinfo.c). Virtual machines often publish
/// none; then the caller says so rather than guess.
/// </summary>
public static class CpuCaches
{
    /// <summary>The data and unified caches of <paramref name="cpus"/>, each instance once (a shared L3 is listed by every
    /// CPU that shares it).</summary>
    public static IReadOnlyList<CpuCache> Read(SysfsTree tree, IEnumerable<int> cpus)
    {
        var seen = new HashSet<(int, string)>();
        var result = new List<CpuCache>();
        foreach (var cpu in cpus)
        {
            var dir = tree.Sys($"devices/system/cpu/cpu{cpu.ToString(CultureInfo.InvariantCulture)}/cache");
            foreach (var index in tree.List(dir).Where(n => n.StartsWith("index", StringComparison.Ordinal)))
            {
                var d = Path.Combine(dir, index);
                var type = tree.ReadText(Path.Combine(d, "type"));
                if (type is not ("Data" or "Unified")) continue;
                if (tree.ReadUInt(Path.Combine(d, "level")) is not { } level || ParseSize(tree.ReadText(Path.Combine(d, "size"))) is not { } size)
                    continue;
                var shared = tree.ReadText(Path.Combine(d, "shared_cpu_list")) is { } s && CpuList.TryParse(s) is { Count: > 0 } list ? list : [cpu];
                if (seen.Add(((int)level, CpuList.Format(shared))))
                    result.Add(new CpuCache((int)level, type, size, shared));
            }
        }
        return result;
    }

    /// <summary>The last level's total over <paramref name="cpus"/>: every instance of the highest level, summed (two L3s of
    /// 32 MiB serving the node hold 64 MiB between them); null when sysfs shows no caches.</summary>
    public static ulong? LastLevelBytes(SysfsTree tree, IEnumerable<int> cpus)
    {
        var caches = Read(tree, cpus);
        if (caches.Count == 0) return null;
        var top = caches.Max(c => c.Level);
        return caches.Where(c => c.Level == top).Aggregate(0UL, (sum, c) => sum + c.SizeBytes);
    }

    /// <summary>cacheinfo's size file: a number of KiB with a K suffix ("16384K").</summary>
    static ulong? ParseSize(string? text)
    {
        if (text is null) return null;
        var t = text.Trim();
        var shift = t.EndsWith('K') ? 10 : t.EndsWith('M') ? 20 : 0;
        if (shift > 0) t = t[..^1];
        return ulong.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n << shift : null;
    }
}
