namespace Hostmem.Topology;

/// <summary>A CXL memory device (memN): a type-3 expander with volatile and/or persistent capacity.</summary>
public sealed record CxlMemdev
{
    public required string Name { get; init; }
    public ulong RamBytes { get; init; }
    public ulong PmemBytes { get; init; }
    public string? Serial { get; init; }
    /// <summary>The node the device is attached near (numa_node), null when the kernel says -1.</summary>
    public int? NumaNode { get; init; }
    public string? FirmwareVersion { get; init; }
    /// <summary>Its endpoint port (endpointN), where its decoders live.</summary>
    public string? Endpoint { get; init; }
}

public enum CxlDecoderKind { Root, Switch, Endpoint, Unknown }

/// <summary>An HDM decoder: root decoders are CXL fixed memory windows, endpoint decoders map device capacity.</summary>
public sealed record CxlDecoder
{
    public required string Name { get; init; }
    public required CxlDecoderKind Kind { get; init; }
    public ulong? Start { get; init; }
    public ulong? Size { get; init; }
    public string? Mode { get; init; }
    public ulong? DpaSize { get; init; }
    public int? InterleaveWays { get; init; }
    public int? InterleaveGranularity { get; init; }
    public string? Region { get; init; }
    /// <summary>The port that owns it (rootN, portN, endpointN).</summary>
    public string? Port { get; init; }
    /// <summary>Root decoders: whether it can host ram/pmem regions.</summary>
    public bool CanRam { get; init; }
    public bool CanPmem { get; init; }
}

public enum RegionMode { Ram, Pmem, Unknown }

/// <summary>A CXL region: host physical address space assembled from one or more endpoint decoders.</summary>
public sealed record CxlRegion
{
    public required string Name { get; init; }
    public required RegionMode Mode { get; init; }
    public ulong? SizeBytes { get; init; }
    public ulong? Resource { get; init; }
    public bool Committed { get; init; }
    public int? InterleaveWays { get; init; }
    public int? InterleaveGranularity { get; init; }
    /// <summary>targetN entries, endpoint decoder names, in position order.</summary>
    public IReadOnlyList<string> Targets { get; init; } = [];
    /// <summary>The root decoder (fixed memory window) it lives in.</summary>
    public string? RootDecoder { get; init; }
    public AccessCoordinates? Access0 { get; init; }
    public AccessCoordinates? Access1 { get; init; }
    /// <summary>dax_regionN under it, when the cxl_dax_region driver made one.</summary>
    public string? DaxRegion { get; init; }
    /// <summary>Names of the DAX devices inside its dax region.</summary>
    public IReadOnlyList<string> DaxDevices { get; init; } = [];
    /// <summary>Bound to the cxl_region driver (needed before a dax region appears).</summary>
    public bool HasDriver { get; init; }
}

/// <summary>Everything under /sys/bus/cxl.</summary>
public sealed record CxlTopology
{
    public IReadOnlyList<CxlMemdev> Memdevs { get; init; } = [];
    public IReadOnlyList<CxlDecoder> Decoders { get; init; } = [];
    public IReadOnlyList<CxlRegion> Regions { get; init; } = [];
    public static CxlTopology Empty { get; } = new();
}
