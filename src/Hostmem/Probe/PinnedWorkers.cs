using System.Diagnostics;

namespace Hostmem.Probe;

/// <summary>
/// One thread per CPU of the initiator, each pinned to its CPU and given its own slice of the buffer, started together
/// for each round; a round's bandwidth is all the bytes over the time from the common start to the last thread's end.
/// </summary>
public sealed class PinnedWorkers : IDisposable
{
    readonly Thread[] _threads;
    readonly Barrier _barrier;
    readonly (nint Start, ulong Bytes)[] _slices;
    readonly int[] _pinErrno;
    readonly long[] _began, _ended;
    Action<nint, ulong>? _work;
    volatile bool _stop;

    public int Count => _threads.Length;

    public PinnedWorkers(IReadOnlyList<int> cpus, nint start, ulong bytes)
    {
        _slices = Slice(start, bytes, cpus.Count);
        _pinErrno = new int[cpus.Count];
        (_began, _ended) = (new long[cpus.Count], new long[cpus.Count]);
        _barrier = new Barrier(cpus.Count + 1);
        _threads = [.. cpus.Select((cpu, k) => new Thread(() => Run(k, cpu)) { IsBackground = true, Name = $"probe cpu{cpu}" })];
        foreach (var t in _threads) t.Start();
        _barrier.SignalAndWait(); // every thread has tried to pin itself
        for (var k = 0; k < cpus.Count; k++)
            if (_pinErrno[k] != 0)
            {
                Dispose();
                throw new ProbeRefusal($"cannot run on CPU {cpus[k]} (sched_setaffinity: {ProbeSyscalls.Name(_pinErrno[k])}): it is outside this process's cpuset or offline",
                    "run hostmem where it may use that node's CPUs (taskset, cgroup cpuset), or leave the node out of --initiators");
            }
    }

    /// <summary>Equal slices on 4 KiB boundaries (aligned for vector and non-temporal stores), the last one taking the rest.</summary>
    static (nint, ulong)[] Slice(nint start, ulong bytes, int n)
    {
        var each = bytes / (ulong)n / 4096 * 4096;
        return [.. Enumerable.Range(0, n).Select(k => (start + (nint)(each * (ulong)k), k == n - 1 ? bytes - each * (ulong)(n - 1) : each))];
    }

    void Run(int k, int cpu)
    {
        _pinErrno[k] = ProbeSyscalls.PinCurrentThread(cpu);
        _barrier.SignalAndWait();
        while (true)
        {
            _barrier.SignalAndWait(); // round starts
            if (_stop) return;
            _began[k] = Stopwatch.GetTimestamp();
            _work!(_slices[k].Start, _slices[k].Bytes);
            _ended[k] = Stopwatch.GetTimestamp();
            _barrier.SignalAndWait(); // round ends
        }
    }

    /// <summary>Runs <paramref name="work"/> on every slice at once, round after round for at least <paramref name="duration"/>
    /// (and at least <paramref name="minRounds"/>); the best round's bytes per second, as STREAM and likwid-bench report.</summary>
    public double BestBytesPerSecond(Action<nint, ulong> work, TimeSpan duration, int minRounds, Action<double>? progress, CancellationToken cancel)
    {
        _work = work;
        var total = _slices.Aggregate(0UL, (s, x) => s + x.Bytes);
        var best = 0.0;
        var began = Stopwatch.GetTimestamp();
        for (var round = 0; round < minRounds || Stopwatch.GetElapsedTime(began) < duration; round++)
        {
            cancel.ThrowIfCancellationRequested();
            _barrier.SignalAndWait();
            _barrier.SignalAndWait();
            // From the first thread's start to the last one's end, as the threads saw it: the barrier's wake-ups are not
            // part of the transfer.
            var seconds = Stopwatch.GetElapsedTime(_began.Min(), _ended.Max()).TotalSeconds;
            best = Math.Max(best, total / seconds);
            progress?.Invoke(Math.Min(1, Stopwatch.GetElapsedTime(began) / duration));
        }
        return best;
    }

    public void Dispose()
    {
        if (_stop) return;
        _stop = true;
        _barrier.SignalAndWait();
        foreach (var t in _threads) t.Join();
        _barrier.Dispose();
    }
}
