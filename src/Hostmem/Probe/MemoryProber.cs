using System.Diagnostics;
using Hostmem.Sysfs;
using Hostmem.Topology;

namespace Hostmem.Probe;

/// <summary>
/// Measures each initiator node / target node pair: idle latency (one pinned thread chasing pointers through a buffer
/// bound to the target), then read and write bandwidth (a pinned thread per usable CPU of the initiator on the same
/// buffer). A pair that cannot get its memory or CPUs is refused in one line; the others go on.
/// </summary>
public sealed class MemoryProber(HostTopology host, SysfsTree tree)
{
    public IReadOnlyList<PairResult> Run(ProbeRequest request, Action<ProbeProgress>? progress, CancellationToken cancel)
    {
        var results = new List<PairResult>();
        var pairs = (from i in request.Initiators from t in request.Targets select (i, t)).ToList();
        for (var k = 0; k < pairs.Count; k++)
        {
            var (i, t) = pairs[k];
            var at = k;
            try
            {
                results.Add(Measure(request, i, t, (phase, f) => progress?.Invoke(new ProbeProgress(i, t, at + 1, pairs.Count, phase, f)), cancel));
            }
            catch (ProbeRefusal r)
            {
                results.Add(new PairRefusal(i, t, r.Reason, r.Hint));
            }
        }
        return results;
    }

    PairMeasurement Measure(ProbeRequest request, int initiator, int target, Action<string, double> progress, CancellationToken cancel)
    {
        var began = Stopwatch.GetTimestamp();
        var cpus = UsableCpus(request, initiator);
        var llc = CpuCaches.LastLevelBytes(tree, cpus);
        var bytes = request.BufferBytes ?? request.Mode.BufferBytes(llc);
        CheckBudget(request, target, bytes);
        using var buffer = NodeBuffer.Allocate(bytes, target, tree);
        var latency = OnCpu(cpus[0], () =>
        {
            progress("link", 0);
            PointerChase.Link(buffer.Start, bytes, seed: (ulong)Stopwatch.GetTimestamp(), cancel);
            return PointerChase.Measure(buffer.Start, request.Mode.LoadsPerSample, request.Mode.LatencySamples, f => progress("latency", f), cancel);
        });
        using var workers = new PinnedWorkers(cpus, buffer.Start, bytes);
        var read = workers.BestBytesPerSecond((s, n) => Volatile.Write(ref _sink, StreamKernels.Read(s, n)),
            request.Mode.BandwidthDuration, request.Mode.MinBandwidthRounds, f => progress("read", f), cancel);
        var write = workers.BestBytesPerSecond((s, n) => StreamKernels.WriteNonTemporal(s, n, 0x5A5A5A5A5A5A5A5AUL),
            request.Mode.BandwidthDuration, request.Mode.MinBandwidthRounds, f => progress("write", f), cancel);
        const double MiB = 1 << 20;
        return new PairMeasurement(initiator, target, cpus[0], cpus, latency, read / MiB, write / MiB, bytes, llc,
            buffer.HugePageBytes, buffer.BytesOnNode, Stopwatch.GetElapsedTime(began).TotalSeconds);
    }

    ulong _sink;

    /// <summary>The initiator's CPUs that this process may run on.</summary>
    IReadOnlyList<int> UsableCpus(ProbeRequest request, int initiator)
    {
        var node = host.Node(initiator) ?? throw new ProbeRefusal($"node {initiator} does not exist", "see 'hostmem topology' for the host's nodes");
        if (!node.HasCpus) throw new ProbeRefusal($"node {initiator} has no CPUs, so it cannot be an initiator", "give --initiators nodes with CPUs");
        var cpus = request.AllowedCpus is { } allowed ? [.. node.Cpus.Intersect(allowed)] : node.Cpus;
        return cpus.Count > 0 ? cpus
            : throw new ProbeRefusal($"none of node {initiator}'s CPUs ({CpuList.Format(node.Cpus)}) is in this process's CPU set ({CpuList.Format(request.AllowedCpus!)})",
                "run hostmem where it may use that node's CPUs (taskset, cgroup cpuset), or leave the node out of --initiators");
    }

    /// <summary>Refuses a buffer larger than the allowed share of the node's free memory, before asking the kernel for it.</summary>
    void CheckBudget(ProbeRequest request, int target, ulong bytes)
    {
        var node = host.Node(target) ?? throw new ProbeRefusal($"node {target} does not exist", "see 'hostmem topology' for the host's nodes");
        if (!node.HasMemory) throw new ProbeRefusal($"node {target} has no memory", "give --nodes nodes with memory");
        if (node.MemFreeBytes is not { } free) return;
        var budget = (ulong)(free * request.MaxFreeShare);
        if (bytes > budget)
            throw new ProbeRefusal(
                $"the {Bytes.Format(bytes)} buffer is more than {request.MaxFreeShare * 100:0.#}% of node {target}'s free memory ({Bytes.Format(free)})",
                $"free memory on node {target}, allow a larger share with --max-share PERCENT, or give a smaller --buffer SIZE (at least 4x the last-level cache)");
    }

    /// <summary>Runs <paramref name="work"/> on a thread pinned to <paramref name="cpu"/> and returns its result.</summary>
    static T OnCpu<T>(int cpu, Func<T> work)
    {
        T result = default!;
        Exception? failed = null;
        var thread = new Thread(() =>
        {
            try
            {
                if (ProbeSyscalls.PinCurrentThread(cpu) is var errno and not 0)
                    throw new ProbeRefusal($"cannot run on CPU {cpu} (sched_setaffinity: {ProbeSyscalls.Name(errno)})", "run hostmem where it may use that CPU (taskset, cgroup cpuset)");
                result = work();
            }
            catch (Exception e) { failed = e; }
        }) { IsBackground = true, Name = $"probe latency cpu{cpu}" };
        thread.Start();
        thread.Join();
        if (failed is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failed);
        return result;
    }
}
