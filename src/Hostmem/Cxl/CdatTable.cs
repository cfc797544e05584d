namespace Hostmem.Cxl;

/// <summary>CDAT structure types (CDAT specification table 2; QEMU's CDATType in include/hw/cxl/cxl_cdat.h).</summary>
public enum CdatType : byte { Dsmas = 0, Dslbis = 1, Dsmscis = 2, Dsis = 3, Dsemts = 4, Sslbis = 5 }

/// <summary>The HMAT data types a DSLBIS carries (ACPI HMAT; the kernel's ACPI_HMAT_*_LATENCY/BANDWIDTH).</summary>
public enum CdatDataType : byte { AccessLatency = 0, ReadLatency = 1, WriteLatency = 2, AccessBandwidth = 3, ReadBandwidth = 4, WriteBandwidth = 5 }

/// <summary>Device Scoped Memory Affinity Structure: one DPA range of the device and its handle.</summary>
public sealed record CdatDsmas(byte Handle, byte Flags, ulong DpaBase, ulong DpaLength)
{
    /// <summary>CDAT_DSMAS_FLAG_NV: non-volatile memory.</summary>
    public const byte NonVolatile = 1 << 2;
}

/// <summary>Device Scoped Latency and Bandwidth Information Structure: one figure for a DSMAS handle,
/// <see cref="Entry"/> x <see cref="BaseUnit"/> in picoseconds (latency) or MB/s (bandwidth), as the HMAT counts.</summary>
public sealed record CdatDslbis(byte Handle, byte Flags, CdatDataType DataType, ulong BaseUnit, ushort Entry)
{
    public bool IsLatency => DataType <= CdatDataType.WriteLatency;
    /// <summary>The figure in picoseconds or MB/s (u64: the kernel refuses products above u32).</summary>
    public ulong Value => BaseUnit * Entry;
}

/// <summary>Device Scoped EFI Memory Type Structure: the EFI memory type of a DPA range (1: EFI_MEMORY_SP, volatile).</summary>
public sealed record CdatDsemts(byte Handle, byte EfiMemoryTypeAttribute, ulong DpaOffset, ulong DpaLength);

/// <summary>
/// A CXL device's CDAT as QEMU's <c>cxl-type3,cdat=FILE</c> reads it (hw/cxl/cxl-cdat.c ct3_load_cdat): a 16-byte header
/// then the structures, all little-endian. Only the structures a type-3 memory device needs; others are refused by the decoder.
/// </summary>
public sealed record CdatTable(IReadOnlyList<CdatDsmas> Dsmas, IReadOnlyList<CdatDslbis> Dslbis, IReadOnlyList<CdatDsemts> Dsemts)
{
    /// <summary>CXL_CDAT_REV.</summary>
    public const byte Revision = 2;
    public const int HeaderLength = 16;
    /// <summary>sizeof(CDATDsmas), sizeof(CDATDslbis), sizeof(CDATDsemts): QEMU asserts each length exactly.</summary>
    public const int DsmasLength = 24, DslbisLength = 24, DsemtsLength = 24;

    /// <summary>The entries in the order QEMU's own table has them: per handle DSMAS, its DSLBIS, its DSEMTS.</summary>
    public IEnumerable<object> Structures()
    {
        foreach (var m in Dsmas)
        {
            yield return m;
            foreach (var l in Dslbis.Where(l => l.Handle == m.Handle)) yield return l;
            foreach (var e in Dsemts.Where(e => e.Handle == m.Handle)) yield return e;
        }
    }

    /// <summary>The figure of one data type for a handle (read latency from ReadLatency or AccessLatency, and so on).</summary>
    public ulong? Figure(byte handle, CdatDataType type) =>
        Dslbis.LastOrDefault(l => l.Handle == handle && (l.DataType == type || l.DataType == Access(type)))?.Value;

    static CdatDataType Access(CdatDataType t) => t <= CdatDataType.WriteLatency ? CdatDataType.AccessLatency : CdatDataType.AccessBandwidth;
}
