using System.Buffers.Binary;
using Hostmem.Cxl;
using Hostmem.Planning;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Cxl;

public class CdatTests
{
    /// <summary>
    /// QEMU's default table for a 256 MiB volatile cxl-type3, laid out byte by byte from include/hw/cxl/cxl_cdat.h
    /// (CDATTableHeader 16 bytes; CDATDsmas, CDATDslbis, CDATDsemts 24 each) with the values of hw/mem/cxl_type3.c
    /// ct3_build_cdat_entries_for_mr (read latency 15 x 10000 ps, write 25 x 10000 ps, bandwidth 16 x 1000 MB/s, DSEMTS
    /// EFI type 1) and the checksum as ct3_build_cdat computes it (~sum + 1 over every byte).
    /// </summary>
    static byte[] QemuDefaultTable(ulong size)
    {
        var b = new byte[16 + 6 * 24];
        BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)b.Length);
        b[4] = 2; // CXL_CDAT_REV
        int at = 16;
        void Sub(byte type) { b[at] = type; b[at + 2] = 24; }
        Sub(0); // DSMAS: handle 0, flags 0 (volatile), DPA base 0, length
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(at + 16), size);
        at += 24;
        foreach (var (type, unit, entry) in new (byte, ulong, ushort)[] { (1, 10000, 15), (2, 10000, 25), (4, 1000, 16), (5, 1000, 16) })
        {
            Sub(1); // DSLBIS: handle 0, flags HMAT_LB_MEM_MEMORY (0), data type, base unit, entry[0]
            b[at + 6] = type;
            BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(at + 8), unit);
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(at + 16), entry);
            at += 24;
        }
        Sub(4); // DSEMTS: handle 0, EFI_memory_type_attr 1 (EFI_MEMORY_SP), offset 0, length
        b[at + 5] = 1;
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(at + 16), size);
        byte sum = 0;
        foreach (var x in b) sum += x;
        b[5] = (byte)(~sum + 1);
        return b;
    }

    [Fact]
    public void QEMUs_default_table_decodes_to_its_150_and_250_ns_and_16_GB_s()
    {
        var table = CdatDecoder.Decode(QemuDefaultTable(256UL << 20));
        // GUEST-LAB.md: QEMU's cxl-type3 CDAT defaults read 150 ns, write 250 ns, 16 GB/s in the guest.
        Assert.Equal(new MemoryPerformance(150, 250, 16000, 16000), CdatFigures.Of(table));
        Assert.Equal(256UL << 20, table.Dsmas.Single().DpaLength);
        Assert.Equal(1, table.Dsemts.Single().EfiMemoryTypeAttribute);
    }

    [Fact]
    public void The_encoder_writes_QEMUs_default_table_byte_for_byte()
    {
        var expected = QemuDefaultTable(1UL << 30);
        var table = new CdatTable([new CdatDsmas(0, 0, 0, 1UL << 30)],
            [new(0, 0, CdatDataType.ReadLatency, 10000, 15), new(0, 0, CdatDataType.WriteLatency, 10000, 25),
             new(0, 0, CdatDataType.ReadBandwidth, 1000, 16), new(0, 0, CdatDataType.WriteBandwidth, 1000, 16)],
            [new CdatDsemts(0, 1, 0, 1UL << 30)]);
        Assert.Equal(expected, CdatEncoder.Encode(table));
    }

    [Theory]
    [InlineData(250u, 20000u)]
    [InlineData(1u, 1u)]
    [InlineData(4294967u, 4294967295u)]   // the largest the kernel takes: 4294967000 ps, u32 MB/s
    [InlineData(65537u, 65521u)]          // 65521 is prime and above 65534 / 1: entry 1, base 65521
    public void Tables_hostmem_writes_meet_QEMUs_length_and_checksum_rules_and_say_the_figures(uint ns, uint mbps)
    {
        var figures = new MemoryPerformance(ns, ns, mbps, mbps);
        var bytes = CdatEncoder.Encode(CdatFigures.Volatile(512UL << 20, figures, "cxl-type3 'd'"));
        // QEMU's rules, checked on the bytes: header length = file length, every structure 24 bytes with reserved 0, sum 0.
        Assert.Equal((uint)bytes.Length, BinaryPrimitives.ReadUInt32LittleEndian(bytes));
        Assert.Equal(16 + 6 * 24, bytes.Length);
        for (int at = 16; at < bytes.Length; at += 24)
        {
            Assert.Equal(24, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + 2)));
            Assert.Equal(0, bytes[at + 1]);
        }
        Assert.Equal(0, bytes.Aggregate(0, (s, x) => (s + x) & 0xff));
        // What the kernel reads (entry x base, latency ps rounded up to ns) is what was asked for.
        Assert.Equal(figures, CdatFigures.Of(CdatDecoder.Decode(bytes)));
        Assert.All(CdatDecoder.Decode(bytes).Dslbis, l => Assert.InRange(l.Entry, 1, 0xFFFE));
    }

    [Theory]
    [InlineData(0u, 100u, "read latency of 0 ns")]
    [InlineData(100u, 0u, "read bandwidth of 0 MB/s")]
    [InlineData(4294968u, 100u, "read latency of 4294968 ns is more than a CDAT can hold (4294967 ns")]
    public void Figures_a_CDAT_cannot_hold_are_refused_in_the_devices_words(uint ns, uint mbps, string problem)
    {
        var e = Assert.Throws<UserError>(() => CdatFigures.Volatile(1UL << 30, new MemoryPerformance(ns, ns, mbps, mbps), "cxl-type3 'd'"));
        Assert.StartsWith($"cxl-type3 'd': a {problem}", e.Problem);
    }

    public static TheoryData<string, Func<byte[], byte[]>, string> Broken => new()
    {
        { "a DSLBIS one byte short (QEMU asserts sizeof(CDATDslbis))", b => Patch(b, 16 + 24 + 2, 23), "is 23 bytes, QEMU asserts 24" },
        { "a non-zero reserved byte", b => Patch(b, 16 + 1, 1), "non-zero reserved byte" },
        { "a length of 0", b => Patch(b, 16 + 2, 0), "length 0" },
        { "a reserved type", b => Patch(b, 16, 9), "Type 9 is reserved" },
        { "a bad checksum", b => Patch(b, 5, (byte)(b[5] + 1)), "checksum mismatch" },
        { "cut short", b => Fix(b[..^4]), "Truncated table" },
        { "the header alone, cut", b => b[..10], "File too short" },
    };

    static byte[] Patch(byte[] b, int at, byte value) { var c = (byte[])b.Clone(); c[at] = value; return Fix(c, keepSum: at == 5); }

    /// <summary>Header length and checksum made right again, so only the damage under test remains.</summary>
    static byte[] Fix(byte[] b, bool keepSum = false)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)b.Length);
        if (keepSum) return b;
        b[5] = 0;
        byte sum = 0;
        foreach (var x in b) sum += x;
        b[5] = (byte)(0 - sum);
        return b;
    }

    [Theory]
    [MemberData(nameof(Broken))]
    public void The_decoder_refuses_what_QEMU_would_abort_on_or_refuse(string what, Func<byte[], byte[]> damage, string message)
    {
        var e = Assert.Throws<CdatFormatException>(() => CdatDecoder.Decode(damage(QemuDefaultTable(1UL << 28))));
        Assert.True(e.Message.Contains(message, StringComparison.Ordinal), $"{what}: {e.Message}");
    }

    [Theory]
    // Measured in Linux 6.12 guests under QEMU 10.0 (lab/run argv, QEMU's default CDAT 150/250 ns, 16000 MB/s):
    // generic port 200 ns, 32000 MB/s, link 32 GT/s x16: region0 access0/1 rl=17350 wl=17450 rb=16000 wb=16000;
    // generic port 400 ns, 8000 MB/s: 17550/17650, 8000; cxl-type3 x-speed=64 (64 GT/s): 8850/8950, 16000.
    [InlineData(200u, 32000u, 32000, 16, 17350u, 17450u, 16000u)]
    [InlineData(400u, 8000u, 32000, 16, 17550u, 17650u, 8000u)]
    [InlineData(200u, 32000u, 64000, 16, 8850u, 8950u, 16000u)]
    public void The_region_model_gives_what_6_12_guests_showed(uint gpNs, uint gpMBps, int speed, int width, uint rl, uint wl, uint bw)
    {
        var region = CxlRegionModel.Region(new MemoryPerformance(150, 250, 16000, 16000), new MemoryPerformance(gpNs, gpNs, gpMBps, gpMBps), new PcieLink(speed, width));
        Assert.Equal(new MemoryPerformance(rl, wl, bw, bw), region);
    }

    [Fact]
    public void The_links_bandwidth_is_the_kernels_pcie_bandwidth_available_in_bytes()
    {
        // PCIE_SPEED2MBS_ENC(32 GT/s) = 32000 * 128 / 130 = 31507 Mb/s a lane; x16 / 8 bits = 63014 MB/s.
        Assert.Equal(63014u, new PcieLink(32000, 16).BandwidthMBps);
        // 2.5 GT/s is 8b/10b: 2000 Mb/s a lane, x1 = 250 MB/s; the flit time 68 B / 312 B/us = 217948 ps.
        Assert.Equal(250u, new PcieLink(2500, 1).BandwidthMBps);
        Assert.Equal(217948, new PcieLink(2500, 1).FlitLatencyPs);
    }
}
