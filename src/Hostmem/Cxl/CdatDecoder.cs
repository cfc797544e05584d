using System.Buffers.Binary;

namespace Hostmem.Cxl;

/// <summary>A table QEMU would refuse (an error it reports) or abort on (an assert in cdat_len_check).</summary>
public sealed class CdatFormatException(string message) : Exception(message);

/// <summary>
/// Reads CDAT bytes by QEMU's rules (hw/cxl/cxl-cdat.c ct3_load_cdat and cdat_len_check): at least a 16-byte header; each
/// structure's header within the file, a non-zero length, reserved byte 0, the exact length of its type (SSLBIS: a header
/// and whole 8-byte entries); the structures end exactly at the end of the file; the bytes sum to 0. QEMU only warns on a
/// bad sum and does not read the header's length; this decoder refuses both, as the kernel's CDAT reader checks them.
/// </summary>
public static class CdatDecoder
{
    public static CdatTable Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < CdatTable.HeaderLength) throw new CdatFormatException($"CDAT: File too short ({bytes.Length} bytes, the header alone is {CdatTable.HeaderLength})");
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        if (length != bytes.Length) throw new CdatFormatException($"CDAT: header length {length} is not the table's {bytes.Length} bytes");
        byte sum = 0;
        foreach (byte b in bytes) sum += b;
        if (sum != 0) throw new CdatFormatException($"CDAT: checksum mismatch (the bytes sum to {sum}, not 0)");

        var dsmas = new List<CdatDsmas>();
        var dslbis = new List<CdatDslbis>();
        var dsemts = new List<CdatDsemts>();
        int at = CdatTable.HeaderLength;
        while (at < bytes.Length)
        {
            if (at + 4 > bytes.Length) throw new CdatFormatException($"CDAT: Truncated table (a structure header at byte {at})");
            var type = bytes[at];
            ushort len = BinaryPrimitives.ReadUInt16LittleEndian(bytes[(at + 2)..]);
            if (len == 0) throw new CdatFormatException($"CDAT: structure at byte {at} has length 0 (QEMU aborts: assert(hdr->length))");
            if (bytes[at + 1] != 0) throw new CdatFormatException($"CDAT: structure at byte {at} has a non-zero reserved byte (QEMU aborts)");
            int expected = type switch
            {
                (byte)CdatType.Dsmas => CdatTable.DsmasLength,
                (byte)CdatType.Dslbis => CdatTable.DslbisLength,
                (byte)CdatType.Dsmscis => 20,
                (byte)CdatType.Dsis => 8,
                (byte)CdatType.Dsemts => CdatTable.DsemtsLength,
                (byte)CdatType.Sslbis => len >= 16 && (len - 16) % 8 == 0 ? len : -1,
                _ => throw new CdatFormatException($"CDAT: Type {type} is reserved (structure at byte {at})"),
            };
            if (len != expected) throw new CdatFormatException($"CDAT: {(CdatType)type} at byte {at} is {len} bytes, QEMU asserts {(expected < 0 ? "16 + 8n" : expected.ToString(System.Globalization.CultureInfo.InvariantCulture))}");
            if (at + len > bytes.Length) throw new CdatFormatException($"CDAT: Truncated table ({(CdatType)type} at byte {at} ends past the file)");
            var s = bytes.Slice(at, len);
            switch ((CdatType)type)
            {
                case CdatType.Dsmas:
                    dsmas.Add(new CdatDsmas(s[4], s[5], BinaryPrimitives.ReadUInt64LittleEndian(s[8..]), BinaryPrimitives.ReadUInt64LittleEndian(s[16..])));
                    break;
                case CdatType.Dslbis:
                    if (s[6] > (byte)CdatDataType.WriteBandwidth) break; // the kernel skips unknown data types
                    dslbis.Add(new CdatDslbis(s[4], s[5], (CdatDataType)s[6], BinaryPrimitives.ReadUInt64LittleEndian(s[8..]), BinaryPrimitives.ReadUInt16LittleEndian(s[16..])));
                    break;
                case CdatType.Dsemts:
                    dsemts.Add(new CdatDsemts(s[4], s[5], BinaryPrimitives.ReadUInt64LittleEndian(s[8..]), BinaryPrimitives.ReadUInt64LittleEndian(s[16..])));
                    break;
            }
            at += len;
        }
        return new CdatTable(dsmas, dslbis, dsemts);
    }
}
