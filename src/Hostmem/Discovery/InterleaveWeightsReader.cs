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
        // Linux 6.16 named the file "auto"; kernels whose headers define auto as __auto_type (C23 type inference, Linux
        // 6.18 here: uname 6.18.44) stringify the attribute's name after that macro and show "__auto_type".
        var autoFile = new[] { "auto", "__auto_type" }.Select(n => Path.Combine(dir, n)).FirstOrDefault(File.Exists);
        bool? auto = (autoFile is null ? null : fs.ReadText(autoFile)) switch
        {
            "true" => true,
            "false" => false,
            _ => null,
        };
        return new InterleaveWeights(weights, auto);
    }
}
