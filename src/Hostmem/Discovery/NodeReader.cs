using System.Globalization;
using Hostmem.Sysfs;
using Hostmem.Topology;

namespace Hostmem.Discovery;

/// <summary>Reads /sys/devices/system/node and the memory blocks and tiers that refer to nodes.</summary>
internal static class NodeReader
{
    public static IReadOnlyList<NumaNode> Read(SysfsTree fs)
    {
        var nodeDir = fs.Sys("devices/system/node");
        var online = ReadList(fs, Path.Combine(nodeDir, "online"));
        var ids = fs.List(nodeDir)
            .Where(n => n.StartsWith("node", StringComparison.Ordinal))
            .Select(n => int.TryParse(n.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : -1)
            .Where(id => id >= 0)
            .Order()
            .ToList();
        // Distances are listed in online-node order; fall back to the folders present.
        var distanceOrder = online ?? ids;
        var blockSize = fs.ReadHex(fs.Sys("devices/system/memory/block_size_bytes"));
        var nodes = new List<NumaNode>(ids.Count);
        foreach (var id in ids)
        {
            var dir = Path.Combine(nodeDir, "node" + id.ToString(CultureInfo.InvariantCulture));
            var (total, free) = ReadMeminfo(fs, Path.Combine(dir, "meminfo"));
            nodes.Add(new NumaNode
            {
                Id = id,
                Online = online?.Contains(id) ?? true,
                Cpus = ReadCpus(fs, dir),
                MemTotalBytes = total,
                MemFreeBytes = free,
                Distances = ReadDistances(fs, Path.Combine(dir, "distance"), distanceOrder),
                Access0 = ReadAccess(fs, dir, "access0"),
                Access1 = ReadAccess(fs, dir, "access1"),
                MemorySideCaches = ReadCaches(fs, Path.Combine(dir, "memory_side_cache")),
                MemoryRanges = ReadMemoryRanges(fs, dir, blockSize),
                HugePages = HugePageReader.Read(fs, dir),
            });
        }
        return nodes;
    }

    /// <summary>cpulist, or on kernels older than 2.6.26 only cpumap (a hex mask).</summary>
    private static IReadOnlyList<int> ReadCpus(SysfsTree fs, string nodeDir)
    {
        var list = Path.Combine(nodeDir, "cpulist");
        if (fs.Exists(list)) return ReadList(fs, list) ?? [];
        var map = Path.Combine(nodeDir, "cpumap");
        var text = fs.ReadText(map);
        if (text is null) return [];
        var cpus = CpuList.TryParseMask(text);
        if (cpus is null) fs.Note(map, "expected a hex CPU mask");
        return cpus ?? [];
    }

    public static IReadOnlyList<int>? ReadList(SysfsTree fs, string path)
    {
        var text = fs.ReadText(path);
        if (text is null) return null;
        var list = CpuList.TryParse(text);
        if (list is null) fs.Note(path, $"expected a list like 0-3,8, found '{(text.Length > 40 ? text[..40] : text)}'");
        return list;
    }

    /// <summary>The next whitespace-separated word of <paramref name="rest"/> (as string.Split(null) cuts them), and the rest after it.</summary>
    private static bool Word(ref ReadOnlySpan<char> rest, out ReadOnlySpan<char> word)
    {
        rest = rest.TrimStart();
        int end = 0;
        while (end < rest.Length && !char.IsWhiteSpace(rest[end])) end++;
        word = rest[..end];
        rest = rest[end..];
        return end > 0;
    }

    private static (ulong? Total, ulong? Free) ReadMeminfo(SysfsTree fs, string path)
    {
        var text = fs.ReadText(path);
        if (text is null) return (null, null);
        ulong? total = null, free = null;
        foreach (var range in text.AsSpan().Split('\n'))
        {
            // "Node 0 MemTotal:       1048576 kB": the third word names the figure, the fourth is its kB
            var line = text.AsSpan(range);
            if (!Word(ref line, out _) || !Word(ref line, out _) || !Word(ref line, out var name) || !Word(ref line, out var value)) continue;
            if (!ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var kb)) continue;
            if (name.SequenceEqual("MemTotal:")) total = kb * 1024;
            else if (name.SequenceEqual("MemFree:")) free = kb * 1024;
        }
        if (total is null) fs.Note(path, "no MemTotal line");
        return (total, free);
    }

    private static Dictionary<int, int> ReadDistances(SysfsTree fs, string path, IReadOnlyList<int> order)
    {
        var result = new Dictionary<int, int>();
        var text = fs.ReadText(path);
        if (text is null) return result;
        var values = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (values.Length != order.Count)
        {
            fs.Note(path, $"{values.Length} distances for {order.Count} online nodes");
            return result;
        }
        for (var i = 0; i < values.Length; i++)
        {
            if (!int.TryParse(values[i], NumberStyles.None, CultureInfo.InvariantCulture, out var d))
            {
                fs.Note(path, $"expected numbers, found '{values[i]}'");
                return [];
            }
            result[order[i]] = d;
        }
        return result;
    }

    private static AccessCoordinates? ReadAccess(SysfsTree fs, string nodeDir, string accessClass)
    {
        var dir = Path.Combine(nodeDir, accessClass, "initiators");
        if (!Directory.Exists(dir)) return null;
        var names = fs.List(dir);
        var initiators = names
            .Where(n => n.StartsWith("node", StringComparison.Ordinal))
            .Select(n => int.TryParse(n.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : -1)
            .Where(id => id >= 0)
            .Order()
            .ToList();
        var figures = ReadFigures(fs, dir, accessClass) with { Initiators = initiators };
        // Firmware that lists memory-side caches but no locality data makes the kernel show all zeros:
        // that is "no figures", not four broken ones (hwloc ignores them too).
        return figures is { ReadLatencyNs: 0, WriteLatencyNs: 0, ReadBandwidthMBps: 0, WriteBandwidthMBps: 0 } ? null : figures;
    }

    /// <summary>The four HMAT files; a node's access folder and a CXL region's access folder share them.</summary>
    public static AccessCoordinates ReadFigures(SysfsTree fs, string dir, string accessClass) => new()
    {
        Class = accessClass,
        ReadLatencyNs = fs.ReadUInt(Path.Combine(dir, "read_latency")),
        WriteLatencyNs = fs.ReadUInt(Path.Combine(dir, "write_latency")),
        ReadBandwidthMBps = fs.ReadUInt(Path.Combine(dir, "read_bandwidth")),
        WriteBandwidthMBps = fs.ReadUInt(Path.Combine(dir, "write_bandwidth")),
        Source = fs.Show(dir),
    };

    private static List<MemorySideCache> ReadCaches(SysfsTree fs, string dir)
    {
        var caches = new List<MemorySideCache>();
        foreach (var name in fs.List(dir))
        {
            if (!name.StartsWith("index", StringComparison.Ordinal)) continue;
            if (!int.TryParse(name.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var level)) continue;
            var idx = Path.Combine(dir, name);
            var size = fs.ReadUInt(Path.Combine(idx, "size"));
            if (size is null) continue;
            caches.Add(new MemorySideCache(level, size.Value, fs.ReadUInt(Path.Combine(idx, "line_size")),
                Describe(fs.ReadText(Path.Combine(idx, "indexing")), "direct-mapped", "complex"),
                Describe(fs.ReadText(Path.Combine(idx, "write_policy")), "write-back", "write-through")));
        }
        return caches;
    }

    // The kernel prints the HMAT enum value: indexing 0 = direct-mapped, 1 = complex (2 = none in newer kernels);
    // write_policy 0 = write-back, 1 = write-through.
    private static string? Describe(string? raw, string zero, string one) => raw switch
    {
        null => null,
        "0" => zero,
        "1" => one,
        _ => raw,
    };

    private static List<AddressRange> ReadMemoryRanges(SysfsTree fs, string nodeDir, ulong? blockSize)
    {
        var ranges = new List<AddressRange>();
        if (blockSize is null or 0) return ranges;
        var blocks = new List<ulong>();
        foreach (var name in fs.List(nodeDir))
        {
            if (!name.StartsWith("memory", StringComparison.Ordinal) || name.Length == 6 || !char.IsAsciiDigit(name[6])) continue;
            if (ulong.TryParse(name.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                blocks.Add(index);
        }
        blocks.Sort();
        // Merge consecutive blocks into ranges; memoryN covers [N*size, (N+1)*size).
        for (var i = 0; i < blocks.Count; i++)
        {
            var first = blocks[i];
            while (i + 1 < blocks.Count && blocks[i + 1] == blocks[i] + 1) i++;
            ranges.Add(new AddressRange(first * blockSize.Value, (blocks[i] + 1) * blockSize.Value - 1));
        }
        return ranges;
    }

    /// <summary>memory_tierN/nodelist for each tier; tiers are sorted fastest first.</summary>
    public static IReadOnlyList<MemoryTier> ReadTiers(SysfsTree fs, out bool hasTiering)
    {
        var dir = fs.Sys("devices/virtual/memory_tiering");
        hasTiering = Directory.Exists(dir);
        var tiers = new List<MemoryTier>();
        foreach (var name in fs.List(dir))
        {
            if (!name.StartsWith("memory_tier", StringComparison.Ordinal)) continue;
            if (!int.TryParse(name.AsSpan(11), NumberStyles.None, CultureInfo.InvariantCulture, out var id)) continue;
            var nodes = ReadList(fs, Path.Combine(dir, name, "nodelist"));
            if (nodes is not null) tiers.Add(new MemoryTier(id, nodes));
        }
        return [.. tiers.OrderBy(t => t.Id)];
    }
}
