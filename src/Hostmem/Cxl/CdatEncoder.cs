using System.Buffers.Binary;

namespace Hostmem.Cxl;

/// <summary>
/// Writes a <see cref="CdatTable"/> as the bytes QEMU's <c>cdat=FILE</c> reads: the header's length is the file's, every
/// structure has the exact length QEMU asserts (a wrong one aborts QEMU), reserved bytes are 0, and the checksum makes the
/// sum of all bytes 0 (QEMU's ct3_build_cdat does the same for its default table; a mismatch only warns there).
/// </summary>
public static class CdatEncoder
{
    public static byte[] Encode(CdatTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var structures = table.Structures().ToList();
        int length = CdatTable.HeaderLength + structures.Count * 24;
        var bytes = new byte[length];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)length);
        bytes[4] = CdatTable.Revision;
        // bytes 5 (checksum), 6-11 (reserved) and 12-15 (sequence: no runtime updates) stay 0 until the sum is known.
        int at = CdatTable.HeaderLength;
        foreach (var s in structures)
        {
            var span = bytes.AsSpan(at, 24);
            switch (s)
            {
                case CdatDsmas m:
                    Header(span, CdatType.Dsmas, CdatTable.DsmasLength);
                    span[4] = m.Handle;
                    span[5] = m.Flags;
                    BinaryPrimitives.WriteUInt64LittleEndian(span[8..], m.DpaBase);
                    BinaryPrimitives.WriteUInt64LittleEndian(span[16..], m.DpaLength);
                    break;
                case CdatDslbis l:
                    Header(span, CdatType.Dslbis, CdatTable.DslbisLength);
                    span[4] = l.Handle;
                    span[5] = l.Flags;
                    span[6] = (byte)l.DataType;
                    BinaryPrimitives.WriteUInt64LittleEndian(span[8..], l.BaseUnit);
                    BinaryPrimitives.WriteUInt16LittleEndian(span[16..], l.Entry); // entry[1], entry[2] and reserved2 stay 0
                    break;
                case CdatDsemts e:
                    Header(span, CdatType.Dsemts, CdatTable.DsemtsLength);
                    span[4] = e.Handle;
                    span[5] = e.EfiMemoryTypeAttribute;
                    BinaryPrimitives.WriteUInt64LittleEndian(span[8..], e.DpaOffset);
                    BinaryPrimitives.WriteUInt64LittleEndian(span[16..], e.DpaLength);
                    break;
            }
            at += 24;
        }
        byte sum = 0;
        foreach (byte b in bytes) sum += b;
        bytes[5] = (byte)(0 - sum);
        return bytes;
    }

    static void Header(Span<byte> span, CdatType type, int length)
    {
        span[0] = (byte)type;
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], (ushort)length);
    }
}
