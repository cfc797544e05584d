using System.Globalization;
using System.Text.Json;
using Hostmem.Export;
using Hostmem.Planning;
using Hostmem.Topology;

namespace Hostmem.Probe;

/// <summary>One measured initiator -> target pair as a plan uses it: the kernel's four u32 figures (write latency = read
/// latency, which the probe does not measure) and the measured values they were rounded from.</summary>
public sealed record MeasuredPair(int Initiator, int Target, MemoryPerformance Performance, double ReadLatencyNs, double ReadBandwidthMBps, double WriteBandwidthMBps)
{
    /// <summary>Always true for schema 1: the write latency is the read latency (ProbeReportBuilder.WriteLatencyMethod).</summary>
    public bool WriteLatencyFromRead => true;
}

/// <summary>
/// The one reader of a `hostmem probe` JSON file (--figures FILE): parsed into typed figures per (initiator, target) and
/// checked against the host it is used on. A file that is empty, not JSON, not a probe file, of another schema version,
/// or from a host with other node ids or another CPU count is a <see cref="UserError"/> with one line and a hint.
/// </summary>
public sealed class MeasuredFigures
{
    const long MaxFileBytes = 16 << 20; // a probe of 64 x 64 nodes is well under 1 MiB
    const string Remedy = "give the JSON that 'hostmem probe --output FILE' wrote on this host, or run 'hostmem probe' again";

    readonly Dictionary<(int, int), MeasuredPair> _pairs;

    public string Source { get; }
    public ProbeHostReport MeasuredOn { get; }
    public IReadOnlyList<MeasuredPair> Pairs { get; }

    /// <summary>The file was written on this very machine (same /etc/machine-id); false for a file from a sibling host of
    /// the same shape, which is allowed.</summary>
    public bool SameMachine { get; }

    MeasuredFigures(string source, ProbeHostReport on, IReadOnlyList<MeasuredPair> pairs, bool sameMachine)
    {
        (Source, MeasuredOn, Pairs, SameMachine) = (source, on, pairs, sameMachine);
        _pairs = pairs.ToDictionary(p => (p.Initiator, p.Target));
    }

    /// <summary>The figures from <paramref name="initiator"/>'s CPUs to <paramref name="target"/>'s memory; null when the
    /// file has none for that pair.</summary>
    public MeasuredPair? For(int initiator, int target) => _pairs.GetValueOrDefault((initiator, target));

    public static MeasuredFigures Load(string path, HostTopology host, string? machineId = null) =>
        Parse(ReadFile(path), path, host, machineId);

    /// <summary>Parses and validates the text of a probe file; <paramref name="source"/> names it in errors.</summary>
    public static MeasuredFigures Parse(string text, string source, HostTopology host, string? machineId = null)
    {
        if (string.IsNullOrWhiteSpace(text)) throw Bad(source, "is empty");
        CheckSchema(text, source);
        ProbeReport report;
        try
        {
            report = JsonSerializer.Deserialize(text, ProbeJson.Default.ProbeReport) ?? throw Bad(source, "holds null, not a probe report");
        }
        catch (JsonException e)
        {
            throw Bad(source, $"is not a valid probe file: {OneLine(e.Message)}");
        }
        CheckHost(report.Host, source, host);
        var pairs = new List<MeasuredPair>();
        foreach (var m in report.Measurements)
        {
            CheckPair(m, source, host);
            if (pairs.Any(p => p.Initiator == m.InitiatorNode && p.Target == m.TargetNode))
                throw Bad(source, $"measures node{m.InitiatorNode} -> node{m.TargetNode} twice");
            pairs.Add(ToPair(m));
        }
        if (pairs.Count == 0) throw Bad(source, "has no measurements (every pair was refused when it was made)");
        return new MeasuredFigures(source, report.Host, pairs, machineId is not null && report.Host.MachineId == machineId);
    }

    static string ReadFile(string path)
    {
        if (Directory.Exists(path)) throw Bad(path, "is a directory");
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) throw new UserError($"--figures {path}: no such file", Remedy);
            if (info.Length > MaxFileBytes) throw Bad(path, $"is {info.Length} bytes, far larger than a probe file");
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserError($"--figures {path}: cannot read it ({OneLine(e.Message)})", "give a file hostmem may read");
        }
    }

    /// <summary>Says "not a probe file" or "a newer schema" before the full parse would say "missing key".</summary>
    static void CheckSchema(string text, string source)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(text); }
        catch (JsonException e) { throw Bad(source, $"is not JSON: {OneLine(e.Message)}"); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("schema", out var schema) || schema.ValueKind != JsonValueKind.String
                || schema.GetString() != ProbeReport.SchemaName)
                throw Bad(source, $"is not a hostmem probe file (no \"schema\": \"{ProbeReport.SchemaName}\")");
            if (!root.TryGetProperty("schema_version", out var v) || v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var version))
                throw Bad(source, "has no schema_version number");
            if (version != ProbeReport.CurrentVersion)
                throw new UserError($"--figures {source}: schema_version {version.ToString(CultureInfo.InvariantCulture)}; this hostmem reads {ProbeReport.CurrentVersion}",
                    version > ProbeReport.CurrentVersion ? "use the hostmem that wrote it, or run this hostmem's 'hostmem probe' again" : Remedy);
        }
    }

    static void CheckHost(ProbeHostReport on, string source, HostTopology host)
    {
        var cpus = HostIdentity.CpuCountOf(host);
        if (on.CpuCount != cpus)
            throw Bad(source, $"was measured on a host with {on.CpuCount} CPUs; this one has {cpus}", "measure this host: the figures of another machine do not fit it");
        foreach (var n in on.Nodes)
            if (host.Node(n.Node) is null)
                throw Bad(source, $"was measured on a host with node {n.Node}, which this host lacks", "measure this host: the figures of another machine do not fit it");
    }

    static void CheckPair(ProbeMeasurementReport m, string source, HostTopology host)
    {
        var pair = $"node{m.InitiatorNode} -> node{m.TargetNode}";
        if (host.Node(m.InitiatorNode) is not { } i || host.Node(m.TargetNode) is null)
            throw Bad(source, $"measures {pair}, but this host has no node {(host.Node(m.InitiatorNode) is null ? m.InitiatorNode : m.TargetNode)}",
                "measure this host: the figures of another machine do not fit it");
        if (!i.HasCpus) throw Bad(source, $"measures {pair}, but node {m.InitiatorNode} has no CPUs on this host", "measure this host: the figures of another machine do not fit it");
        foreach (var (name, value) in new[] { ("read_latency_ns", m.ReadLatencyNs), ("read_bandwidth_mbps", m.ReadBandwidthMbps), ("write_bandwidth_mbps", m.WriteBandwidthMbps) })
            if (!double.IsFinite(value) || value < 0.5 || value > uint.MaxValue)
                throw Bad(source, $"{pair}: {name} {value.ToString(CultureInfo.InvariantCulture)} is not a figure the kernel can hold (1 to 4294967295)");
    }

    /// <summary>The kernel's u32 figures, rounded to the nearest unit; write latency = read latency (not measured).</summary>
    static MeasuredPair ToPair(ProbeMeasurementReport m)
    {
        var lat = U32(m.ReadLatencyNs);
        return new MeasuredPair(m.InitiatorNode, m.TargetNode, new MemoryPerformance(lat, lat, U32(m.ReadBandwidthMbps), U32(m.WriteBandwidthMbps)),
            m.ReadLatencyNs, m.ReadBandwidthMbps, m.WriteBandwidthMbps);
    }

    static uint U32(double v) => (uint)Math.Max(1, Math.Round(v, MidpointRounding.AwayFromZero));

    static UserError Bad(string source, string what, string? hint = null) => new($"--figures {source} {what}", hint ?? Remedy);

    static string OneLine(string s) => string.Join(' ', s.Split(['\n', '\r'], StringSplitOptions.RemoveEmptyEntries)).Trim();
}
