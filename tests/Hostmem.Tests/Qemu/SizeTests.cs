using Hostmem;
using Hostmem.Qemu;
using Xunit;

namespace Hostmem.Tests.Qemu;

public class SizeTests
{
    // Every row checked against qemu-system-x86_64 10.0.2 via -object memory-backend-ram,size=X and query-memdev.
    [Theory]
    [InlineData("19G", 19UL << 30)]
    [InlineData("512M", 512UL << 20)]
    [InlineData("1025", 1025UL)]
    [InlineData("1m", 1UL << 20)]
    [InlineData("1k", 1024UL)]
    [InlineData("1b", 1UL)]
    [InlineData("1.5M", 1572864UL)]
    [InlineData("1.5m", 1572864UL)]
    [InlineData(".5M", 524288UL)]
    [InlineData("1.M", 1048576UL)]
    [InlineData("1.k", 1024UL)]
    [InlineData("1.", 1UL)]
    [InlineData("1.0", 1UL)]
    [InlineData("1.0B", 1UL)]
    [InlineData("1.0006K", 1025UL)]
    [InlineData("1.0004K", 1024UL)]
    [InlineData("1.9999999999999999999999M", 2097152UL)]
    [InlineData("0x100000", 1048576UL)]
    [InlineData("0X10", 16UL)]
    [InlineData(" 0x10", 16UL)]
    [InlineData(" 1M", 1048576UL)]
    [InlineData("+1M", 1048576UL)]
    [InlineData("00010", 10UL)]
    [InlineData("010K", 10240UL)]
    [InlineData("18446744073709551615", ulong.MaxValue)]
    [InlineData("15E", 15UL << 60)]
    public void Qemu_size_syntax_parses_like_qemu(string text, ulong bytes) => Assert.Equal(bytes, QemuSize.TryParse(text));

    [Theory]
    [InlineData("1Q")]
    [InlineData("1M ")]
    [InlineData("1KiB")]
    [InlineData("1kb")]
    [InlineData("1e3")]
    [InlineData("0x1M")]
    [InlineData("0x")]
    [InlineData("1.5")]
    [InlineData("1.5B")]
    [InlineData("1.0006")]
    [InlineData("16E")]
    [InlineData("18446744073709551616")]
    [InlineData("-1")]
    [InlineData("")]
    [InlineData(".M")]
    [InlineData("1..5M")]
    [InlineData("1.5.M")]
    [InlineData("1_000")]
    public void Qemu_rejects_these_sizes(string text) => Assert.Null(QemuSize.TryParse(text));

    [Fact]
    public void Invalid_size_is_a_user_error_naming_the_argument()
    {
        var cmd = QemuCommandLine.Parse(["qemu-system-x86_64", "-object", "memory-backend-ram,id=m,size=1Q"]);
        var e = Assert.Throws<UserError>(() => cmd.MemoryBackends()[0].Size);
        Assert.Equal("-object 'memory-backend-ram,id=m,size=1Q': invalid size '1Q' for 'size'", e.Problem);
        Assert.Contains("19G", e.Hint);
    }

    [Fact]
    public void Overflowing_size_is_a_user_error()
    {
        Assert.Throws<UserError>(() => QemuSize.Parse("16E", "-object 'x'"));
        Assert.Throws<UserError>(() => QemuSize.Parse("99999999999999999999999", "-object 'x'"));
    }

    // -m, checked with query-memory-size-summary on -M pc.
    [Theory]
    [InlineData("512", 512UL << 20)]
    [InlineData(" 512", 512UL << 20)]
    [InlineData("512M", 512UL << 20)]
    [InlineData("536870912B", 512UL << 20)]
    [InlineData("512k", 512UL << 10)]
    [InlineData("1.5G", 1536UL << 20)]
    [InlineData("64G", 64UL << 30)]
    public void Dash_m_bare_number_means_MiB(string text, ulong bytes) => Assert.Equal(bytes, QemuSize.TryParseMemory(text));

    [Theory]
    [InlineData("0x20")]
    [InlineData("1.5")]
    [InlineData("1Gb")]
    public void Dash_m_rejects_these(string text) => Assert.Null(QemuSize.TryParseMemory(text));

    [Theory]
    [InlineData(19UL << 30, "19G")]
    [InlineData(512UL << 20, "512M")]
    [InlineData(1536UL << 20, "1536M")]
    [InlineData(4096UL, "4K")]
    [InlineData(1025UL, "1025")]
    [InlineData(0UL, "0")]
    [InlineData(1UL << 60, "1E")]
    [InlineData(ulong.MaxValue, "18446744073709551615")]
    public void Sizes_render_compactly(ulong bytes, string text)
    {
        Assert.Equal(text, QemuSize.Format(bytes));
        Assert.Equal(bytes, QemuSize.TryParse(text));
    }

    [Fact]
    public void Dash_m_rendering_marks_plain_bytes()
    {
        Assert.Equal("1025B", QemuSize.FormatMemory(1025));
        Assert.Equal("64G", QemuSize.FormatMemory(64UL << 30));
        Assert.Equal(1025UL, QemuSize.TryParseMemory(QemuSize.FormatMemory(1025)));
    }

    [Theory]
    [InlineData("10", 10UL)]
    [InlineData("0x10", 16UL)]
    [InlineData("010", 8UL)] // base 0: leading zero is octal (QEMU 10: host-nodes=010 is node 8)
    [InlineData(" 1", 1UL)]
    [InlineData("+2", 2UL)]
    [InlineData("0", 0UL)]
    [InlineData("18446744073709551615", ulong.MaxValue)] // strtoull's ULLONG_MAX, 2^64 - 1
    [InlineData("0xffffffffffffffff", ulong.MaxValue)]
    public void Integers_use_strtoull_base_zero(string text, ulong value) => Assert.Equal(value, QemuSize.TryParseUInt(text));

    [Theory]
    [InlineData("-1")]
    [InlineData("1K")]
    [InlineData("91ns")]
    [InlineData("08")]
    [InlineData("")]
    [InlineData("18446744073709551616")] // 2^64: strtoull's ERANGE, which QEMU's parse_uint refuses
    [InlineData("0x10000000000000000")]
    [InlineData("99999999999999999999999")]
    public void Integers_reject(string text) => Assert.Null(QemuSize.TryParseUInt(text));

    [Theory]
    [InlineData("0-2", 0UL, 2UL)]
    [InlineData("5", 5UL, 5UL)]
    [InlineData("5-5", 5UL, 5UL)]
    [InlineData("0x1-0x3", 1UL, 3UL)]
    public void Ranges_parse(string text, ulong first, ulong last) => Assert.Equal((first, last), QemuSize.TryParseUIntRange(text));

    [Theory]
    [InlineData("2-0")]
    [InlineData("0:1")]
    [InlineData("-1")]
    [InlineData("1--2")]
    public void Bad_ranges_are_rejected(string text) => Assert.Null(QemuSize.TryParseUIntRange(text));

    [Fact]
    public void Ranges_compress() => Assert.Equal(["0-2", "5", "7-8"], QemuSize.ToRanges([8, 0, 1, 2, 5, 7, 1]));

    [Fact]
    public void Hmat_bandwidth_suffix_M_is_MiB_per_second()
    {
        Assert.Equal(262100UL << 20, HmatUnits.ParseBandwidth("262100M", "-numa 'x'"));
        Assert.Equal("262100M", HmatUnits.FormatBandwidth(262100UL << 20));
    }

    [Fact]
    public void Hmat_bandwidth_must_be_MiB_aligned()
    {
        // QEMU 10: bandwidth=1000 → "Bandwidth 1000 between initiator=0 and target=0 should be 1MB aligned"
        var e = Assert.Throws<UserError>(() => HmatUnits.ParseBandwidth("1000", "-numa 'hmat-lb,...'"));
        Assert.Contains("1 MiB", e.Problem);
        Assert.Equal(1536UL << 20, HmatUnits.ParseBandwidth("1.5G", "x"));
        Assert.Throws<UserError>(() => HmatUnits.ParseBandwidth("1.0000001G", "x"));
    }

    [Fact]
    public void Hmat_latency_is_an_integer_in_ns()
    {
        Assert.Equal(91UL, HmatUnits.ParseLatency("91", "x"));
        Assert.Equal(16UL, HmatUnits.ParseLatency("0x10", "x"));
        Assert.Throws<UserError>(() => HmatUnits.ParseLatency("91ns", "x"));
        Assert.Throws<UserError>(() => HmatUnits.ParseLatency("1K", "x"));
    }

    [Fact]
    public void Hmat_encodability_follows_numa_c()
    {
        Assert.True(HmatUnits.BandwidthsEncodable([262100UL << 20, 30000UL << 20]));
        Assert.False(HmatUnits.BandwidthsEncodable([1UL << 20, 1UL << 40]));
        Assert.True(HmatUnits.LatenciesEncodable([91, 100]));
        Assert.False(HmatUnits.LatenciesEncodable([1, 100000]));
    }
}
