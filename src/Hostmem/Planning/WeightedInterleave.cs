using Hostmem.Classification;

namespace Hostmem.Planning;

/// <summary>One host node's part of a weighted-interleave backend: its kernel weight and the bytes that weight gives it.</summary>
/// <param name="Weight">The weight the kernel uses (<see cref="Topology.InterleaveWeights.Effective"/>).</param>
/// <param name="Share">Weight over the sum of the backend's weights: the fraction of its pages the node gets.</param>
public sealed record NodeShare(int Node, HostMemType Type, int Weight, double Share, ulong ExpectedBytes);

/// <summary>
/// The memory policy hostmem sets on itself (set_mempolicy(2), MPOL_WEIGHTED_INTERLEAVE) just before it becomes QEMU. A
/// task's policy survives execve and every thread QEMU starts inherits it; a backend written with policy=default (QEMU
/// then calls no mbind: backends/hostmem.c, since QEMU 5.1) gets its pages where the faulting thread's policy says.
/// </summary>
/// <param name="Nodes">The host nodes of the policy's node mask, ascending.</param>
/// <param name="Backends">The backends that follow it (all over the same nodes: a task has one policy).</param>
public sealed record TaskMemoryPolicy(IReadOnlyList<int> Nodes, IReadOnlyList<string> Backends)
{
    /// <summary>include/uapi/linux/mempolicy.h: MPOL_WEIGHTED_INTERLEAVE (Linux >= 6.9).</summary>
    public const int WeightedInterleaveMode = 6;
}
