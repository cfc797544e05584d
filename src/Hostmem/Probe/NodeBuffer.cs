using Hostmem.Status;
using Hostmem.Sysfs;
using Hostmem.Topology;
using static Hostmem.Probe.ProbeSyscalls;

namespace Hostmem.Probe;

/// <summary>
/// Memory on one NUMA node for the probe: an anonymous mapping bound to the node (mbind MPOL_BIND) before any page
/// exists, advised to transparent huge pages, then populated, so every page is allocated on the node by the bind.
/// Says how much the kernel put in huge pages and on the node (from /proc/self/smaps and numa_maps).
/// </summary>
public sealed class NodeBuffer : IDisposable
{
    const ulong HugePage = 2UL << 20; // x86-64 and arm64 (4 KiB base pages) PMD size: the THP the kernel grants

    readonly nint _mapping;
    readonly nuint _mappingLength;

    public nint Start { get; }
    public ulong Bytes { get; }
    public int Node { get; }
    /// <summary>Bytes in transparent huge pages (smaps AnonHugePages), null when smaps could not be read.</summary>
    public ulong? HugePageBytes { get; }
    /// <summary>Bytes the kernel shows on <see cref="Node"/> (numa_maps), null when numa_maps could not be read.</summary>
    public ulong? BytesOnNode { get; }

    NodeBuffer(nint mapping, nuint mappingLength, nint start, ulong bytes, int node, ulong? huge, ulong? onNode)
    {
        (_mapping, _mappingLength, Start, Bytes, Node, HugePageBytes, BytesOnNode) = (mapping, mappingLength, start, bytes, node, huge, onNode);
    }

    /// <summary>
    /// Maps <paramref name="bytes"/> (a multiple of 2 MiB) on <paramref name="node"/>. A refusal (no memory, a cpuset
    /// without the node, mbind refused) is a <see cref="ProbeRefusal"/> with one line saying which.
    /// </summary>
    public static NodeBuffer Allocate(ulong bytes, int node, SysfsTree proc)
    {
        // One huge page more than asked, so the used range can start on a 2 MiB boundary the kernel can back with THPs.
        var length = (nuint)(bytes + HugePage);
        if (MapAnonymous(length, out var errno) is not { } mapping)
            throw new ProbeRefusal($"cannot map {Topology.Bytes.Format(bytes)}: mmap failed with {Name(errno)}",
                "free memory, or give a smaller --buffer SIZE");
        var start = (nint)(((ulong)mapping + HugePage - 1) & ~(HugePage - 1));
        try
        {
            if (BindToNode(start, (nuint)bytes, node) is var bindErrno and not 0)
                throw new ProbeRefusal(bindErrno == EINVAL
                    ? $"mbind(MPOL_BIND) to node {node} refused with EINVAL: the node is not in this process's cpuset (Mems_allowed) or has no memory"
                    : $"mbind(MPOL_BIND) to node {node} refused with {Name(bindErrno)}",
                    "run hostmem where it may use that node's memory (cgroup cpuset.mems, numactl), or leave the node out of --nodes");
            Madvise(start, (nuint)bytes, MADV_HUGEPAGE); // advice only: THP disabled ("never") is not an error, it is reported below
            Populate(start, bytes, node);
            var (huge, onNode) = Inspect(proc, (ulong)start, node);
            return new NodeBuffer(mapping, length, start, bytes, node, huge, onNode);
        }
        catch
        {
            Munmap(mapping, length);
            throw;
        }
    }

    /// <summary>Allocates every page now (MADV_POPULATE_WRITE, Linux >= 5.14; else a write per page), so page faults stay
    /// out of the timed loops and a node without room says so here.</summary>
    static unsafe void Populate(nint start, ulong bytes, int node)
    {
        if (Madvise(start, (nuint)bytes, MADV_POPULATE_WRITE) == 0) return;
        var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
        if (errno is ENOMEM or EFAULT or EHWPOISON)
            throw new ProbeRefusal($"node {node} could not give {Topology.Bytes.Format(bytes)} ({Name(errno)} while allocating): it is full or its memory is reserved",
                "free memory on the node, or give a smaller --buffer SIZE or --max-share PERCENT");
        var p = (byte*)start;
        for (ulong off = 0; off < bytes; off += 4096) p[off] = 0;
    }

    static (ulong? Huge, ulong? OnNode) Inspect(SysfsTree proc, ulong start, int node)
    {
        var huge = ReadWhole(proc, "self/smaps") is { } smaps ? Smaps.AnonHugePagesAt(smaps, start) : null;
        ulong? onNode = null;
        foreach (var line in (ReadWhole(proc, "self/numa_maps") ?? "").Split('\n'))
            if (line.Length > 0 && NumaMaps.ParseLine(line) is { } m && m.Address == start)
                onNode = m.BytesOn(node);
        return (huge, onNode);
    }

    /// <summary>smaps and numa_maps run to many pages, handed out by seq_file in reads shorter than asked: read to the end
    /// (SysfsTree.ReadProc stops after a short first read, right for one-page attributes only).</summary>
    static string? ReadWhole(SysfsTree proc, string name)
    {
        if (proc.ProcRoot is null) return null;
        try { return File.ReadAllText(Path.Combine(proc.ProcRoot, name)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    public void Dispose() => Munmap(_mapping, _mappingLength);
}

/// <summary>The probe could not measure one initiator/target pair: one line saying why (no memory, cpuset, mbind).</summary>
public sealed class ProbeRefusal(string reason, string hint) : Exception(reason)
{
    public string Reason { get; } = reason;
    public string Hint { get; } = hint;
}
