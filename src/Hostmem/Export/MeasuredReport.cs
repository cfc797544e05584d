using System.Text.Json.Serialization;
using Hostmem.Probe;
using Hostmem.Topology;

namespace Hostmem.Export;

/// <summary>`hostmem topology --figures FILE`: each measured pair beside the host's firmware figures, with the ratio
/// measured/firmware (keys as in the probe's own JSON).</summary>
public sealed record MeasuredReport(string File, string? MeasuredOnHostname, bool SameMachine, IReadOnlyList<MeasuredPairReport> Pairs)
{
    public static MeasuredReport From(MeasuredFigures figures, HostTopology host) => new(
        figures.Source, figures.MeasuredOn.Hostname, figures.SameMachine,
        [.. figures.Pairs.Select(p => new MeasuredPairReport(p.Initiator, p.Target, p.ReadLatencyNs, p.ReadBandwidthMBps, p.WriteBandwidthMBps,
            FirmwareFigures.For(host, p.Initiator, p.Target)))]);
}

public sealed record MeasuredPairReport(
    int InitiatorNode,
    int TargetNode,
    double ReadLatencyNs,
    double ReadBandwidthMbps,
    double WriteBandwidthMbps,
    [property: JsonIgnore] FirmwareFigures? Firmware = null)
    : FirmwareBeside(Firmware, ReadLatencyNs, ReadBandwidthMbps, WriteBandwidthMbps);
