using System.Runtime.CompilerServices;

namespace Hostmem.Probe;

/// <summary>
/// Idle latency: one cache line of the buffer holds the address of the next, in a random order that is a single cycle
/// through every line, so each load depends on the one before and the prefetchers cannot guess the next line.
/// </summary>
public static unsafe class PointerChase
{
    public const int LineBytes = 64;

    /// <summary>
    /// Links every line of [start, start+bytes) into one random cycle (Sattolo's algorithm: swapping each position only with
    /// an earlier one yields a single cycle, uniformly among all cyclic permutations). The shuffle runs on line indices in
    /// place, then one sequential pass turns them into addresses.
    /// </summary>
    public static void Link(nint start, ulong bytes, ulong seed, CancellationToken cancel = default)
    {
        var lines = bytes / LineBytes;
        var b = (byte*)start;
        for (ulong i = 0; i < lines; i++) *(ulong*)(b + i * LineBytes) = i;
        var rng = new SplitMix64(seed);
        for (var i = lines - 1; i > 0; i--)
        {
            if ((i & 0xFFFFF) == 0) cancel.ThrowIfCancellationRequested();
            var j = rng.Below(i); // 0 <= j < i: Sattolo, not Fisher-Yates (j <= i), or the cycle breaks
            var pi = (ulong*)(b + i * LineBytes);
            var pj = (ulong*)(b + j * LineBytes);
            (*pi, *pj) = (*pj, *pi);
        }
        for (ulong i = 0; i < lines; i++)
        {
            var p = (ulong*)(b + i * LineBytes);
            *p = (ulong)start + *p * LineBytes;
        }
    }

    /// <summary>Follows the chain from <paramref name="from"/> for <paramref name="loads"/> loads (a multiple of 16);
    /// returns where it stopped, so the next run continues the walk.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static nint Walk(nint from, long loads)
    {
        var p = (nint*)from;
        for (var n = loads / 16; n > 0; n--)
        {
            p = (nint*)*p; p = (nint*)*p; p = (nint*)*p; p = (nint*)*p;
            p = (nint*)*p; p = (nint*)*p; p = (nint*)*p; p = (nint*)*p;
            p = (nint*)*p; p = (nint*)*p; p = (nint*)*p; p = (nint*)*p;
            p = (nint*)*p; p = (nint*)*p; p = (nint*)*p; p = (nint*)*p;
        }
        return (nint)p;
    }

    /// <summary>
    /// ns per load: after a warm-up walk, <paramref name="samples"/> timed walks of <paramref name="loadsPerSample"/>
    /// loads each, timed in this thread's CPU time (the thread is pinned, so that is time on its CPU); the median, so that
    /// an interrupt in one sample does not move the figure.
    /// </summary>
    public static double Measure(nint start, long loadsPerSample, int samples, Action<double>? progress, CancellationToken cancel)
    {
        var p = Walk(start, loadsPerSample / 4 / 16 * 16);
        var ns = new double[samples];
        for (var s = 0; s < samples; s++)
        {
            cancel.ThrowIfCancellationRequested();
            var t0 = ProbeSyscalls.ThreadCpuNanoseconds();
            p = Walk(p, loadsPerSample);
            ns[s] = (double)(ProbeSyscalls.ThreadCpuNanoseconds() - t0) / loadsPerSample;
            progress?.Invoke((s + 1.0) / samples);
        }
        Sink = p;
        Array.Sort(ns);
        return samples % 2 == 1 ? ns[samples / 2] : (ns[samples / 2 - 1] + ns[samples / 2]) / 2;
    }

    /// <summary>Keeps the walk's end alive so the compiler cannot drop the loads.</summary>
    public static nint Sink;
}

/// <summary>SplitMix64 (Steele, Lea, Flood 2014): fast, good enough to scatter lines, and reproducible from a seed.</summary>
internal struct SplitMix64(ulong seed)
{
    ulong _state = seed;

    public ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A value in [0, bound): Lemire's multiply-shift (the bias, under 2^-40 for these bounds, does not matter here).</summary>
    public ulong Below(ulong bound) => Math.BigMul(Next(), bound, out _);
}
