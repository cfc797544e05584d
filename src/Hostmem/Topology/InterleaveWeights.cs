namespace Hostmem.Topology;

/// <summary>
/// The kernel's weighted-interleave weights (Linux >= 6.9): /sys/kernel/mm/mempolicy/weighted_interleave/nodeN, one global
/// weight per node that every task with MPOL_WEIGHTED_INTERLEAVE uses, and (Linux >= 6.16) <c>auto</c>: weights the kernel
/// derives from HMAT bandwidth until someone writes a node's weight (Documentation/ABI/testing/sysfs-kernel-mm-mempolicy-weighted-interleave).
/// </summary>
/// <param name="Weights">nodeN's weight as read (absent: no file for that node).</param>
/// <param name="Auto">The <c>auto</c> file (<c>__auto_type</c> on some 6.18 kernels): true (the kernel sets the weights), false (manual), null (no such file: Linux 6.9-6.15).</param>
public sealed record InterleaveWeights(IReadOnlyDictionary<int, int> Weights, bool? Auto)
{
    /// <summary>The weight the kernel uses for <paramref name="node"/>: 6.9-6.15's get_il_weight() takes an unset (0) entry as 1,
    /// and a node without a file has no entry of its own (the default, 1).</summary>
    public int Effective(int node) => Weights.TryGetValue(node, out int w) && w > 0 ? w : 1;
}
