namespace Hostmem.Topology;

/// <summary>What a DAX device's memory came from.</summary>
public enum DaxParentKind { CxlRegion, CxlPmemRegion, NvdimmRegion, Hmem, Unknown }

/// <summary>How a DAX device is used: onlined as System RAM by kmem, or a /dev/daxX.Y character device.</summary>
public enum DaxMode { SystemRam, Devdax, Unbound, Other }

/// <summary>A device under /sys/bus/dax.</summary>
public sealed record DaxDevice
{
    public required string Name { get; init; }
    public ulong? SizeBytes { get; init; }
    /// <summary>The NUMA node its memory becomes (or would become) when onlined by kmem.</summary>
    public int? TargetNode { get; init; }
    public int? NumaNode { get; init; }
    public ulong? AlignBytes { get; init; }
    public ulong? Resource { get; init; }
    public string? Driver { get; init; }
    public required DaxMode Mode { get; init; }
    public required DaxParentKind ParentKind { get; init; }
    /// <summary>The parent's name: region0 (CXL), region5 (NVDIMM), hmem.1.</summary>
    public string? Parent { get; init; }
    /// <summary>The device folder, for evidence.</summary>
    public required string Path { get; init; }

    public string DevicePath => "/dev/" + Name;
}

/// <summary>An NVDIMM (libnvdimm) region under /sys/bus/nd, e.g. from -machine nvdimm=on.</summary>
public sealed record NvdimmRegion(string Name, ulong? SizeBytes, int? NumaNode, int? TargetNode);
