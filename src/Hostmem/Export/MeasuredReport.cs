using Hostmem.Probe;
using Hostmem.Topology;

namespace Hostmem.Export;

/// <summary>`hostmem topology --figures FILE`: each measured pair beside the host's firmware figures, with the ratio
/// measured/firmware (keys as in the probe's own JSON).</summary>
public sealed record MeasuredReport(string File, string? MeasuredOnHostname, bool SameMachine, IReadOnlyList<MeasuredPairReport> Pairs)
{
    public static MeasuredReport From(MeasuredFigures figures, HostTopology host) => new(
        figures.Source, figures.MeasuredOn.Hostname, figures.SameMachine,
        [.. figures.Pairs.Select(p =>
        {
            var fw = FirmwareFigures.For(host, p.Initiator, p.Target);
            return new MeasuredPairReport(p.Initiator, p.Target, p.ReadLatencyNs, p.ReadBandwidthMBps, p.WriteBandwidthMBps,
                fw?.Source, fw?.ReadLatencyNs, fw?.WriteLatencyNs, fw?.ReadBandwidthMBps, fw?.WriteBandwidthMBps,
                ProbeReportBuilder.Ratio(p.ReadLatencyNs, fw?.ReadLatencyNs), ProbeReportBuilder.Ratio(p.ReadBandwidthMBps, fw?.ReadBandwidthMBps),
                ProbeReportBuilder.Ratio(p.WriteBandwidthMBps, fw?.WriteBandwidthMBps));
        })]);
}

public sealed record MeasuredPairReport(
    int InitiatorNode,
    int TargetNode,
    double ReadLatencyNs,
    double ReadBandwidthMbps,
    double WriteBandwidthMbps,
    string? HmatSource,
    ulong? HmatReadLatencyNs,
    ulong? HmatWriteLatencyNs,
    ulong? HmatReadBandwidthMbps,
    ulong? HmatWriteBandwidthMbps,
    double? ReadLatencyRatio,
    double? ReadBandwidthRatio,
    double? WriteBandwidthRatio);
