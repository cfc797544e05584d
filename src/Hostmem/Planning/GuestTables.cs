using Hostmem.Qemu;

namespace Hostmem.Planning;

/// <summary>A guest node as its firmware tables describe it.</summary>
/// <param name="Initiator">The SRAT/HMAT "attached initiator" of a CPU-less node (QEMU's initiator=); null when none.</param>
/// <param name="PlugsLater">A virtio-mem device's node= (memory the guest gets after boot).</param>
public sealed record GuestTableNode(int Id, bool HasCpus, bool HasMemory, int? Initiator, bool PlugsLater = false);

/// <summary>
/// What a guest's firmware tables will say, read back from a rendered output (a QEMU command line, a libvirt domain) by
/// that syntax's one reader, and what the guest kernel makes of it: each node's access1 figures (drivers/acpi/numa/hmat.c)
/// and its memory tier (<see cref="KernelTierModel"/>). The figures and tiers hostmem reports come from here, never from
/// its own intent, so they cannot disagree with what the guest gets.
/// </summary>
public sealed record GuestTables(IReadOnlyList<GuestTableNode> Nodes, IReadOnlyList<GuestHmatEntry> Hmat, IReadOnlyList<GuestDistance> Distances)
{
    /// <summary>A copy (<c>with</c>) builds its own index: the original's describes the original's lists.</summary>
    GuestTables(GuestTables original)
    {
        Nodes = original.Nodes;
        Hmat = original.Hmat;
        Distances = original.Distances;
    }

    TablesIndex? index;

    /// <summary>Equal as before the index existed: by the three lists (not by whether a lookup was built).</summary>
    public bool Equals(GuestTables? other) => other is not null && ReferenceEquals(Nodes, other.Nodes) && ReferenceEquals(Hmat, other.Hmat)
        && ReferenceEquals(Distances, other.Distances);

    public override int GetHashCode() => HashCode.Combine(Nodes, Hmat, Distances);

    /// <summary>Lookups by node and by (initiator, target, type), built on first use: a 128-node guest has 128 targets
    /// and 256+ entries, and every per-node question would otherwise scan them all.</summary>
    TablesIndex Lookup => index ??= new TablesIndex(Nodes, Hmat);

    /// <summary>The tables a QEMU command line gives (<see cref="NumaLayout"/>, the one reader of -numa).</summary>
    public static GuestTables FromQemu(QemuCommandLine command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var numa = NumaLayout.Of(command);
        var sizes = command.MemoryBackends().Where(b => b.Id is not null).GroupBy(b => b.Id!).ToDictionary(g => g.Key, g => g.First().Size, StringComparer.Ordinal);
        var plugNodes = VirtioMemDevice.Of(command).Select(d => d.Node).ToHashSet();
        var nodes = numa.Nodes.OrderBy(n => n.Id).Select(n => new GuestTableNode(n.Id, numa.HasCpus(n.Id),
            n.MemDev is { } md ? sizes.TryGetValue(md, out var s) && s is not 0UL : n.Mem is not null && QemuSize.TryParseMemory(n.Mem) is > 0,
            n.Initiator is { } i ? (int)i : null, plugNodes.Contains((ulong)n.Id))).ToList();
        var hmat = new List<GuestHmatEntry>();
        foreach (var e in numa.HmatLb)
        {
            if (e.Hierarchy != "memory" || e.Type is not { } type || e.Value is not { } v) continue;
            // A bandwidth is bytes/s; QEMU's table and the guest's sysfs count MB/s (2^20 B/s). Unaligned: what it means.
            ulong value = e.IsLatency ? v : v == 0 ? 0 : Math.Max(1, (v + QemuSize.MiB / 2) / QemuSize.MiB);
            hmat.Add(new GuestHmatEntry((int)e.Initiator, (int)e.Target, type, value));
        }
        return new GuestTables(nodes, hmat, Completed(numa.Distances));
    }

    /// <summary>Every direction QEMU ends up with, ordered by source and destination: a direction the line leaves out
    /// is the other one's value (hw/core/numa.c, complete_init_numa_distance; a line with an asymmetric pair must give
    /// both, and one with a pair given in neither direction is refused, so mirroring is all that is left to do).</summary>
    static List<GuestDistance> Completed(IReadOnlyList<NumaDistOption> given)
    {
        var all = new Dictionary<long, GuestDistance>(2 * given.Count);
        foreach (var d in given)
            all[Slot((int)d.Src, (int)d.Dst)] = new GuestDistance((int)d.Src, (int)d.Dst, (int)Math.Min(d.Val, int.MaxValue));
        foreach (var g in all.Values.ToArray())
            if (g.From != g.To) all.TryAdd(Slot(g.To, g.From), new GuestDistance(g.To, g.From, g.Value));
        // Sorted by one long per direction, (from, to) in order: a 128-node line has 16,256 of them.
        var sorted = new GuestDistance[all.Count];
        all.Values.CopyTo(sorted, 0);
        var keys = Array.ConvertAll(sorted, d => (long)d.From << 32 | ((uint)d.To ^ 0x8000_0000u)); // to's sign bit flipped
        Array.Sort(keys, sorted);
        return [.. sorted];
    }

    /// <summary>One direction as a dictionary key: unique (multiplying by an odd constant is a bijection on 32 bits) and
    /// spread by long's hash (high ^ low), which (from << 32 | to) is not: its hashes are from ^ to, a few hundred values.</summary>
    static long Slot(int from, int to) => (long)from << 32 | (uint)to * 0x9E37_79B1u;

    public GuestTableNode? Node(int id) => Lookup.Nodes.GetValueOrDefault(id);

    /// <summary>The initiators whose entries set a target's access1 figures: a CPU node's own, a CPU-less node's attached
    /// initiator (when it has CPUs), else every CPU node (the kernel keeps the best of each figure).</summary>
    public IReadOnlyList<int> InitiatorsOf(int target)
    {
        var n = Node(target);
        if (n is { HasCpus: true }) return [target];
        if (n?.Initiator is { } i && Node(i) is { HasCpus: true }) return [i];
        return Lookup.CpuNodes;
    }

    /// <summary>The entries that set a target's figures: from its initiators, non-zero.</summary>
    public IReadOnlyList<GuestHmatEntry> EntriesOf(int target)
    {
        var initiators = InitiatorsOf(target);
        var set = FiguresOf(target);
        return [.. Lookup.EntriesTo(target).Where(e => initiators.Contains(e.Initiator) && e.Value > 0 && Sets(e, set))];
    }

    /// <summary>Whether the entry's value is what the target ends up with (a later table did not overwrite it).</summary>
    static bool Sets(GuestHmatEntry e, MemoryPerformance p) => e.DataType switch
    {
        HmatDataType.AccessLatency => p.ReadLatencyNs == e.Value || p.WriteLatencyNs == e.Value,
        HmatDataType.ReadLatency => p.ReadLatencyNs == e.Value,
        HmatDataType.WriteLatency => p.WriteLatencyNs == e.Value,
        HmatDataType.AccessBandwidth => p.ReadBandwidthMBps == e.Value || p.WriteBandwidthMBps == e.Value,
        HmatDataType.ReadBandwidth => p.ReadBandwidthMBps == e.Value,
        _ => p.WriteBandwidthMBps == e.Value,
    };

    /// <summary>
    /// A target's access1 figures as the guest kernel keeps them (u32; 0 = none). A node with an attached initiator (a CPU
    /// node is its own; QEMU's initiator=) takes that initiator's entries, table by table: QEMU writes one table per data
    /// type over every initiator and target, 0 where no entry was given, in data-type order (access, read, write latency,
    /// then bandwidth), and the kernel applies each entry as it comes (hmat_parse_locality, hmat_update_target_access: an
    /// access type sets read and write, and a 0 overwrites too). So a read-latency table zeroes the read latency an
    /// access-latency entry gave a pair it has no entry for (seen in a 6.12 guest: rl=0). Without an attached initiator
    /// the kernel keeps the best of each figure over the CPU nodes.
    /// </summary>
    public MemoryPerformance FiguresOf(int target)
    {
        var n = Node(target);
        int? attached = n is { HasCpus: true } ? target : n?.Initiator is { } i && Node(i) is { HasCpus: true } ? i : null;
        return attached is { } a ? FromTables(a, target) : BestOf(target);
    }

    MemoryPerformance FromTables(int initiator, int target)
    {
        uint rl = 0, wl = 0, rb = 0, wb = 0;
        foreach (var type in Lookup.Types)
        {
            var e = Lookup.First.GetValueOrDefault((initiator, target, type));
            uint v = e is null ? 0 : (uint)Math.Min(e.Value, uint.MaxValue);
            if (type.IsLatency())
            {
                if (type.SetsRead()) rl = v;
                if (type.SetsWrite()) wl = v;
            }
            else
            {
                if (type.SetsRead()) rb = v;
                if (type.SetsWrite()) wb = v;
            }
        }
        return new MemoryPerformance(rl, wl, rb, wb);
    }

    MemoryPerformance BestOf(int target)
    {
        var initiators = InitiatorsOf(target);
        uint rl = 0, wl = 0, rb = 0, wb = 0;
        foreach (var e in Lookup.EntriesTo(target).Where(e => initiators.Contains(e.Initiator) && e.Value > 0))
        {
            uint u = (uint)Math.Min(e.Value, uint.MaxValue);
            if (e.IsLatency)
            {
                if (e.DataType.SetsRead()) rl = rl == 0 ? u : Math.Min(rl, u);
                if (e.DataType.SetsWrite()) wl = wl == 0 ? u : Math.Min(wl, u);
            }
            else
            {
                if (e.DataType.SetsRead()) rb = Math.Max(rb, u);
                if (e.DataType.SetsWrite()) wb = Math.Max(wb, u);
            }
        }
        return new MemoryPerformance(rl, wl, rb, wb);
    }

    /// <summary>The nodes as the kernel's tiering sees them. Every SRAT memory node is an HMAT target, its figures 0 where no
    /// entry gives one (a CPU node without both is no reference and every node stays at the default, as with no HMAT).</summary>
    /// <remarks>A CPU-less node that only plugged memory reaches is tiered when that memory comes online, by the same formula
    /// against the boot-time reference (mm/memory-tiers.c memtier_hotplug_callback -> set_node_memory_tier ->
    /// mt_calc_adistance; measured in a 6.12 guest: lab/guest/virtio-mem-resize.sh). One the guest never learns of plugs
    /// into another node and gets no tier (<see cref="PlugNodesUnknownToGuest"/>).</remarks>
    public IReadOnlyList<TierModelNode> KernelNodes()
    {
        var unknown = PlugNodesUnknownToGuest();
        return [.. Nodes.Select(n => new TierModelNode(n.Id, n.HasCpus,
            n.HasMemory || n.PlugsLater && !n.HasCpus && !unknown.Contains(n.Id), false, FiguresOf(n.Id)))];
    }

    /// <summary>
    /// virtio-mem nodes with no memory at boot that the guest kernel never learns of. QEMU's SRAT (x86, hw/i386/acpi-build.c
    /// build_srat) names only nodes with boot memory, and the device-memory region as a whole with the LAST node's proximity
    /// domain; the kernel maps only the domains SRAT names (drivers/acpi/numa/srat.c), so virtio_mem_translate_node_id
    /// (drivers/virtio/virtio_mem.c) gets NUMA_NO_NODE from pxm_to_node for any other empty node, and virtio_mem_init falls
    /// back to memory_add_physaddr_to_nid. Measured in a 6.12 guest: the device's memory went to node 0 (DRAM's tier), and
    /// the guest numbered the later node one lower.
    /// </summary>
    public IReadOnlySet<int> PlugNodesUnknownToGuest()
    {
        if (Nodes.Count == 0) return new HashSet<int>();
        int last = Nodes.Max(n => n.Id);
        return Nodes.Where(n => n.PlugsLater && !n.HasMemory && !n.HasCpus && n.Id != last).Select(n => n.Id).ToHashSet();
    }

    public IReadOnlyList<TierPrediction> Tiers() => KernelTierModel.Predict(KernelNodes());
}

/// <summary><see cref="GuestTables"/>' lookups: the first node of each id and the first entry of each (initiator, target,
/// type), as the linear searches they replace found them; each target's entries in table order.</summary>
sealed class TablesIndex
{
    public Dictionary<int, GuestTableNode> Nodes { get; } = [];
    public Dictionary<(int Initiator, int Target, HmatDataType Type), GuestHmatEntry> First { get; } = [];
    /// <summary>The data types present, in QEMU's table order.</summary>
    public HmatDataType[] Types { get; }
    public int[] CpuNodes { get; }
    readonly Dictionary<int, List<GuestHmatEntry>> byTarget = [];

    public TablesIndex(IReadOnlyList<GuestTableNode> nodes, IReadOnlyList<GuestHmatEntry> hmat)
    {
        foreach (var n in nodes) Nodes.TryAdd(n.Id, n);
        CpuNodes = [.. nodes.Where(x => x.HasCpus).Select(x => x.Id)];
        var types = new HashSet<HmatDataType>();
        foreach (var e in hmat)
        {
            First.TryAdd((e.Initiator, e.Target, e.DataType), e);
            types.Add(e.DataType);
            if (!byTarget.TryGetValue(e.Target, out var list)) byTarget[e.Target] = list = [];
            list.Add(e);
        }
        Types = [.. types.Order()];
    }

    public IReadOnlyList<GuestHmatEntry> EntriesTo(int target) => byTarget.TryGetValue(target, out var list) ? list : [];
}
