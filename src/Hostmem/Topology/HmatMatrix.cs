namespace Hostmem.Topology;

/// <summary>Could hostmem read the ACPI HMAT table (/sys/firmware/acpi/tables/HMAT, root only)?</summary>
public enum AcpiTableEvidence
{
    /// <summary>The firmware publishes no HMAT: there are no figures beyond what sysfs shows (none).</summary>
    Absent,
    /// <summary>The table exists but this process may not read it (not root).</summary>
    NotReadable,
    /// <summary>Read and parsed (possibly with diagnostics).</summary>
    Readable,
}

/// <summary>What an SRAT proximity domain holds; one domain can be several (CPUs and memory).</summary>
/// <param name="Pxm">The ACPI proximity domain number.</param>
/// <param name="Node">The NUMA node the kernel gave it; null for a domain that makes no node (a generic port) or
/// when the mapping could not be proven (see <see cref="HmatMatrix.NodesProven"/>).</param>
/// <param name="PortHandle">For a generic port: its ACPI device handle as "HID:UID" (a CXL host bridge: ACPI0016:12).</param>
public sealed record ProximityDomain(uint Pxm, int? Node, bool HasCpus, bool HasMemory, bool IsGenericInitiator, bool IsGenericPort, string? PortHandle = null);

/// <summary>
/// One initiator → target cell of the HMAT's memory-hierarchy tables, every data type folded in: latency in ns (the
/// table's picoseconds × base unit, rounded up as the kernel's hmat_normalize), bandwidth in MB/s. Null = the table
/// gives no figure; <see cref="Unreachable"/> when it says 0xFFFF.
/// </summary>
public sealed record HmatLocality
{
    public required uint InitiatorPxm { get; init; }
    public required uint TargetPxm { get; init; }
    public int? InitiatorNode { get; init; }
    public int? TargetNode { get; init; }
    /// <summary>The target is a generic port (a CXL host bridge), not memory: its figures are the path to the port.</summary>
    public bool TargetIsPort { get; init; }
    public ulong? ReadLatencyNs { get; init; }
    public ulong? WriteLatencyNs { get; init; }
    public ulong? ReadBandwidthMBps { get; init; }
    public ulong? WriteBandwidthMBps { get; init; }
    public bool Unreachable { get; init; }

    public bool IsComplete => ReadLatencyNs is > 0 && WriteLatencyNs is > 0 && ReadBandwidthMBps is > 0 && WriteBandwidthMBps is > 0;
}

/// <summary>
/// The ACPI HMAT read whole: every initiator × target figure the firmware gives, where sysfs shows only each memory
/// node's nearest initiator (nodeN/access0, access1). Proximity domains are mapped to node ids through the SRAT.
/// </summary>
public sealed record HmatMatrix
{
    public required byte Revision { get; init; }
    public IReadOnlyList<ProximityDomain> Domains { get; init; } = [];
    public IReadOnlyList<HmatLocality> Localities { get; init; } = [];
    /// <summary>True when every domain's node id is the kernel's (SRAT order agrees with sysfs); else node ids are null
    /// and the matrix speaks in proximity domains only.</summary>
    public bool NodesProven { get; init; }
    /// <summary>What was wrong with the tables (truncation, bad checksum, unknown structures), one line each.</summary>
    public IReadOnlyList<string> Diagnostics { get; init; } = [];

    /// <summary>The cell from initiator node to target node, when both map to nodes and the table has it.</summary>
    public HmatLocality? Between(int initiatorNode, int targetNode) =>
        NodesProven ? Localities.FirstOrDefault(l => l.InitiatorNode == initiatorNode && l.TargetNode == targetNode && !l.TargetIsPort) : null;
}
