using Hostmem.Classification;
using Hostmem.Qemu;

namespace Hostmem.Planning;

/// <summary>How the host nodes of a backend were chosen.</summary>
public enum NodeRule
{
    /// <summary>The nodes of the type nearest (SLIT distance) to the CPUs the process may run on; ties keep all.</summary>
    Nearest,
    /// <summary>Every node of the type (<c>host-mem-nodes=all</c>).</summary>
    All,
    /// <summary>A devdax device of the type, given whole to a <c>memory-backend-file</c> (no NUMA node exists for it).</summary>
    Devdax,
    /// <summary><c>host-mem-type=none</c>: hostmem's properties removed, nothing placed.</summary>
    None,
    /// <summary>The nodes the user listed (<c>host-mem-nodes=0,1</c>; weighted interleave only).</summary>
    Listed,
}

/// <summary><c>--guest-numa</c>: give host-mem-type memory its own guest node with HMAT figures (auto), or leave NUMA alone (off).</summary>
public enum GuestNumaMode { Off, Auto }

/// <summary>QEMU's HostMemPolicy values hostmem writes.</summary>
public enum BindPolicy
{
    Bind,
    Preferred,
    Interleave,
    /// <summary>Not a QEMU policy: the backend is written with policy=default and hostmem sets MPOL_WEIGHTED_INTERLEAVE on
    /// the process that becomes QEMU (<see cref="TaskMemoryPolicy"/>).</summary>
    WeightedInterleave,
}

public static class PlanNames
{
    public static string Name(this NodeRule rule) => rule switch
    {
        NodeRule.Nearest => "nearest",
        NodeRule.All => "all",
        NodeRule.Devdax => "devdax",
        NodeRule.None => "none",
        NodeRule.Listed => "listed",
        _ => throw new ArgumentOutOfRangeException(nameof(rule)),
    };

    public static string Name(this BindPolicy policy) => policy switch
    {
        BindPolicy.Bind => "bind",
        BindPolicy.Preferred => "preferred",
        BindPolicy.Interleave => "interleave",
        BindPolicy.WeightedInterleave => "weighted-interleave",
        _ => throw new ArgumentOutOfRangeException(nameof(policy)),
    };
}

/// <summary>What the planner knows about the process that will become QEMU.</summary>
/// <param name="Cpus">The CPUs it may run on; null = unknown (every CPU node counts).</param>
/// <param name="CpusSource">Where <paramref name="Cpus"/> came from, for the plan (<c>--cpus</c>, <c>proc/self/status Cpus_allowed_list</c>).</param>
/// <param name="MemsAllowed">The nodes its cpuset lets it allocate from (Mems_allowed_list); null = unknown (all).</param>
public sealed record PlanOptions(IReadOnlyList<int>? Cpus = null, string CpusSource = "unknown", IReadOnlyList<int>? MemsAllowed = null)
{
    public static PlanOptions Default { get; } = new();

    /// <summary>Devdax devices other processes use (skipped when hostmem fills in mem-path=), and the claims a start holds.</summary>
    public DevdaxClaims DevdaxClaims { get; init; } = DevdaxClaims.None;
    /// <summary>--figures FILE: figures `hostmem probe` measured on this host; they take the place of firmware's.</summary>
    public Probe.MeasuredFigures? Measured { get; init; }

    /// <summary>Guest NUMA nodes with HMAT figures for the planned backends. Off here until the CLI passes --guest-numa.</summary>
    public GuestNumaMode GuestNuma { get; init; } = GuestNumaMode.Off;
    /// <summary>--latency TYPE=NS: figures for a type the host has none for (used only with a bandwidth for the same type).</summary>
    public IReadOnlyDictionary<HostMemType, ulong> LatencyNs { get; init; } = new Dictionary<HostMemType, ulong>();
    /// <summary>--cdat: CDAT tables for cxl-type3 devices whose memory hostmem places (auto), or none (off).</summary>
    public Cxl.CdatMode Cdat { get; init; } = Cxl.CdatMode.Off;
    /// <summary>--cdat-dir DIR: the tables' files (written by the CLI); null: a memfd QEMU inherits (/proc/self/fd/N).</summary>
    public string? CdatDir { get; init; }
    /// <summary>--bandwidth TYPE=MBPS.</summary>
    public IReadOnlyDictionary<HostMemType, ulong> BandwidthMBps { get; init; } = new Dictionary<HostMemType, ulong>();
}

/// <summary>A devdax device given whole to a file backend.</summary>
public sealed record DevdaxChoice(string Name, string DevicePath, ulong? SizeBytes, ulong AlignBytes, string Origin);

/// <summary>The placement of one <c>-object memory-backend-*</c> that carried <c>host-mem-type=</c>.</summary>
public sealed record BackendPlan
{
    /// <summary>The backend's <c>id=</c>.</summary>
    public required string Id { get; init; }
    /// <summary>memory-backend-ram, -memfd or -file.</summary>
    public required string QomType { get; init; }
    /// <summary>Position of the <c>-object</c> in the output's <see cref="QemuCommandLine.Arguments"/>.</summary>
    public required int ArgumentIndex { get; init; }
    /// <summary>The type asked for; null for <c>host-mem-type=none</c> and for several types (<see cref="Types"/>).</summary>
    public HostMemType? Type { get; init; }
    /// <summary>The types of <c>host-mem-type=dram+cxl-ram</c> (weighted interleave); empty for one type.</summary>
    public IReadOnlyList<HostMemType> Types { get; init; } = [];
    /// <summary>How the plan names the type: <c>cxl-ram</c>, <c>dram+cxl-ram</c>, <c>none</c>.</summary>
    public string TypeName => Types.Count > 0 ? string.Join('+', Types.Select(t => t.Name())) : Type?.Name() ?? "none";
    /// <summary>Weighted interleave: each host node's weight and expected part; empty otherwise.</summary>
    public IReadOnlyList<NodeShare> Interleave { get; init; } = [];
    public required NodeRule Rule { get; init; }
    /// <summary>The host nodes written to <c>host-nodes=</c>, ascending; empty for devdax and none.</summary>
    public IReadOnlyList<int> HostNodes { get; init; } = [];
    public BindPolicy? Policy { get; init; }
    public DevdaxChoice? Devdax { get; init; }
    public ulong? SizeBytes { get; init; }
    /// <summary>Total memory of the chosen nodes (or the devdax device's size).</summary>
    public ulong? CapacityBytes { get; init; }
    /// <summary>Free memory of the chosen nodes when the host says (MemFree).</summary>
    public ulong? FreeBytes { get; init; }
    /// <summary>Why these nodes, one reason a line (the rule, the distances, the candidates left out).</summary>
    public IReadOnlyList<string> Why { get; init; } = [];
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>
/// The planner's answer: which host memory backs which backend and why, and the command line that says so to any QEMU.
/// Plain data; later planners add guest nodes (NUMA, HMAT) beside <see cref="Backends"/>.
/// </summary>
public sealed record MemoryPlan
{
    public required IReadOnlyList<BackendPlan> Backends { get; init; }
    /// <summary>The CPUs planned for and where that came from.</summary>
    public IReadOnlyList<int>? Cpus { get; init; }
    public required string CpusSource { get; init; }
    /// <summary>The host nodes holding those CPUs (the "near" side of the nearest rule).</summary>
    public required IReadOnlyList<int> CpuNodes { get; init; }
    /// <summary>Guest NUMA nodes (empty with --guest-numa off or when nothing needs one), figures and tiers read back from
    /// the output.</summary>
    public IReadOnlyList<GuestNodePlan> GuestNodes { get; init; } = [];
    /// <summary>The guest layout the output was rendered from (empty without guest NUMA).</summary>
    public GuestLayout Layout { get; init; } = GuestLayout.None([]);
    /// <summary>The guest's SLIT entries, read back from the output.</summary>
    public IReadOnlyList<GuestDistance> Distances { get; init; } = [];
    /// <summary>The guest's HMAT latency and bandwidth entries, read back from the output, each with who wrote it.</summary>
    public IReadOnlyList<GuestHmatEntry> Hmat { get; init; } = [];
    /// <summary>Where the user's figures and the host's differ (the user's win).</summary>
    public IReadOnlyList<FigureConflict> Conflicts => Layout.Conflicts;
    /// <summary>Plan-wide notes: what guest NUMA did or why it did not, what hostmem filled in, conflicts.</summary>
    public IReadOnlyList<PlanNote> Notes { get; init; } = [];
    /// <summary>cxl-type3 devices given a CDAT, with the region figures and tier a Linux 6.12 guest will have.</summary>
    public IReadOnlyList<Cxl.CxlDevicePlan> CxlDevices { get; init; } = [];
    /// <summary>The rewritten command line; every argument not planned is the input's, byte for byte. Null for a plan
    /// rendered as a libvirt domain.</summary>
    public QemuCommandLine? Command { get; init; }
    /// <summary>The policy hostmem sets on itself before it execs QEMU (weighted interleave); null: none.</summary>
    public TaskMemoryPolicy? TaskPolicy { get; init; }

    public IEnumerable<string> Warnings => Backends.SelectMany(b => b.Warnings.Select(w => $"{b.Id}: {w}"))
        .Concat(Notes.Where(n => n.IsWarning).Select(n => n.Text));

    /// <summary>The argv QEMU gets (program first).</summary>
    public string[] ToArgv() => Command?.ToArgv() ?? [];
}
