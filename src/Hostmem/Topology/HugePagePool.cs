namespace Hostmem.Topology;

/// <summary>A node's pool of huge pages of one size (nodeN/hugepages/hugepages-2048kB): how many the kernel set aside
/// there (nr_hugepages) and how many of them no one uses yet (free_hugepages).</summary>
public sealed record HugePagePool(ulong PageSizeBytes, ulong? Total, ulong? Free);
