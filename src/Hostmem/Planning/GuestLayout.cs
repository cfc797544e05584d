using Hostmem.Classification;
using Hostmem.Qemu;

namespace Hostmem.Planning;

/// <summary>Who put a guest node or distance into the layout.</summary>
public enum Author { User, Hostmem }

/// <summary>Where a guest node's latency and bandwidth (or one HMAT entry) came from.</summary>
public enum FiguresSource { None, HostAccess1, HostAccess0, CxlRegion, CommandLine, UserEntries, AcpiHmat, Measured }

/// <summary>One guest NUMA node of the layout: what backs it, its CPUs, its initiator, and the figures hostmem has for it.</summary>
public sealed record LayoutNode
{
    public required int Id { get; init; }
    /// <summary>The memory backend's id; null for a node the user wrote without memdev=.</summary>
    public string? Backend { get; init; }
    public IReadOnlyList<int> HostNodes { get; init; } = [];
    public HostMemType? Type { get; init; }
    public bool HasCpus { get; init; }
    public ulong SizeBytes { get; init; }
    /// <summary>The user's node (kept as written, initiator= added where HMAT needs it), or one hostmem adds.</summary>
    public required Author Author { get; init; }
    /// <summary>The node whose figures the guest kernel gives a CPU-less node (<c>initiator=</c>); null for CPU nodes.</summary>
    public int? Initiator { get; init; }
    /// <summary>The figures hostmem has for the memory behind it (host, --latency/--bandwidth, measured); null when none.</summary>
    public MemoryPerformance? Figures { get; init; }
    public FiguresSource FiguresFrom { get; init; }
    /// <summary>Weighted interleave over <see cref="HostNodes"/>: each one's share (the figures are the mix's); empty otherwise.</summary>
    public IReadOnlyList<NodeShare> Interleave { get; init; } = [];
    public IReadOnlyList<string> Why { get; init; } = [];
    /// <summary>The virtio-mem device whose memory the guest gets on this node after boot (its id, or its driver); null for none.</summary>
    public string? PlugDevice { get; init; }
    /// <summary>How much the device can plug (its memdev's size): memory beside <see cref="SizeBytes"/>, none of it at boot.</summary>
    public ulong PlugBytes { get; init; }
}

/// <summary>One entry of the guest's SLIT.</summary>
public sealed record GuestDistance(int From, int To, int Value, Author Author = Author.Hostmem);

/// <summary>One memory-hierarchy HMAT entry: latency in ns, or bandwidth in MB/s as the guest's sysfs shows it, and who
/// wrote it (<see cref="FiguresSource.UserEntries"/> for the user's own entries).</summary>
public sealed record GuestHmatEntry(int Initiator, int Target, HmatDataType DataType, ulong Value, FiguresSource Source = FiguresSource.None)
{
    public bool IsLatency => DataType.IsLatency();
    public bool IsUsers => Source == FiguresSource.UserEntries;
}

/// <summary>A node whose figures the user wrote and the host (or an option) gives differently: the user's win.</summary>
public sealed record FigureConflict(int Node, MemoryPerformance User, MemoryPerformance Host, FiguresSource HostSource);

/// <summary>
/// The guest's NUMA layout as hostmem plans it: nodes, the full distance matrix, the HMAT entries (the user's and those
/// hostmem adds), the conflicts between the user's figures and the host's, and typed notes. Plain data, no QEMU or libvirt
/// text: the renderers (<see cref="QemuLayoutWriter"/>, the libvirt patcher) write it, and the figures hostmem reports are
/// read back from what they wrote (<see cref="GuestTables"/>).
/// </summary>
public sealed record GuestLayout
{
    public required IReadOnlyList<LayoutNode> Nodes { get; init; }
    public IReadOnlyList<GuestDistance> Distances { get; init; } = [];
    public IReadOnlyList<GuestHmatEntry> Hmat { get; init; } = [];
    /// <summary>The guest needs <c>hmat=on</c> (initiators or entries); false when the user turned it off.</summary>
    public bool HmatOn { get; init; }
    public IReadOnlyList<FigureConflict> Conflicts { get; init; } = [];
    public IReadOnlyList<PlanNote> Notes { get; init; } = [];

    public static GuestLayout None(IReadOnlyList<PlanNote> notes) => new() { Nodes = [], Notes = notes };

    public bool IsEmpty => Nodes.Count == 0;

    /// <summary>Entries hostmem adds (the user's are on the line or in the domain already).</summary>
    public IEnumerable<GuestHmatEntry> AddedHmat => Hmat.Where(h => !h.IsUsers);

    public IEnumerable<GuestDistance> AddedDistances => Distances.Where(d => d.Author == Author.Hostmem);

    public LayoutNode? Node(int id) => Nodes.FirstOrDefault(n => n.Id == id);

    /// <summary>An entry read back from the output, with who wrote it: the layout's entry for that pair and type (an entry
    /// the layout does not have is the user's, kept as written).</summary>
    public GuestHmatEntry WhoWrote(GuestHmatEntry read) =>
        Hmat.FirstOrDefault(l => l.Initiator == read.Initiator && l.Target == read.Target && l.DataType == read.DataType)
        ?? read with { Source = FiguresSource.UserEntries };
}
