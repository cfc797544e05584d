namespace Hostmem.Probe;

/// <summary>The outcome for one initiator -> target pair: a <see cref="PairMeasurement"/> or a <see cref="PairRefusal"/>.</summary>
public abstract record PairResult(int Initiator, int Target);

/// <summary>What the probe measured from one initiator node's CPUs to one target node's memory.</summary>
/// <param name="LatencyCpu">The CPU the latency thread ran on (the initiator's first usable CPU).</param>
/// <param name="Cpus">The CPUs that ran the bandwidth threads, one thread each.</param>
/// <param name="ReadBandwidthMiBps">Bytes per second / 2^20: the kernel's HMAT "MB/s", QEMU's bandwidth=NM.</param>
/// <param name="LlcBytes">The initiator's last-level cache from sysfs; null when sysfs shows none (the buffer then assumes one).</param>
/// <param name="HugePageBytes">Bytes of the buffer in transparent huge pages (smaps AnonHugePages); null when unreadable.</param>
/// <param name="BytesOnTarget">Bytes of the buffer the kernel shows on the target (numa_maps); null when unreadable.</param>
public sealed record PairMeasurement(
    int Initiator,
    int Target,
    int LatencyCpu,
    IReadOnlyList<int> Cpus,
    double ReadLatencyNs,
    double ReadBandwidthMiBps,
    double WriteBandwidthMiBps,
    ulong BufferBytes,
    ulong? LlcBytes,
    ulong? HugePageBytes,
    ulong? BytesOnTarget,
    double Seconds) : PairResult(Initiator, Target);

/// <summary>A pair the probe could not measure, and why in one line.</summary>
public sealed record PairRefusal(int Initiator, int Target, string Reason, string Hint) : PairResult(Initiator, Target);
