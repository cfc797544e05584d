using Hostmem.Planning;

namespace Hostmem.Cxl;

/// <summary>
/// The CDAT a cxl-type3 device gets for one volatile range: one DSMAS (handle 0, DPA 0..size), four DSLBIS (read and write
/// latency and bandwidth) and a DSEMTS (EFI_MEMORY_SP), the shape of QEMU's own default table (hw/mem/cxl_type3.c
/// ct3_build_cdat_entries_for_mr), with the given figures in place of QEMU's 150/250 ns and 16 GB/s.
/// </summary>
public static class CdatFigures
{
    /// <summary>A DSLBIS entry of 0xFFFF means "no figure" to the kernel (cdat_normalize), so 0xFFFE is the largest.</summary>
    public const ushort MaxEntry = 0xFFFE;
    /// <summary>The kernel refuses a DSLBIS whose entry x base passes u32 (cdat_normalize: base &gt; UINT_MAX / entry); latencies
    /// count picoseconds there, so 4294967 ns is the most a latency can say.</summary>
    public const ulong MaxLatencyNs = uint.MaxValue / 1000;
    public const ulong MaxBandwidthMBps = uint.MaxValue;

    public static CdatTable Volatile(ulong sizeBytes, MemoryPerformance figures, string subject)
    {
        Check(figures.ReadLatencyNs, MaxLatencyNs, "read latency", "ns", subject);
        Check(figures.WriteLatencyNs, MaxLatencyNs, "write latency", "ns", subject);
        Check(figures.ReadBandwidthMBps, MaxBandwidthMBps, "read bandwidth", "MB/s", subject);
        Check(figures.WriteBandwidthMBps, MaxBandwidthMBps, "write bandwidth", "MB/s", subject);
        return new CdatTable(
            [new CdatDsmas(0, 0, 0, sizeBytes)],
            [
                Dslbis(CdatDataType.ReadLatency, figures.ReadLatencyNs * 1000UL),
                Dslbis(CdatDataType.WriteLatency, figures.WriteLatencyNs * 1000UL),
                Dslbis(CdatDataType.ReadBandwidth, figures.ReadBandwidthMBps),
                Dslbis(CdatDataType.WriteBandwidth, figures.WriteBandwidthMBps),
            ],
            [new CdatDsemts(0, 1, 0, sizeBytes)]);
    }

    /// <summary>The figures a table gives its first range, as the kernel reads them (latency ps rounded up to ns).</summary>
    public static MemoryPerformance? Of(CdatTable table)
    {
        if (table.Dsmas.Count == 0) return null;
        byte h = table.Dsmas[0].Handle;
        static uint Ns(ulong? ps) => ps is { } v ? (uint)((v + 999) / 1000) : 0;
        static uint U(ulong? v) => v is { } x ? (uint)Math.Min(x, uint.MaxValue) : 0;
        return new MemoryPerformance(Ns(table.Figure(h, CdatDataType.ReadLatency)), Ns(table.Figure(h, CdatDataType.WriteLatency)),
            U(table.Figure(h, CdatDataType.ReadBandwidth)), U(table.Figure(h, CdatDataType.WriteBandwidth)));
    }

    static void Check(uint value, ulong max, string what, string unit, string subject)
    {
        if (value == 0)
            throw new UserError($"{subject}: a {what} of 0 {unit} cannot go into its CDAT (the guest kernel reads 0 as no figure)",
                $"give a figure of at least 1 {unit} (--latency/--bandwidth TYPE=N, or the probe's --figures)");
        if (value > max)
            throw new UserError($"{subject}: a {what} of {value} {unit} is more than a CDAT can hold ({max} {unit}: the kernel refuses entries above 2^32 {(unit == "ns" ? "ps" : unit)})",
                $"give a {what} of at most {max} {unit} with --{(unit == "ns" ? "latency" : "bandwidth")} TYPE=N");
    }

    /// <summary>An exact entry x base for <paramref name="value"/>: the largest entry that divides it (entry 1 and base = value
    /// when nothing else does), so the smallest base unit.</summary>
    static CdatDslbis Dslbis(CdatDataType type, ulong value)
    {
        for (ulong e = Math.Min(value, MaxEntry); e >= 1; e--)
            if (value % e == 0) return new CdatDslbis(0, 0, type, value / e, (ushort)e);
        throw new ArgumentOutOfRangeException(nameof(value), value, "a figure of 0 has no entry");
    }
}
