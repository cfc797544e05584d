using System.Globalization;
using Hostmem.Cli.Output;
using Hostmem.Export;
using Hostmem.Topology;

namespace Hostmem.Cli;

/// <summary>The terminal rendering of a probe: MLC-style matrices (initiator rows, target columns), then each pair's
/// details with the firmware's figures and the ratio.</summary>
public static class ProbeTable
{
    public static void Write(Terminal t, ProbeReport r)
    {
        var w = t.Writer;
        Matrix(t, r, "Idle read latency (ns)", m => F(m.ReadLatencyNs, "0.0"));
        Matrix(t, r, "Read bandwidth (MB/s = 2^20 B/s, vector loads)", m => F(m.ReadBandwidthMbps, "0"));
        Matrix(t, r, "Write bandwidth (MB/s = 2^20 B/s, non-temporal stores)", m => F(m.WriteBandwidthMbps, "0"));

        if (r.Measurements.Count > 0)
        {
            var details = new Table("INITIATOR", "TARGET", "THREADS", "BUFFER", "HUGE PAGES", "HMAT LAT r ns", "HMAT BW r/w MB/s", "RATIO lat/rd/wr");
            foreach (var m in r.Measurements)
                details.Add($"node{m.InitiatorNode}", $"node{m.TargetNode}", N(m.Threads),
                    Bytes.Format(m.BufferBytes) + (m.LlcAssumed ? " (LLC assumed)" : ""),
                    m.HugePageBytes is { } h ? $"{100.0 * h / m.BufferBytes:0}%" : "?",
                    m.HmatReadLatencyNs is { } l ? N(l) : "-",
                    m.HmatSource is null ? "-" : $"{Opt(m.HmatReadBandwidthMbps)}/{Opt(m.HmatWriteBandwidthMbps)}",
                    m.HmatSource is null ? "-" : $"{Opt(m.ReadLatencyRatio)}/{Opt(m.ReadBandwidthRatio)}/{Opt(m.WriteBandwidthRatio)}");
            details.Write(t);
        }
        foreach (var x in r.Refusals) w.WriteLine(t.Yellow($"node{x.InitiatorNode} -> node{x.TargetNode}: not measured: {x.Reason}"));
        w.WriteLine();
        w.WriteLine(t.Dim($"mode {r.Method.Mode}, {r.Method.VectorBits}-bit vectors; write latency {r.Method.WriteLatency}"));
        if (r.Measurements.Any(m => m.LlcAssumed))
            w.WriteLine(t.Dim("sysfs shows no CPU caches: the buffer assumes a 64 MiB last-level cache (give --buffer to change it)"));
        if (r.Measurements.All(m => m.HmatSource is null) && r.Measurements.Count > 0)
            w.WriteLine(t.Dim("the host's firmware gives no HMAT figures for these pairs (or they are root-only): nothing to compare"));
    }

    static void Matrix(Terminal t, ProbeReport r, string title, Func<ProbeMeasurementReport, string> cell)
    {
        var initiators = r.Measurements.Select(m => m.InitiatorNode).Concat(r.Refusals.Select(x => x.InitiatorNode)).Distinct().Order().ToList();
        var targets = r.Measurements.Select(m => m.TargetNode).Concat(r.Refusals.Select(x => x.TargetNode)).Distinct().Order().ToList();
        t.Writer.WriteLine(t.Bold(title));
        var table = new Table(["initiator \\ target", .. targets.Select(x => $"node{x}")]);
        foreach (var i in initiators)
            table.Add([$"node{i}", .. targets.Select(x => r.Measurements.FirstOrDefault(m => m.InitiatorNode == i && m.TargetNode == x) is { } m ? cell(m) : "-")]);
        table.Write(t);
        t.Writer.WriteLine();
    }

    static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
    static string N(long v) => v.ToString(CultureInfo.InvariantCulture);
    static string N(ulong v) => v.ToString(CultureInfo.InvariantCulture);
    static string Opt(ulong? v) => v?.ToString(CultureInfo.InvariantCulture) ?? "?";
    static string Opt(double? v) => v?.ToString("0.00", CultureInfo.InvariantCulture) ?? "?";
}
