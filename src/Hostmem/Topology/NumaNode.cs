namespace Hostmem.Topology;

/// <summary>One host NUMA node as the kernel shows it under /sys/devices/system/node/nodeN.</summary>
public sealed record NumaNode
{
    public required int Id { get; init; }
    public required bool Online { get; init; }
    public required IReadOnlyList<int> Cpus { get; init; }
    public ulong? MemTotalBytes { get; init; }
    public ulong? MemFreeBytes { get; init; }
    /// <summary>SLIT distances to other nodes, by node id (the kernel lists them in online-node order).</summary>
    public IReadOnlyDictionary<int, int> Distances { get; init; } = new Dictionary<int, int>();
    /// <summary>HMAT figures from the nearest initiator of any kind (access0).</summary>
    public AccessCoordinates? Access0 { get; init; }
    /// <summary>HMAT figures from the nearest CPU initiator (access1); what the kernel's tiering reads.</summary>
    public AccessCoordinates? Access1 { get; init; }
    public IReadOnlyList<MemorySideCache> MemorySideCaches { get; init; } = [];
    /// <summary>Physical address ranges of the node's memory blocks; empty when not readable.</summary>
    public IReadOnlyList<AddressRange> MemoryRanges { get; init; } = [];
    /// <summary>Huge page pools on this node, by page size (ascending); empty when the kernel shows none.</summary>
    public IReadOnlyList<HugePagePool> HugePages { get; init; } = [];
    /// <summary>The kernel memory tier (memory_tierN) holding this node, null when the kernel shows none.</summary>
    public int? Tier { get; init; }

    public bool HasCpus => Cpus.Count > 0;
    public bool HasMemory => MemTotalBytes is > 0;

    /// <summary>access1 first (CPU initiators, as the kernel's tiering and hwloc use), else access0.</summary>
    public AccessCoordinates? BestAccess => Access1 ?? Access0;
}

/// <summary>HMAT (or CDAT-derived) access figures for a memory target from its nearest initiators.</summary>
public sealed record AccessCoordinates
{
    public required string Class { get; init; } // "access0" or "access1"
    public ulong? ReadLatencyNs { get; init; }
    public ulong? WriteLatencyNs { get; init; }
    public ulong? ReadBandwidthMBps { get; init; }
    public ulong? WriteBandwidthMBps { get; init; }
    /// <summary>Initiator node ids (for a NUMA node); empty for a CXL region's figures.</summary>
    public IReadOnlyList<int> Initiators { get; init; } = [];
    /// <summary>The folder the figures came from, for evidence.</summary>
    public required string Source { get; init; }

    public bool HasLatency => ReadLatencyNs is not null && WriteLatencyNs is not null;
    public bool HasBandwidth => ReadBandwidthMBps is not null && WriteBandwidthMBps is not null;
    public bool IsComplete => HasLatency && HasBandwidth;
}

/// <summary>A memory-side cache level in front of a node (HMAT), e.g. DRAM caching Optane in 2LM mode.</summary>
public sealed record MemorySideCache(int Level, ulong SizeBytes, ulong? LineSizeBytes, string? Indexing, string? WritePolicy);

/// <summary>A physical address range [Start, End], inclusive as /proc/iomem prints it.</summary>
public readonly record struct AddressRange(ulong Start, ulong End)
{
    public ulong Length => End - Start + 1;
    public bool Contains(AddressRange other) => other.Start >= Start && other.End <= End;
    public override string ToString() => $"0x{Start:x}-0x{End:x}";
}
