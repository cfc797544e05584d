using System.Globalization;
using Hostmem.Sysfs;
using Hostmem.Topology;

namespace Hostmem.Discovery;

/// <summary>Reads a node's huge page pools: nodeN/hugepages/hugepages-SIZEkB/{nr,free}_hugepages (Documentation/admin-guide/mm/hugetlbpage.rst).</summary>
internal static class HugePageReader
{
    public static IReadOnlyList<HugePagePool> Read(SysfsTree fs, string nodeDir)
    {
        var dir = Path.Combine(nodeDir, "hugepages");
        var pools = new List<HugePagePool>();
        foreach (var name in fs.List(dir))
        {
            // "hugepages-2048kB"
            if (!name.StartsWith("hugepages-", StringComparison.Ordinal) || !name.EndsWith("kB", StringComparison.Ordinal)) continue;
            if (!ulong.TryParse(name.AsSpan(10, name.Length - 12), NumberStyles.None, CultureInfo.InvariantCulture, out var kb) || kb == 0) continue;
            var pool = Path.Combine(dir, name);
            pools.Add(new HugePagePool(kb * 1024, fs.ReadUInt(Path.Combine(pool, "nr_hugepages")), fs.ReadUInt(Path.Combine(pool, "free_hugepages"))));
        }
        return [.. pools.OrderBy(p => p.PageSizeBytes)];
    }
}
