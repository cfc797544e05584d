using Hostmem.Sysfs;

namespace Hostmem.Topology;

/// <summary>An immutable snapshot of the host's memory, read once from sysfs/procfs.</summary>
public sealed record HostTopology
{
    public required string SysRoot { get; init; }
    public IReadOnlyList<NumaNode> Nodes { get; init; } = [];
    public IReadOnlyList<MemoryTier> Tiers { get; init; } = [];
    public CxlTopology Cxl { get; init; } = CxlTopology.Empty;
    public IReadOnlyList<DaxDevice> Dax { get; init; } = [];
    public IReadOnlyList<NvdimmRegion> NvdimmRegions { get; init; } = [];
    /// <summary>CXL fixed memory windows, from /proc/iomem or the ACPI CEDT; see <see cref="CxlWindowEvidence"/>.</summary>
    public IReadOnlyList<CxlWindow> CxlWindows { get; init; } = [];
    public required WindowEvidence CxlWindowEvidence { get; init; }
    /// <summary>The ACPI HMAT's full initiator × target matrix; null unless <see cref="HmatEvidence"/> is Readable.</summary>
    public HmatMatrix? Hmat { get; init; }
    public AcpiTableEvidence HmatEvidence { get; init; } = AcpiTableEvidence.Absent;
    /// <summary>Whether the kernel has the memory_tiering interface at all (Linux >= 6.1).</summary>
    public bool HasMemoryTiering { get; init; }
    /// <summary>The weighted-interleave weights; null when the kernel has no weighted interleave (before Linux 6.9).</summary>
    public InterleaveWeights? InterleaveWeights { get; init; }
    public IReadOnlyList<ReadProblem> ReadProblems { get; init; } = [];

    public NumaNode? Node(int id) => Nodes.FirstOrDefault(n => n.Id == id);
}

/// <summary>A CXL fixed memory window: host physical addresses decoded to CXL.</summary>
public sealed record CxlWindow(AddressRange Range, string Source);

/// <summary>Could hostmem see where the CXL windows are? Needs root (/proc/iomem addresses, ACPI tables).</summary>
public enum WindowEvidence { Readable, NotReadable }
