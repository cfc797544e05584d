using System.Globalization;
using Hostmem.Classification;
using Hostmem.Topology;

namespace Hostmem.Export;

// The stable JSON shape of `hostmem topology --format json`. Keys are snake_case (TopologyJson writes them);
// absent values are null, never missing, so scripts can rely on every key.

public sealed record TopologyReport(
    string HostmemVersion,
    string Sysfs,
    IReadOnlyList<NodeReport> Nodes,
    CxlReport Cxl,
    IReadOnlyList<DaxReport> Dax,
    IReadOnlyList<TierReport> Tiers,
    HmatReport Hmat,
    IReadOnlyList<DiagnosticReport> Diagnostics)
{
    /// <summary>A probe's figures beside the firmware's (topology --figures); the key is absent without the option.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public MeasuredReport? Measured { get; init; }

    /// <summary>The kernel's weighted-interleave weights; null when the kernel has none (before Linux 6.9).</summary>
    public WeightedInterleaveReport? WeightedInterleave { get; init; }
}

/// <summary>/sys/kernel/mm/mempolicy/weighted_interleave: each node's weight, and <c>auto</c> (null before Linux 6.16).</summary>
public sealed record WeightedInterleaveReport(bool? Auto, IReadOnlyList<NodeWeightReport> Weights);

public sealed record NodeWeightReport(int Node, int Weight);

/// <summary>The ACPI HMAT read whole: <c>table</c> is readable, not-readable (root only) or absent.</summary>
public sealed record HmatReport(
    string Table,
    int? Revision,
    bool NodesProven,
    IReadOnlyList<HmatDomainReport> Domains,
    IReadOnlyList<HmatLocalityReport> Matrix,
    IReadOnlyList<string> Diagnostics);

public sealed record HmatDomainReport(uint Pxm, int? Node, bool Cpus, bool Memory, bool GenericInitiator, bool GenericPort, string? PortHandle);

public sealed record HmatLocalityReport(
    uint InitiatorPxm,
    int? InitiatorNode,
    uint TargetPxm,
    int? TargetNode,
    string TargetKind,
    ulong? ReadLatencyNs,
    ulong? WriteLatencyNs,
    ulong? ReadBandwidthMbps,
    ulong? WriteBandwidthMbps,
    bool Unreachable);

public sealed record NodeReport(
    int Node,
    bool Online,
    string Type,
    int? Tier,
    IReadOnlyList<int> Cpus,
    ulong? MemTotalBytes,
    ulong? MemFreeBytes,
    IReadOnlyDictionary<string, int> Distances,
    AccessReport? Access,
    AccessReport? Access0,
    AccessReport? Access1,
    IReadOnlyList<CacheReport> MemorySideCaches,
    string? BackingDevice,
    string CxlWindow,
    IReadOnlyList<string> Evidence);

public sealed record AccessReport(
    string Class,
    ulong? ReadLatencyNs,
    ulong? WriteLatencyNs,
    ulong? ReadBandwidthMbps,
    ulong? WriteBandwidthMbps,
    IReadOnlyList<int> Initiators,
    string Source);

public sealed record CacheReport(int Level, ulong SizeBytes, ulong? LineSizeBytes, string? Indexing, string? WritePolicy);

public sealed record CxlReport(
    IReadOnlyList<MemdevReport> Memdevs,
    IReadOnlyList<DecoderReport> Decoders,
    IReadOnlyList<RegionReport> Regions,
    IReadOnlyList<WindowReport> Windows,
    bool WindowsReadable);

public sealed record MemdevReport(string Memdev, ulong RamBytes, ulong PmemBytes, string? Serial, int? NumaNode, string? Endpoint, string? FirmwareVersion);

public sealed record DecoderReport(string Decoder, string Kind, string? Port, string? Start, ulong? SizeBytes, string? Mode, ulong? DpaSizeBytes, int? InterleaveWays, int? InterleaveGranularity, string? Region);

public sealed record RegionReport(
    string Region,
    string Mode,
    ulong? SizeBytes,
    string? Resource,
    bool Committed,
    int? InterleaveWays,
    int? InterleaveGranularity,
    IReadOnlyList<string> Targets,
    string? RootDecoder,
    AccessReport? Access0,
    AccessReport? Access1,
    string? DaxRegion,
    IReadOnlyList<RegionDaxReport> Dax);

public sealed record RegionDaxReport(string Device, int? TargetNode, string Mode);

public sealed record WindowReport(string Start, string End, ulong SizeBytes, string Source);

public sealed record DaxReport(string Device, ulong? SizeBytes, int? TargetNode, int? NumaNode, ulong? AlignBytes, string Mode, string? Driver, string ParentKind, string? Parent, string Path);

public sealed record TierReport(int Tier, int AdistanceStart, IReadOnlyList<int> Nodes);

public sealed record DiagnosticReport(string Severity, string Code, string Subject, string Message, string Hint);

/// <summary>Builds the report from a topology and its classification; pure data to data.</summary>
public static class TopologyReportBuilder
{
    public static TopologyReport Build(HostTopology host, IReadOnlyList<NodeClassification> classes,
        IReadOnlyList<Diagnostic> diagnostics, string version, string sysfsShown) =>
        new(version, sysfsShown,
            [.. host.Nodes.Select(n => Node(n, classes.First(c => c.Node == n.Id)))],
            Cxl(host),
            [.. host.Dax.Select(Dax)],
            [.. host.Tiers.Select(t => new TierReport(t.Id, t.AdistanceStart, t.Nodes))],
            Hmat(host),
            [.. diagnostics.Select(Diagnostic)])
        {
            WeightedInterleave = host.InterleaveWeights is { } w
                ? new WeightedInterleaveReport(w.Auto, [.. w.Weights.Select(kv => new NodeWeightReport(kv.Key, kv.Value))])
                : null,
        };

    public static string EvidenceName(AcpiTableEvidence e) => e switch
    {
        AcpiTableEvidence.Readable => "readable",
        AcpiTableEvidence.NotReadable => "not-readable",
        _ => "absent",
    };

    private static HmatReport Hmat(HostTopology host)
    {
        var m = host.Hmat;
        return new HmatReport(EvidenceName(host.HmatEvidence), m?.Revision, m?.NodesProven == true,
            m is null ? [] : [.. m.Domains.Select(d => new HmatDomainReport(d.Pxm, d.Node, d.HasCpus, d.HasMemory, d.IsGenericInitiator, d.IsGenericPort, d.PortHandle))],
            m is null ? [] : [.. m.Localities.Select(l => new HmatLocalityReport(l.InitiatorPxm, l.InitiatorNode, l.TargetPxm, l.TargetNode,
                l.TargetIsPort ? "generic-port" : "memory", l.ReadLatencyNs, l.WriteLatencyNs, l.ReadBandwidthMBps, l.WriteBandwidthMBps, l.Unreachable))],
            m?.Diagnostics ?? []);
    }

    private static NodeReport Node(NumaNode n, NodeClassification c) => new(
        n.Id, n.Online, c.Type.Name(), n.Tier, n.Cpus, n.MemTotalBytes, n.MemFreeBytes,
        n.Distances.OrderBy(kv => kv.Key).ToDictionary(kv => kv.Key.ToString(CultureInfo.InvariantCulture), kv => kv.Value),
        Access(n.BestAccess), Access(n.Access0), Access(n.Access1),
        [.. n.MemorySideCaches.Select(m => new CacheReport(m.Level, m.SizeBytes, m.LineSizeBytes, m.Indexing, m.WritePolicy))],
        c.BackingDevice, WindowCheckName(c.CxlWindow), c.Evidence);

    public static AccessReport? Access(AccessCoordinates? a) => a is null ? null :
        new(a.Class, a.ReadLatencyNs, a.WriteLatencyNs, a.ReadBandwidthMBps, a.WriteBandwidthMBps, a.Initiators, a.Source);

    private static CxlReport Cxl(HostTopology host) => new(
        [.. host.Cxl.Memdevs.Select(m => new MemdevReport(m.Name, m.RamBytes, m.PmemBytes, m.Serial, m.NumaNode, m.Endpoint, m.FirmwareVersion))],
        [.. host.Cxl.Decoders.Select(d => new DecoderReport(d.Name, KindName(d.Kind), d.Port, Hex(d.Start), d.Size, d.Mode, d.DpaSize, d.InterleaveWays, d.InterleaveGranularity, d.Region))],
        [.. host.Cxl.Regions.Select(r => new RegionReport(r.Name, NodeClassifier.ModeName(r.Mode), r.SizeBytes, Hex(r.Resource), r.Committed,
            r.InterleaveWays, r.InterleaveGranularity, r.Targets, r.RootDecoder, Access(r.Access0), Access(r.Access1), r.DaxRegion,
            [.. r.DaxDevices.Select(name => host.Dax.FirstOrDefault(d => d.Name == name) is { } d
                ? new RegionDaxReport(d.Name, d.TargetNode, ModeName(d.Mode))
                : new RegionDaxReport(name, null, "unknown"))]))],
        [.. host.CxlWindows.Select(w => new WindowReport(Hex(w.Range.Start)!, Hex(w.Range.End)!, w.Range.Length, w.Source))],
        host.CxlWindowEvidence == WindowEvidence.Readable);

    private static DaxReport Dax(DaxDevice d) => new(d.Name, d.SizeBytes, d.TargetNode, d.NumaNode, d.AlignBytes,
        ModeName(d.Mode), d.Driver, ParentName(d.ParentKind), d.Parent, d.Path);

    private static DiagnosticReport Diagnostic(Diagnostic d) =>
        new(d.Severity.Name(), d.Code, d.Subject, d.Message, d.Hint);

    // By switch, as the other names here: Enum.ToString() reads the enum's metadata by reflection on NativeAOT.
    private static string KindName(CxlDecoderKind k) => k switch
    {
        CxlDecoderKind.Root => "root",
        CxlDecoderKind.Switch => "switch",
        CxlDecoderKind.Endpoint => "endpoint",
        _ => "unknown",
    };

    public static string ModeName(DaxMode m) => m switch
    {
        DaxMode.SystemRam => "system-ram",
        DaxMode.Devdax => "devdax",
        DaxMode.Unbound => "unbound",
        _ => "other",
    };

    public static string ParentName(DaxParentKind k) => k switch
    {
        DaxParentKind.CxlRegion => "cxl-region",
        DaxParentKind.CxlPmemRegion => "cxl-pmem-region",
        DaxParentKind.NvdimmRegion => "nvdimm-region",
        DaxParentKind.Hmem => "hmem",
        _ => "unknown",
    };

    public static string WindowCheckName(CxlWindowCheck c) => c switch
    {
        CxlWindowCheck.Inside => "inside",
        CxlWindowCheck.Outside => "outside",
        CxlWindowCheck.Unknown => "unknown",
        _ => "not-needed",
    };

    private static string? Hex(ulong? v) => v is null ? null : "0x" + v.Value.ToString("x", CultureInfo.InvariantCulture);
}
