namespace Hostmem.Classification;

/// <summary>Was the node checked against the CXL fixed memory windows (firmware-onlined CXL looks like DRAM)?</summary>
public enum CxlWindowCheck
{
    /// <summary>A device told the type; windows not needed.</summary>
    NotNeeded,
    Inside,
    Outside,
    /// <summary>No window information was readable (needs root or cxl_acpi), or the node's blocks are unknown.</summary>
    Unknown,
}

/// <summary>A node's memory type and the files that led there.</summary>
public sealed record NodeClassification(int Node, HostMemType Type, IReadOnlyList<string> Evidence, CxlWindowCheck CxlWindow)
{
    /// <summary>The dax device whose memory this node is, when there is one.</summary>
    public string? BackingDevice { get; init; }
}
