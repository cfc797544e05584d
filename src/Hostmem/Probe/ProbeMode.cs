namespace Hostmem.Probe;

/// <summary>How long and how big each pair's measurement is: --quick (under 1 s a pair), default (under 3 s), --thorough.</summary>
public sealed record ProbeMode(
    string Name,
    ulong MinBufferBytes,
    long LoadsPerSample,
    int LatencySamples,
    TimeSpan BandwidthDuration,
    int MinBandwidthRounds)
{
    public const ulong MiB = 1UL << 20;

    /// <summary>The buffer is at least this many times the last-level cache, so nearly every load misses it.</summary>
    public const int LlcMultiple = 4;

    /// <summary>What the buffer assumes when sysfs shows no caches (many VMs): a 64 MiB last-level cache, the size of
    /// large server L3 slices today; the output says the size was assumed.</summary>
    public const ulong AssumedLlcBytes = 64 * MiB;

    public static readonly ProbeMode Quick = new("quick", 256 * MiB, 1L << 18, 3, TimeSpan.FromMilliseconds(100), 3);
    // Default: 5 samples of 2^19 loads. The chase was nearly two thirds of a pair's time at 2^20 (about 1.9 s of CPU at
    // ~330 ns a load on the bench VM); a sample of 2^19 random loads already averages the miss/hit mix to well under
    // 0.1 %, so halving it cuts a second without moving the figure (bench/README.md: 8 interleaved runs, new/old 1.00).
    public static readonly ProbeMode Default = new("default", 256 * MiB, 1L << 19, 5, TimeSpan.FromMilliseconds(400), 5);
    public static readonly ProbeMode Thorough = new("thorough", 1024 * MiB, 1L << 21, 9, TimeSpan.FromSeconds(2), 10);

    /// <summary>4 x the last-level cache (or the assumption), at least the mode's minimum, in whole 2 MiB huge pages.</summary>
    public ulong BufferBytes(ulong? llcBytes)
    {
        var want = Math.Max(LlcMultiple * (llcBytes ?? AssumedLlcBytes), MinBufferBytes);
        const ulong huge = 2 * MiB;
        return (want + huge - 1) / huge * huge;
    }
}
