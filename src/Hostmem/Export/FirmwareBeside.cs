using System.Text.Json.Serialization;
using Hostmem.Probe;

namespace Hostmem.Export;

/// <summary>
/// The host's firmware figures for one measured initiator -> target pair, beside the measurement, and measured / firmware
/// (far from 1 means the firmware is wrong: 17300 ns for a CXL node reads as ~0.02). The keys `hostmem probe`'s
/// measurements and `hostmem topology --figures` share, written after the measured figures; null where the host has
/// none for the pair.
/// </summary>
public abstract record FirmwareBeside
{
    /// <summary>For the reader: the keys are filled from the file.</summary>
    protected FirmwareBeside() { }

    /// <param name="firmware">The host's figures for the pair (<see cref="FirmwareFigures.For"/>); null: none.</param>
    /// <param name="readLatencyNs">The measured figures as the report writes them (the ratios are of what the reader sees).</param>
    protected FirmwareBeside(FirmwareFigures? firmware, double readLatencyNs, double readBandwidthMbps, double writeBandwidthMbps)
    {
        HmatSource = firmware?.Source;
        HmatReadLatencyNs = firmware?.ReadLatencyNs;
        HmatWriteLatencyNs = firmware?.WriteLatencyNs;
        HmatReadBandwidthMbps = firmware?.ReadBandwidthMBps;
        HmatWriteBandwidthMbps = firmware?.WriteBandwidthMBps;
        ReadLatencyRatio = Ratio(readLatencyNs, HmatReadLatencyNs);
        ReadBandwidthRatio = Ratio(readBandwidthMbps, HmatReadBandwidthMbps);
        WriteBandwidthRatio = Ratio(writeBandwidthMbps, HmatWriteBandwidthMbps);
    }

    [JsonPropertyOrder(1)] public string? HmatSource { get; init; }
    [JsonPropertyOrder(1)] public ulong? HmatReadLatencyNs { get; init; }
    [JsonPropertyOrder(1)] public ulong? HmatWriteLatencyNs { get; init; }
    [JsonPropertyOrder(1)] public ulong? HmatReadBandwidthMbps { get; init; }
    [JsonPropertyOrder(1)] public ulong? HmatWriteBandwidthMbps { get; init; }
    [JsonPropertyOrder(1)] public double? ReadLatencyRatio { get; init; }
    [JsonPropertyOrder(1)] public double? ReadBandwidthRatio { get; init; }
    [JsonPropertyOrder(1)] public double? WriteBandwidthRatio { get; init; }

    /// <summary>measured / firmware, 3 decimals; null without a firmware figure.</summary>
    public static double? Ratio(double measured, ulong? firmware) => firmware is > 0 ? Math.Round(measured / firmware.Value, 3) : null;
}
