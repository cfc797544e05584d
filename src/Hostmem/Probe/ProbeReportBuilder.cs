using Hostmem.Export;
using Hostmem.Topology;

namespace Hostmem.Probe;

/// <summary>Turns a probe run into its JSON shape, with the host's firmware figures and measured/firmware ratios beside
/// each measurement.</summary>
public static class ProbeReportBuilder
{
    public const string LatencyMethod =
        "one thread pinned to a CPU of the initiator follows a random cyclic chain through every 64-byte line of the buffer " +
        "(dependent loads); median of the samples, ns per load";
    public const string WriteLatencyMethod =
        "not measured: a store retires into the store buffer, so no dependent chain times it honestly; readers use the read latency";
    public const string BandwidthMethod =
        "one thread per usable CPU of the initiator, each on its own slice of the buffer; read: vector loads, " +
        "write: non-temporal vector stores; best round";
    public const string BandwidthUnit = "MB/s as in the kernel HMAT figures and in QEMU bandwidth=NM: 2^20 bytes per second";

    public static ProbeReport Build(HostTopology host, HostIdentity id, ProbeRequest request, IReadOnlyList<PairResult> results, string version) => new(
        ProbeReport.SchemaName, ProbeReport.CurrentVersion, version,
        new ProbeHostReport(id.Hostname, id.MachineId, id.BootId, id.Kernel, id.CpuCount,
            [.. host.Nodes.Select(n => new ProbeNodeReport(n.Id, n.Cpus, n.MemTotalBytes))]),
        new ProbeMethodReport(request.Mode.Name, LatencyMethod, WriteLatencyMethod, BandwidthMethod, BandwidthUnit,
            StreamKernels.VectorBits, StreamKernels.NonTemporalStores, request.MaxFreeShare),
        [.. results.OfType<PairMeasurement>().Select(m => Measurement(host, m))],
        [.. results.OfType<PairRefusal>().Select(r => new ProbeRefusalReport(r.Initiator, r.Target, r.Reason, r.Hint))]);

    static ProbeMeasurementReport Measurement(HostTopology host, PairMeasurement m) => new(
        m.Initiator, m.Target, m.LatencyCpu, m.Cpus, m.Cpus.Count,
        Math.Round(m.ReadLatencyNs, 1), null, Math.Round(m.ReadBandwidthMiBps), Math.Round(m.WriteBandwidthMiBps),
        m.BufferBytes, m.LlcBytes, m.LlcBytes is null, m.HugePageBytes is > 0, m.HugePageBytes, m.BytesOnTarget,
        Math.Round(m.Seconds, 3), FirmwareFigures.For(host, m.Initiator, m.Target));
}
