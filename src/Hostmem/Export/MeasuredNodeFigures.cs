namespace Hostmem.Export;

/// <summary>
/// Latency and bandwidth of one host node as measured on the host rather than read from firmware (HMAT). The seam for a
/// probe's figures file (being built on branch <c>probe</c>, <c>src/Hostmem/Probe/</c>): whatever reads that file turns it
/// into these, and the exports take them as they are. Any figure may be missing.
/// </summary>
/// <param name="Source">What measured it, as the metrics' <c>source</c> label shows it (e.g. <c>probe</c>).</param>
public sealed record MeasuredNodeFigures(int Node, ulong? ReadLatencyNs, ulong? WriteLatencyNs, ulong? ReadBandwidthBytesPerSecond,
    ulong? WriteBandwidthBytesPerSecond, string Source = "probe")
{
    public bool HasAny => ReadLatencyNs is not null || WriteLatencyNs is not null || ReadBandwidthBytesPerSecond is not null || WriteBandwidthBytesPerSecond is not null;
}
