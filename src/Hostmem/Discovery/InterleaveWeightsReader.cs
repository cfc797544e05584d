using System.Globalization;
using Hostmem.Sysfs;
using Hostmem.Topology;

namespace Hostmem.Discovery;

/// <summary>Reads kernel/mm/mempolicy/weighted_interleave/ (nodeN, auto); null when the kernel has no weighted interleave.</summary>
internal static class InterleaveWeightsReader
{
    public static InterleaveWeights? Read(SysfsTree fs)
    {
        var dir = fs.Sys("kernel/mm/mempolicy/weighted_interleave");
        if (!Directory.Exists(dir)) return null;
        var weights = new SortedDictionary<int, int>();
        foreach (var name in fs.List(dir))
        {
            if (!name.StartsWith("node", StringComparison.Ordinal)
                || !int.TryParse(name.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out int node)) continue;
            if (fs.ReadUInt(Path.Combine(dir, name)) is { } w && w <= 255) weights[node] = (int)w;
        }
        bool? auto = fs.ReadText(Path.Combine(dir, "auto")) switch
        {
            "true" => true,
            "false" => false,
            _ => null,
        };
        return new InterleaveWeights(weights, auto);
    }
}
