using Hostmem.Qemu;

namespace Hostmem.Planning;

/// <summary>
/// The <c>-numa hmat-lb</c> tables for the guest nodes' figures: <c>access-</c> data types when every node's read and write
/// figures agree, else <c>read-</c> and <c>write-</c>; each table's values fitted into what QEMU can encode
/// (<see cref="HmatUnits.FitLatenciesNs"/>, <see cref="HmatUnits.FitBandwidthsMBps"/>).
/// </summary>
public sealed class HmatTables
{
    /// <summary>The data types written, latency tables first.</summary>
    public required IReadOnlyList<(string DataType, bool Latency)> Types { get; init; }
    /// <summary>The value of each (data type, guest node): ns or MB/s.</summary>
    public required IReadOnlyDictionary<(string DataType, int Node), ulong> Values { get; init; }
    /// <summary>What the guest kernel will read back for each node.</summary>
    public required IReadOnlyDictionary<int, MemoryPerformance> Written { get; init; }
    /// <summary>The values QEMU's encoding made hostmem round, one reason a line.</summary>
    public required IReadOnlyList<(int Node, string Why)> Rounded { get; init; }

    public static HmatTables Fit(IReadOnlyList<(int Node, MemoryPerformance Perf)> figures)
    {
        bool splitLat = figures.Any(f => f.Perf.ReadLatencyNs != f.Perf.WriteLatencyNs);
        bool splitBw = figures.Any(f => f.Perf.ReadBandwidthMBps != f.Perf.WriteBandwidthMBps);
        var tables = new List<(string Type, bool Latency, Func<MemoryPerformance, uint> Pick)>();
        if (splitLat) { tables.Add(("read-latency", true, p => p.ReadLatencyNs)); tables.Add(("write-latency", true, p => p.WriteLatencyNs)); }
        else tables.Add(("access-latency", true, p => p.ReadLatencyNs));
        if (splitBw) { tables.Add(("read-bandwidth", false, p => p.ReadBandwidthMBps)); tables.Add(("write-bandwidth", false, p => p.WriteBandwidthMBps)); }
        else tables.Add(("access-bandwidth", false, p => p.ReadBandwidthMBps));

        var values = new Dictionary<(string, int), ulong>();
        var rounded = new List<(int, string)>();
        foreach (var (type, latency, pick) in tables)
        {
            var raw = figures.Select(f => (ulong)pick(f.Perf)).ToList();
            // A 0 (firmware that gives only read figures) is no entry: only the others share the table.
            var given = raw.Where(v => v != 0).ToList();
            var fitted = new Queue<ulong>(latency ? HmatUnits.FitLatenciesNs(given) : HmatUnits.FitBandwidthsMBps(given));
            var fit = raw.Select(v => v == 0 ? 0 : fitted.Dequeue()).ToList();
            for (int i = 0; i < figures.Count; i++)
            {
                values[(type, figures[i].Node)] = fit[i];
                if (fit[i] != raw[i])
                    rounded.Add((figures[i].Node, $"{type} {raw[i]} {(latency ? "ns" : "MB/s")} rounded to {fit[i]} so QEMU can encode the table"));
            }
        }
        var written = new Dictionary<int, MemoryPerformance>();
        foreach (var (node, _) in figures)
        {
            uint Get(string a, string b) => (uint)(values.TryGetValue((a, node), out ulong v) ? v : values[(b, node)]);
            written[node] = new MemoryPerformance(Get("access-latency", "read-latency"), Get("access-latency", "write-latency"),
                Get("access-bandwidth", "read-bandwidth"), Get("access-bandwidth", "write-bandwidth"));
        }
        return new HmatTables { Types = [.. tables.Select(t => (t.Type, t.Latency))], Values = values, Written = written, Rounded = rounded };
    }
}
