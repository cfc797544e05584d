using System.Text.Json.Serialization;

namespace Hostmem.Export;

// The JSON of `hostmem probe --format json` and the file `--figures` reads back (Probe/MeasuredFigures.cs): one shape
// for both. snake_case keys; absent values are null, never missing. Bandwidths are in the kernel's HMAT "MB/s", which is
// what QEMU writes as bandwidth=NM: 2^20 bytes/s (method.bandwidth_unit says so in the file).

public sealed record ProbeReport(
    string Schema,
    int SchemaVersion,
    string HostmemVersion,
    ProbeHostReport Host,
    ProbeMethodReport Method,
    IReadOnlyList<ProbeMeasurementReport> Measurements,
    IReadOnlyList<ProbeRefusalReport> Refusals)
{
    public const string SchemaName = "hostmem-probe";
    public const int CurrentVersion = 1;
}

/// <summary>The host the figures belong to: a reader checks node ids and the CPU count against its own host.</summary>
public sealed record ProbeHostReport(
    string? Hostname,
    string? MachineId,
    string? BootId,
    string? Kernel,
    int CpuCount,
    IReadOnlyList<ProbeNodeReport> Nodes);

public sealed record ProbeNodeReport(int Node, IReadOnlyList<int> Cpus, ulong? MemTotalBytes);

/// <summary>How the figures were made, in words a reader of the file needs.</summary>
public sealed record ProbeMethodReport(
    string Mode,
    string Latency,
    string WriteLatency,
    string Bandwidth,
    string BandwidthUnit,
    int VectorBits,
    bool NonTemporalStores,
    double MaxFreeShare);

public sealed record ProbeMeasurementReport(
    int InitiatorNode,
    int TargetNode,
    int LatencyCpu,
    IReadOnlyList<int> Cpus,
    int Threads,
    double ReadLatencyNs,
    double? WriteLatencyNs,
    double ReadBandwidthMbps,
    double WriteBandwidthMbps,
    ulong BufferBytes,
    ulong? LlcBytes,
    bool LlcAssumed,
    bool HugePages,
    ulong? HugePageBytes,
    ulong? BytesOnTarget,
    double Seconds,
    [property: JsonIgnore] Probe.FirmwareFigures? Firmware = null)
    : FirmwareBeside(Firmware, ReadLatencyNs, ReadBandwidthMbps, WriteBandwidthMbps);

public sealed record ProbeRefusalReport(int InitiatorNode, int TargetNode, string Reason, string Hint);

/// <summary>Source-generated (NativeAOT-safe) reading and writing of <see cref="ProbeReport"/>: a key the record requires
/// must be there and not null, so a truncated or foreign file fails in the reader, not later.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    AllowTrailingCommas = false,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(ProbeReport))]
public sealed partial class ProbeJson : JsonSerializerContext;
