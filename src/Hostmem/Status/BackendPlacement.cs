namespace Hostmem.Status;

/// <summary>How a backend was tied to its mappings in QEMU's address space (see docs/status.md, "Matching").</summary>
public enum BackendMatch
{
    /// <summary>A RAM block named after the backend (<c>info ramblock</c>): its host address is the mapping's address.</summary>
    RamBlockName,
    /// <summary>An unnamed RAM block mapped from a memfd named after the backend (QEMU does this for share=on RAM).</summary>
    MemfdName,
    /// <summary>The only unnamed RAM block of the backend's size, and the only unmatched backend of that size.</summary>
    RamBlockSize,
    /// <summary>Several unnamed blocks of that size, but only one whose mapping has the backend's policy and nodes.</summary>
    RamBlockSizeAndPolicy,
    /// <summary>No host addresses from QEMU (7.2): the only mapping of the backend's size.</summary>
    MappingSize,
    /// <summary>No host addresses from QEMU (7.2): the only mapping of the backend's size with its policy and nodes.</summary>
    MappingSizeAndPolicy,
    /// <summary>No QMP: a mapping with an explicit policy (or a QEMU memfd), id unknown.</summary>
    NumaMapsOnly,
    /// <summary>No mapping could be tied to the backend; its placement is unknown.</summary>
    Unmatched,
}

/// <summary>Bytes of one backend on one host node, and their share of the backend's resident bytes.</summary>
public sealed record NodeShare(int Node, ulong Bytes, double Percent, bool Intended);

/// <summary>One memory backend of a running QEMU: what QEMU was asked for (query-memdev) and where its pages are
/// (numa_maps). Without QMP only the mapping side is known.</summary>
public sealed record BackendPlacement
{
    /// <summary>The backend's id; null when only numa_maps was read.</summary>
    public string? Id { get; init; }
    public ulong? SizeBytes { get; init; }
    /// <summary>QEMU's policy name (default, preferred, bind, interleave); null without QMP.</summary>
    public string? Policy { get; init; }
    public IReadOnlyList<int> HostNodes { get; init; } = [];
    public bool? Prealloc { get; init; }
    public BackendMatch Match { get; init; }
    /// <summary>Where the backend is mapped in QEMU's address space.</summary>
    public ulong? HostAddress { get; init; }
    /// <summary>The kernel's policy on the mapping, as numa_maps shows it (for a mapping without its own policy, the
    /// policy of QEMU's process, e.g. from numactl).</summary>
    public MemPolicy? MappingPolicy { get; init; }
    public string? File { get; init; }
    public bool Huge { get; init; }
    public ulong? PageSizeBytes { get; init; }
    public ulong ResidentBytes { get; init; }
    public IReadOnlyList<NodeShare> Nodes { get; init; } = [];
    /// <summary>The nodes the pages should be on: host-nodes of a bind/preferred/interleave backend, else the nodes of an
    /// explicit mapping policy; empty when any node is right.</summary>
    public IReadOnlyList<int> IntendedNodes { get; init; } = [];
    public ulong OutsideBytes { get; init; }
    /// <summary>QEMU says one policy, the kernel applies another to the mapping.</summary>
    public bool PolicyMismatch { get; init; }
    public IReadOnlyList<string> Notes { get; init; } = [];

    public bool HasProblem => OutsideBytes > 0 || PolicyMismatch;
}
