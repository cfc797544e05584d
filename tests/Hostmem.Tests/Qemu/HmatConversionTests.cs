using CsCheck;
using Hostmem;
using Hostmem.Qemu;
using Xunit;

namespace Hostmem.Tests.Qemu;

/// <summary>Host figures (sysfs ns and MB/s) into hmat-lb values QEMU 10 accepts and the guest reads back.</summary>
public class HmatConversionTests
{
    [Theory]
    [InlineData(262100UL, "262100M")]
    [InlineData(30000UL, "30000M")]
    [InlineData(16000UL, "16000M")]
    [InlineData(1024UL, "1G")]
    [InlineData(32768UL, "32G")]
    [InlineData(1UL, "1M")]
    [InlineData(1025UL, "1025M")]
    [InlineData(4294967295UL, "4294967295M")]
    public void Host_MBps_become_MiB_aligned_bytes_per_second_the_guest_reads_back(ulong mbps, string expected)
    {
        string text = HmatUnits.FormatBandwidthMBps(mbps);
        Assert.Equal(expected, text);
        ulong bytes = HmatUnits.ParseBandwidth(text, "x"); // QEMU's own parse: 1 MiB aligned
        Assert.Equal(0UL, bytes % QemuSize.MiB);
        Assert.Equal(mbps, bytes >> 20); // what the guest shows as MB/s
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(4294967296UL)]
    public void Bandwidth_outside_the_guests_u32_or_zero_is_refused(ulong mbps) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => HmatUnits.FormatBandwidthMBps(mbps));

    [Fact]
    public void Latency_is_written_in_ns_unchanged_and_never_0()
    {
        Assert.Equal("270", HmatUnits.FormatLatencyNs(270));
        Assert.Equal("17350", HmatUnits.FormatLatencyNs(17350));
        Assert.Equal(17350UL, HmatUnits.ParseLatency(HmatUnits.FormatLatencyNs(17350), "x"));
        Assert.Throws<ArgumentOutOfRangeException>(() => HmatUnits.FormatLatencyNs(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => HmatUnits.FormatLatencyNs(1UL << 32));
    }

    [Fact]
    public void Bandwidths_that_fit_one_table_are_kept_exactly()
    {
        Assert.Equal([262100UL, 30000UL], HmatUnits.FitBandwidthsMBps([262100, 30000]));
        Assert.Equal([262100UL, 262100UL], HmatUnits.FitBandwidthsMBps([262100, 262100]));
        Assert.Equal([262100UL, 131000UL, 32000UL, 16000UL], HmatUnits.FitBandwidthsMBps([262100, 131000, 32000, 16000]));
    }

    [Fact]
    public void Very_slow_next_to_very_fast_bandwidth_is_rounded_to_a_common_power_of_two()
    {
        // 262100 has bit 17 set, 1 has bit 0: a span of 18 bits, QEMU refuses ("should not differ ... on more than 16")
        Assert.False(HmatUnits.BandwidthsEncodable([262100UL << 20, 1UL << 20]));
        var fit = HmatUnits.FitBandwidthsMBps([262100, 1]);
        Assert.True(HmatUnits.BandwidthsEncodable(fit.Select(v => v << 20)));
        // unit 4: 262100 is 65525 * 4 exactly; 1 rounds up to the unit (never 0, which would read as "no figure")
        Assert.Equal([262100UL, 4UL], fit);
    }

    [Fact]
    public void Bandwidth_rounding_is_to_the_nearest_multiple_ties_up()
    {
        // 262143 (18 bits) with 1: unit 4 -> 262143 is 65535.75 units -> 262144, which has 19 bits: unit 8 -> 262144 (32768 units)
        var fit = HmatUnits.FitBandwidthsMBps([262143, 1, 6]);
        Assert.True(HmatUnits.BandwidthsEncodable(fit.Select(v => v << 20)));
        Assert.Equal([262144UL, 8UL, 8UL], fit);
        // ties go up: 10 at unit 4 is 2.5 units -> 12
        Assert.Equal([262100UL, 12UL], HmatUnits.FitBandwidthsMBps([262100, 10]));
    }

    [Fact]
    public void Latencies_that_fit_are_kept_and_ones_that_do_not_share_a_power_of_ten()
    {
        Assert.Equal([100UL, 270UL], HmatUnits.FitLatenciesNs([100, 270]));
        Assert.Equal([100UL, 17350UL, 17450UL], HmatUnits.FitLatenciesNs([100, 17350, 17450]));
        // 91 pins the base at 1, so 100000 would be entry 100000 >= 65535: round to tens
        Assert.False(HmatUnits.LatenciesEncodable([91, 100000]));
        Assert.Equal([90UL, 100000UL], HmatUnits.FitLatenciesNs([91, 100000]));
        // ties up: 95 -> 100
        Assert.Equal([100UL, 100000UL], HmatUnits.FitLatenciesNs([95, 100000]));
        // very slow: 1 ms next to 7 ns -> unit 100, and 7 becomes 100 (never 0)
        Assert.Equal([100UL, 1000000UL], HmatUnits.FitLatenciesNs([7, 1000000]));
        // 65534 fits at base 1, 65535 does not
        Assert.Equal([1UL, 65534UL], HmatUnits.FitLatenciesNs([1, 65534]));
        Assert.Equal([10UL, 65540UL], HmatUnits.FitLatenciesNs([1, 65535]));
    }

    [Fact]
    public void Zero_figures_are_refused_by_the_fitters()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => HmatUnits.FitLatenciesNs([0, 100]));
        Assert.Throws<ArgumentOutOfRangeException>(() => HmatUnits.FitBandwidthsMBps([0, 100]));
    }

    [Theory]
    [InlineData("30721024")] // QEMU: "Bandwidth 30721024 between initiator=0 and target=1 should be 1MB aligned"
    [InlineData("1.5K")]
    [InlineData("1048577")]
    public void Bandwidth_that_is_not_1_MiB_aligned_is_refused_with_a_hint(string text)
    {
        var e = Assert.Throws<UserError>(() => HmatUnits.ParseBandwidth(text, "-numa hmat-lb"));
        Assert.Contains("not a multiple of 1 MiB/s", e.Problem);
        Assert.Contains("M (MiB/s)", e.Hint);
    }

    [Theory]
    [InlineData("1048576", 1UL)]
    [InlineData("0.5G", 512UL)]
    [InlineData("1.5M", null)] // 1572864 B/s: not a whole MiB
    [InlineData("2T", 2UL << 20)]
    public void Aligned_bandwidth_in_any_unit_reads_as_whole_MiB_per_second(string text, ulong? mibps)
    {
        if (mibps is null) { Assert.Throws<UserError>(() => HmatUnits.ParseBandwidth(text, "x")); return; }
        Assert.Equal(mibps.Value, HmatUnits.ParseBandwidth(text, "x") >> 20);
    }

    // ------------------------------------------------------------ properties of the table fitting

    static readonly Gen<ulong> AnyMBps = Gen.OneOf(Gen.ULong[1, 64], Gen.ULong[1, 300_000], Gen.ULong[1, HmatUnits.MaxBandwidthMBps]);
    static readonly Gen<ulong> AnyNs = Gen.OneOf(Gen.ULong[1, 300], Gen.ULong[1, 2_000_000], Gen.ULong[1, HmatUnits.MaxLatencyNs]);

    [Fact]
    public void Any_bandwidth_table_comes_out_encodable_nonzero_and_within_half_a_unit()
    {
        AnyMBps.List[1, 6].Sample(raw =>
        {
            var fit = HmatUnits.FitBandwidthsMBps(raw);
            Assert.Equal(raw.Count, fit.Count);
            Assert.True(HmatUnits.BandwidthsEncodable(fit.Select(v => v << 20)), string.Join(",", raw));
            Assert.All(fit, v => Assert.InRange(v, 1UL, HmatUnits.MaxBandwidthMBps));
            Assert.All(fit, v => Assert.Equal(v, HmatUnits.ParseBandwidth(HmatUnits.FormatBandwidthMBps(v), "x") >> 20)); // 1 MiB aligned, exact
            if (HmatUnits.BandwidthsEncodable(raw.Select(v => v << 20))) Assert.Equal(raw, fit);
            // one power-of-two unit for the whole table, each value at most half of it away (never 0: raised to the unit)
            Assert.True(Powers(2).Any(u => Within(fit, raw, u)), $"{string.Join(",", raw)} -> {string.Join(",", fit)}");
        }, iter: 2000);
    }

    [Fact]
    public void Any_latency_table_comes_out_encodable_nonzero_and_within_half_a_unit()
    {
        AnyNs.List[1, 6].Sample(raw =>
        {
            var fit = HmatUnits.FitLatenciesNs(raw);
            Assert.True(HmatUnits.LatenciesEncodable(fit), string.Join(",", raw));
            Assert.All(fit, v => Assert.InRange(v, 1UL, HmatUnits.MaxLatencyNs));
            if (HmatUnits.LatenciesEncodable(raw)) Assert.Equal(raw, fit);
            Assert.True(Powers(10).Any(u => Within(fit, raw, u)), $"{string.Join(",", raw)} -> {string.Join(",", fit)}");
        }, iter: 2000);
    }

    static ulong Diff(ulong a, ulong b) => a > b ? a - b : b - a;

    static IEnumerable<ulong> Powers(ulong radix)
    {
        for (ulong u = 1; u <= HmatUnits.MaxBandwidthMBps; u *= radix) yield return u;
    }

    // Every fitted value a multiple of unit, at most half a unit from its input; an input below the unit becomes the unit.
    // Half a unit, or, where the nearest multiple lies above the kernel's u32, the multiple just below it (at most a unit
    // away): 4294920245 MB/s beside 46 needs a 2^17 unit, and 2^32 does not fit (#17 item 5 crashed there).
    static bool Within(IReadOnlyList<ulong> fit, IReadOnlyList<ulong> raw, ulong unit) =>
        fit.Zip(raw).All(p => p.First % unit == 0 && (p.Second < unit ? p.First == unit
            : Diff(p.First, p.Second) <= unit / 2 || (p.First + unit > HmatUnits.MaxBandwidthMBps && p.First < p.Second && p.Second - p.First < unit)));

    [Fact]
    public void Latencies_qemu_would_truncate_are_not_encodable_in_any_order()
    {
        // QEMU takes 100 then 323601 (the base drops to 1 after the check) and writes 323601 mod 65536 = 61457 into the table
        Assert.False(HmatUnits.LatenciesEncodable([100, 323601]));
        Assert.False(HmatUnits.LatenciesEncodable([323601, 100]));
        Assert.Equal([100UL, 323600UL], HmatUnits.FitLatenciesNs([100, 323601]));
        Assert.False(HmatUnits.LatenciesEncodable([323600, 92]));
        Assert.True(HmatUnits.LatenciesEncodable([100, 323600]));
    }
}
