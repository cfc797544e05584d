namespace Hostmem.Probe;

/// <summary>What to measure and within which limits.</summary>
/// <param name="BufferBytes">--buffer: overrides the mode's size (4 x LLC); null for the mode's rule.</param>
/// <param name="MaxFreeShare">The most of a node's free memory one buffer may take (0..1], --max-share.</param>
/// <param name="AllowedCpus">The CPUs this process may run on (Cpus_allowed_list); null when unknown.</param>
public sealed record ProbeRequest(
    IReadOnlyList<int> Initiators,
    IReadOnlyList<int> Targets,
    ProbeMode Mode,
    ulong? BufferBytes,
    double MaxFreeShare,
    IReadOnlyList<int>? AllowedCpus);

/// <summary>Where the probe is, for a progress line: pair, phase (link, latency, read, write) and how far (0..1).</summary>
public readonly record struct ProbeProgress(int Initiator, int Target, int Pair, int Pairs, string Phase, double Fraction);
