using System.Globalization;
using Hostmem.Classification;
using Hostmem.Qemu;
using Hostmem.Topology;

namespace Hostmem.Planning;

/// <summary><c>--guest-numa</c>: give host-mem-type memory its own guest node with HMAT figures (auto), or leave NUMA alone (off).</summary>
public enum GuestNumaMode { Off, Auto }

/// <summary>Where a guest node's latency and bandwidth came from.</summary>
public enum FiguresSource { None, HostAccess1, HostAccess0, CxlRegion, CommandLine, UserEntries, AcpiHmat }

/// <summary>One guest NUMA node as the plan sees it: what backs it, the figures the guest gets, the tier it will land in.</summary>
public sealed record GuestNodePlan
{
    public required int GuestNode { get; init; }
    /// <summary>The memory backend's id; null for a node the user wrote without memdev=.</summary>
    public string? Backend { get; init; }
    public IReadOnlyList<int> HostNodes { get; init; } = [];
    public HostMemType? Type { get; init; }
    public bool HasCpus { get; init; }
    public ulong SizeBytes { get; init; }
    public uint? ReadLatencyNs { get; init; }
    public uint? WriteLatencyNs { get; init; }
    public uint? ReadBandwidthMBps { get; init; }
    public uint? WriteBandwidthMBps { get; init; }
    public FiguresSource FiguresFrom { get; init; }
    /// <summary>The memory tier a Linux &gt;= 6.10 guest puts the node in (<see cref="KernelTierModel"/>), numbered as the
    /// guest's sysfs names it (memory_tierN).</summary>
    public uint? PredictedTier { get; init; }
    /// <summary>The figures overflow the guest kernel's distance: it ranks the node above DRAM.</summary>
    public bool TierOverflow { get; init; }
    public IReadOnlyList<string> Why { get; init; } = [];
}

/// <summary>
/// Guest NUMA for the planned backends: a CPU-less node per host-mem-type backend (or the user's <c>-numa node,memdev=</c>),
/// <c>-machine hmat=on</c>, <c>initiator=</c>, a complete <c>-numa dist</c> matrix and <c>-numa hmat-lb</c> latency and
/// bandwidth from every CPU node to every node (itself included: without it the guest kernel has no reference DRAM figures
/// and keeps every node in one tier). Entries the user wrote win.
/// </summary>
public static class GuestNuma
{
    const string MainRamId = "hostmem-ram0";
    const ulong QemuDefaultRam = 128UL << 20;

    sealed class Node
    {
        public int Id;
        public string? Backend;
        public IReadOnlyList<int> HostNodes = [];
        public HostMemType? Type;
        public bool HasCpus;
        public ulong Size;
        public MemoryPerformance? Perf;
        public FiguresSource From;
        public List<string> Why = [];
    }

    public static IReadOnlyList<GuestNodePlan> Plan(ClassifiedHost host, QemuCommandLine command, IReadOnlyList<BackendPlan> backends,
        IReadOnlyList<int> cpuNodes, PlanOptions options, List<string> notes)
    {
        var placed = backends.Where(b => b.HostNodes.Count > 0).ToList();
        if (options.GuestNuma == GuestNumaMode.Off || placed.Count == 0) return [];

        var cxlUsed = command.CxlType3Devices().SelectMany(d => new[] { d.VolatileMemdev, d.PersistentMemdev, d.Memdev }).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var machine = command.Machine();
        if (machine.Type is "none" or "microvm")
        {
            notes.Add($"guest NUMA off: machine type {machine.Type} has no NUMA");
            return [];
        }
        var userNodes = command.Numa("node");
        if (userNodes.Any(n => n.NodeId is null))
        {
            notes.Add("guest NUMA off: a -numa node without nodeid= (QEMU numbers those itself); give every node a nodeid=");
            return [];
        }
        var memdevToNode = userNodes.Where(n => n.MemDev is not null && n.NodeId is not null).ToDictionary(n => n.MemDev!, n => (int)n.NodeId!.Value, StringComparer.Ordinal);
        var otherUse = OtherMemdevUsers(command);
        var candidates = new List<BackendPlan>();
        foreach (var b in placed)
        {
            if (cxlUsed.Contains(b.Id)) { notes.Add($"{b.Id}: used by a cxl-type3 device: the guest's CXL driver makes its node"); continue; }
            if (machine.MemoryBackend == b.Id) { notes.Add($"{b.Id}: the machine's main RAM (-machine memory-backend=): no node of its own"); continue; }
            if (!memdevToNode.ContainsKey(b.Id) && otherUse.Contains(b.Id)) { notes.Add($"{b.Id}: used by a device (memdev=): no node of its own"); continue; }
            candidates.Add(b);
        }
        if (candidates.Count == 0) return [];

        // The guest nodes and their CPUs.
        var nodes = new List<Node>();
        bool noNuma = userNodes.Count == 0;
        ulong smpCpus = command.Smp() is { } smp ? smp.MaxCpus ?? smp.EffectiveCpus : 1;
        var mem = command.Memory();
        ulong ramSize = mem?.Size ?? QemuDefaultRam;
        if (noNuma)
        {
            if (machine.MemoryBackend is not null)
            {
                notes.Add("guest NUMA off: -machine memory-backend= with no -numa node; write -numa node,memdev= for it to get guest nodes");
                return [];
            }
            nodes.Add(new Node { Id = 0, Backend = MainRamId, HostNodes = cpuNodes, Type = HostMemType.Dram, HasCpus = true, Size = ramSize,
                Why = { $"main RAM (-m {Bytes.Format(ramSize)}) with CPUs {(smpCpus == 1 ? "0" : $"0-{smpCpus - 1}")}, in its own backend {MainRamId}" } });
        }
        else
        {
            var cpuOwners = command.Numa("cpu").Select(c => c.UInt("node-id")).OfType<ulong>().Select(v => (int)v).ToHashSet();
            foreach (var n in userNodes.Where(n => n.NodeId is not null).OrderBy(n => n.NodeId))
            {
                int id = (int)n.NodeId!.Value;
                var plan = candidates.FirstOrDefault(b => b.Id == n.MemDev);
                var backendSize = n.MemDev is { } md ? command.MemoryBackends().FirstOrDefault(b => b.Id == md)?.Size : null;
                nodes.Add(new Node
                {
                    Id = id, Backend = n.MemDev, HasCpus = n.Cpus.Count > 0 || cpuOwners.Contains(id),
                    HostNodes = plan?.HostNodes ?? (n.Cpus.Count > 0 || cpuOwners.Contains(id) ? cpuNodes : []),
                    Type = plan?.Type ?? (n.Cpus.Count > 0 || cpuOwners.Contains(id) ? HostMemType.Dram : null),
                    Size = backendSize ?? (n.Get("mem") is { } m ? QemuSize.ParseMemory(m, n.Argument.Display, "mem") : 0),
                    Why = { plan is null ? "written by the user" : $"-numa node,memdev={plan.Id} written by the user" },
                });
            }
            if (!nodes.Any(n => n.HasCpus))
            {
                notes.Add("guest NUMA off: no -numa node names its CPUs (cpus= or -numa cpu), so the initiators are unknown; add cpus= to the node(s) with CPUs");
                return [];
            }
        }

        int initiator = nodes.Where(n => n.HasCpus).Min(n => n.Id);
        ulong added = 0;
        var newArgs = new List<QemuArgument>();
        foreach (var b in candidates.Where(b => !memdevToNode.ContainsKey(b.Id)))
        {
            int id = nodes.Count == 0 ? 0 : nodes.Max(n => n.Id) + 1;
            ulong size = b.SizeBytes ?? 0;
            added += size;
            nodes.Add(new Node { Id = id, Backend = b.Id, HostNodes = b.HostNodes, Type = b.Type, Size = size,
                Why = { $"CPU-less node for {b.Id} ({b.Type?.Name()}), initiator node{initiator}" } });
        }

        // -m: node memory must add up to it; the typed memory comes on top of main RAM.
        if (added > 0)
        {
            ulong newSize = ramSize + added;
            if (mem?.MaxMem is { } maxMem && newSize > maxMem)
                throw new UserError($"guest NUMA: -m grows to {Bytes.Format(newSize)} (main RAM {Bytes.Format(ramSize)} + {Bytes.Format(added)} in new guest nodes), above maxmem={Bytes.Format(maxMem)}",
                    "raise maxmem=, or run with --guest-numa off");
            if (mem?.GetWithSource("size") is { } src)
            {
                var occ = mem.Occurrences.First(o => ReferenceEquals(o.Options, src.From));
                occ.Options.Set("size", QemuSize.FormatMemory(newSize));
                command.SetOptions(occ.Index, occ.Options);
            }
            else newArgs.Add(QemuArgument.Option("m", QemuSize.FormatMemory(newSize)));
            notes.Add($"-m {Bytes.Format(ramSize)} grown to {Bytes.Format(newSize)}: guest node memory adds up to -m");
        }
        if (noNuma)
            newArgs.Add(QemuArgument.Option("object", $"memory-backend-ram,id={MainRamId},size={QemuSize.Format(ramSize)}"));

        // Nodes: the user's get initiator= where hmat=on needs it, new ones are appended.
        bool hmat = machine.Hmat != false;
        if (machine.Hmat == false) notes.Add("-machine hmat=off given: no HMAT figures for the guest (nodes and distances only)");
        foreach (var un in userNodes)
        {
            if (!hmat || un.NodeId is null || un.Get("initiator") is not null) continue;
            if (nodes.First(n => n.Id == (int)un.NodeId.Value).HasCpus) continue;
            un.Options.Set("initiator", initiator.ToString(CultureInfo.InvariantCulture));
            command.SetOptions(un.Index, un.Options);
        }
        foreach (var n in nodes.Where(n => !userNodes.Any(u => u.NodeId == (ulong)n.Id)))
        {
            string text = $"node,nodeid={n.Id}";
            if (n.HasCpus) text += smpCpus == 1 ? ",cpus=0" : $",cpus=0-{smpCpus - 1}";
            text += $",memdev={n.Backend}";
            if (!n.HasCpus && hmat) text += $",initiator={initiator}";
            newArgs.Add(QemuArgument.Option("numa", text));
        }

        // Distances: every ordered pair; the user's values win (one direction given: mirrored, as QEMU does).
        var userDist = new Dictionary<(int, int), int>();
        foreach (var d in command.Numa("dist"))
            if (d.Src is { } s && d.Dst is { } t && d.Val is { } v) userDist[((int)s, (int)t)] = (int)v;
        var ordered = nodes.OrderBy(n => n.Id).ToList();
        foreach (var a in ordered)
            foreach (var b in ordered)
            {
                if (a.Id == b.Id || userDist.ContainsKey((a.Id, b.Id))) continue;
                int val = userDist.TryGetValue((b.Id, a.Id), out int mirror) ? mirror : HostDistance(host.Host, a.HostNodes, b.HostNodes);
                newArgs.Add(QemuArgument.Option("numa", string.Create(CultureInfo.InvariantCulture, $"dist,src={a.Id},dst={b.Id},val={val}")));
            }

        // Figures.
        int? hmatInitiator = HmatInitiator(host.Host, cpuNodes, nodes, notes);
        foreach (var n in nodes) (n.Perf, n.From) = Figures(host, n, options, hmatInitiator);
        var cpuGuestNodes = ordered.Where(n => n.HasCpus).ToList();
        var reference = cpuGuestNodes.Select(n => n.Perf).FirstOrDefault(p => p is not null);
        var userLb = command.Numa("hmat-lb").Select(e => (I: (int?)e.Initiator, T: (int?)e.Target, Lat: e.DataType?.EndsWith("latency", StringComparison.Ordinal) == true)).ToList();
        if (hmat && reference is null)
        {
            // Typed memory the guest cannot tell from DRAM is what the user asked hostmem to avoid: a warning, not a note.
            var typed = ordered.Where(n => !n.HasCpus && n.Type is { } t && t != HostMemType.Dram).Select(n => $"node{n.Id} ({n.Type!.Value.Name()})").ToList();
            notes.Add((typed.Count > 0 ? "warning: " : "")
                + $"no latency/bandwidth for the guest's CPU node(s) (host {string.Join(",", cpuNodes.Select(i => "node" + i))} shows no HMAT figures; give --latency dram=NS --bandwidth dram=MBPS): no -numa hmat-lb, every guest node stays in memory_tier4"
                + (typed.Count > 0 ? $", so the guest ranks {string.Join(", ", typed)} with DRAM and never demotes to it" : ""));
        }
        var withFigures = hmat && reference is not null ? ordered.Where(n => n.Perf is not null).ToList() : [];
        foreach (var n in ordered.Where(n => hmat && n.Perf is null))
            n.Why.Add($"no figures from the host for {Describe(n)}: no hmat-lb for node{n.Id} (give --latency {n.Type?.Name() ?? "TYPE"}=NS --bandwidth {n.Type?.Name() ?? "TYPE"}=MBPS)");

        if (withFigures.Count > 0)
        {
            var tables = FitWithoutOverflow(withFigures, notes);
            foreach (var (node, why) in tables.Rounded) withFigures.First(n => n.Id == node).Why.Add(why);
            foreach (var (type, latency) in tables.Types)
                foreach (var c in cpuGuestNodes)
                    foreach (var t in withFigures)
                    {
                        if (userLb.Any(u => u.I == c.Id && u.T == t.Id && u.Lat == latency)) continue;
                        ulong v = tables.Values[(type, t.Id)];
                        string value = latency ? $"latency={HmatUnits.FormatLatencyNs(v)}" : $"bandwidth={HmatUnits.FormatBandwidthMBps(v)}";
                        newArgs.Add(QemuArgument.Option("numa", string.Create(CultureInfo.InvariantCulture,
                            $"hmat-lb,initiator={c.Id},target={t.Id},hierarchy=memory,data-type={type},{value}")));
                    }
            foreach (var t in withFigures) t.Perf = tables.Written[t.Id];
            if (machine.Hmat is null) newArgs.Insert(0, QemuArgument.Option("machine", "hmat=on"));
        }
        else if (hmat && machine.Hmat is null && nodes.Any(n => !n.HasCpus))
        {
            // initiator= needs hmat=on; without figures the guest still gets nodes and distances.
            newArgs.Insert(0, QemuArgument.Option("machine", "hmat=on"));
        }
        command.Add([.. newArgs]);

        // What the guest kernel will make of it (only the emitted figures count).
        var model = ordered.Select(n => new TierModelNode(n.Id, n.HasCpus, n.Size > 0, false, withFigures.Contains(n) ? n.Perf : null)).ToList();
        var tiers = KernelTierModel.Predict(model).ToDictionary(p => p.Node);
        foreach (var t in tiers.Values.Where(t => t.Overflowed))
            notes.Add($"warning: guest node{t.Node}'s figures overflow the guest kernel's abstract distance (int): it will rank the node ABOVE DRAM (memory_tier{t.KernelTierId}) and demote the wrong way; give it a higher bandwidth or lower latency with --latency/--bandwidth");
        foreach (var n in ordered) if (tiers.TryGetValue(n.Id, out var tp0)) HostTierNote(host.Host, n, tp0);
        // Figures only firmware or an emulator could get wrong by 1000x (picoseconds as ns): pass them on, but say so.
        foreach (var n in ordered.Where(n => withFigures.Contains(n) && n.From is not FiguresSource.UserEntries
                     && !(n.Type is { } t && options.LatencyNs.ContainsKey(t))))
        {
            var lat = Math.Max(n.Perf!.Value.ReadLatencyNs, n.Perf.Value.WriteLatencyNs);
            if (lat >= Classification.TopologyDiagnostics.ImplausibleLatencyNs)
                notes.Add($"warning: guest node{n.Id} gets the host's latency of {lat} ns, which is not a memory latency (likely picoseconds reported as ns by firmware or an emulator); the guest will tier it far too low: give --latency {n.Type?.Name() ?? "TYPE"}=NS");
        }
        return [.. ordered.Select(n =>
        {
            var emitted = withFigures.Contains(n) ? n.Perf : null;
            return new GuestNodePlan
            {
                GuestNode = n.Id, Backend = n.Backend, HostNodes = n.HostNodes, Type = n.Type, HasCpus = n.HasCpus, SizeBytes = n.Size,
                ReadLatencyNs = emitted?.ReadLatencyNs, WriteLatencyNs = emitted?.WriteLatencyNs,
                ReadBandwidthMBps = emitted?.ReadBandwidthMBps, WriteBandwidthMBps = emitted?.WriteBandwidthMBps,
                FiguresFrom = emitted is null ? FiguresSource.None : n.From,
                PredictedTier = tiers.TryGetValue(n.Id, out var tp) ? tp.KernelTierId : null,
                TierOverflow = tp?.Overflowed == true,
                Why = [.. n.Why, .. tiers.TryGetValue(n.Id, out var tr) ? new[] { $"memory_tier{tr.KernelTierId}: {tr.Reason}" } : []],
            };
        })];
    }

    /// <summary>
    /// The hmat-lb tables for the nodes' figures, with the figures of CPU-less nodes that would overflow the guest kernel's
    /// distance (and rank above DRAM) clamped by <see cref="DistanceOverflowGuard"/>; retried when QEMU's table rounding
    /// pushes a clamped distance back over.
    /// </summary>
    static HmatTables FitWithoutOverflow(List<Node> withFigures, List<string> notes)
    {
        var host = withFigures.ToDictionary(n => n.Id, n => n.Perf!.Value);
        var tables = HmatTables.Fit([.. withFigures.Select(n => (n.Id, host[n.Id]))]);
        var encodable = tables.Written; // the host's figures as QEMU can write them: what the guard starts from
        IReadOnlyList<FigureClamp> clamps = [];
        var cpuLess = withFigures.Where(n => !n.HasCpus).ToList();
        for (int retry = 0; retry < 8; retry++)
        {
            var reference = tables.Written[withFigures.First(n => n.HasCpus).Id];
            if (!cpuLess.Any(n => KernelTierModel.Overflows(tables.Written[n.Id], reference))) break;
            clamps = DistanceOverflowGuard.Plan(reference, [.. cpuLess.Select(n => (n.Id, encodable[n.Id]))], retry);
            if (clamps.Count == 0) break;
            tables = HmatTables.Fit([.. withFigures.Select(n => (n.Id, clamps.FirstOrDefault(c => c.Node == n.Id)?.To ?? host[n.Id]))]);
        }
        var dram = tables.Written[withFigures.First(n => n.HasCpus).Id];
        foreach (var c in clamps)
        {
            var n = withFigures.First(n => n.Id == c.Node);
            var written = tables.Written[n.Id];
            long adist = KernelTierModel.FullAdistance(written, dram) ?? 0;
            string whose = n.From is FiguresSource.CommandLine ? "--latency/--bandwidth figures" : "host's figures";
            n.Why.Add($"the {whose} ({Show(host[n.Id])}) give the guest kernel a distance of {KernelTierModel.FullAdistance(host[n.Id], dram)}, beyond its int: it would rank node{n.Id} ABOVE DRAM "
                + $"and demote the wrong way; written as {Show(written)} instead (distance {adist}, memory_tier{adist >> KernelTierModel.ChunkBits}: still the slowest, below DRAM)");
            notes.Add($"guest node{n.Id}: the {whose} ({Show(host[n.Id])}) would overflow the guest kernel's distance and rank the node above DRAM; "
                + $"written as {Show(written)} so it stays below DRAM (see its why)");
        }
        return tables;
    }

    static string Show(MemoryPerformance p) => p.ReadLatencyNs == p.WriteLatencyNs && p.ReadBandwidthMBps == p.WriteBandwidthMBps
        ? $"{p.ReadLatencyNs} ns, {p.ReadBandwidthMBps} MB/s"
        : $"{p.ReadLatencyNs}/{p.WriteLatencyNs} ns, {p.ReadBandwidthMBps}/{p.WriteBandwidthMBps} MB/s";

    /// <summary>
    /// The tier the host's own kernel gave the host nodes, when it differs from the guest's: a kmem CXL node is tiered by the
    /// CXL driver's figures when it comes online (in the lab's cxl-ram-genport guest: memory_tier73, the device's CDAT
    /// latencies with the generic port's bandwidth), not by the access figures the node shows and the guest gets.
    /// </summary>
    static void HostTierNote(HostTopology host, Node n, TierPrediction guest)
    {
        var hostTiers = n.HostNodes.Select(host.Node).OfType<NumaNode>().Where(h => h.Tier is not null).ToList();
        if (hostTiers.Count == 0 || hostTiers.All(h => h.Tier == guest.Tier)) return;
        string line = $"the host kernel ranks {string.Join(", ", hostTiers.Select(h => $"host node{h.Id} in memory_tier{h.Tier}"))}, the guest will rank node{n.Id} in memory_tier{guest.KernelTierId}";
        var kmemCxl = hostTiers.Where(h => h.Tier != guest.Tier && RegionOf(host, h.Id) is not null).ToList();
        if (kmemCxl.Any(h => h.BestAccess is { HasLatency: true }))
            line += " (the host tiers kmem CXL memory by the CXL driver's figures at onlining, CDAT and generic port, not by the node's access figures the guest gets)";
        else if (kmemCxl.Any(h => h.Tier == KernelTierModel.TierOf(KernelTierModel.DaxDefaultAdistance)))
            line += " (the host kernel's default for dax kmem memory without figures)";
        n.Why.Add(line);
    }

    static string Describe(Node n) => n.HostNodes.Count == 0 ? "it" : string.Join(",", n.HostNodes.Select(h => "host node" + h));

    static HashSet<string> OtherMemdevUsers(QemuCommandLine command)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (_, a) in command.Find("device"))
        {
            var o = a.ParseOptions();
            foreach (var key in new[] { "memdev", "volatile-memdev", "persistent-memdev" })
                if (o.Get(key) is { } id) used.Add(id);
        }
        return used;
    }

    /// <summary>The SLIT distance between the host nodes behind two guest nodes (the nearest pair); 20 when the host has none.</summary>
    static int HostDistance(HostTopology host, IReadOnlyList<int> a, IReadOnlyList<int> b)
    {
        int? best = null;
        foreach (int x in a)
            foreach (int y in b)
            {
                int? d = x == y ? 10 : host.Node(x)?.Distances.TryGetValue(y, out int v) == true ? v : null;
                if (d is { } dv && (best is null || dv < best)) best = dv;
            }
        return best is { } r && r > 10 ? r : 20; // a remote distance must be > 10 or the guest ignores the SLIT
    }

    /// <summary>
    /// The host node whose row of the ACPI HMAT every guest CPU node takes, when that is provable: the process's CPUs
    /// (QEMU's vCPU threads) all sit on one host node. QEMU has no per-vCPU affinity option, so with CPUs on several host
    /// nodes a guest CPU node's vCPUs may run on any of them: no guest CPU node can be tied to one host initiator, and
    /// each keeps the figures of the target's nearest initiator (sysfs access1), as before; a note says when the matrix
    /// shows that this matters.
    /// </summary>
    static int? HmatInitiator(HostTopology host, IReadOnlyList<int> cpuNodes, List<Node> nodes, List<string> notes)
    {
        if (host.Hmat is not { NodesProven: true } m) return null;
        if (cpuNodes.Count == 1) return cpuNodes[0];
        var differ = nodes.SelectMany(n => n.HostNodes).Distinct().Order()
            .Where(t => cpuNodes.Select(c => m.Between(c, t)).OfType<HmatLocality>().Where(l => l.IsComplete)
                .Select(l => (l.ReadLatencyNs, l.WriteLatencyNs, l.ReadBandwidthMBps, l.WriteBandwidthMBps)).Distinct().Count() > 1)
            .ToList();
        if (differ.Count > 0)
            notes.Add($"the host's ACPI HMAT gives host {string.Join(", ", differ.Select(t => "node" + t))} different figures from each of host "
                + $"{string.Join(", ", cpuNodes.Select(c => "node" + c))}, where this process's CPUs are; QEMU does not pin vCPUs, so guest CPU nodes get "
                + "each target's nearest-initiator figures (sysfs access1); run under one socket's CPUs (taskset -c, or --cpus) for that socket's figures");
        return null;
    }

    /// <summary>A guest node's figures: the host's (<see cref="HostFigures"/>), with --latency and --bandwidth for its type
    /// put in their place. Either one alone replaces that half of the host's figures; where the host has none, both are
    /// needed.</summary>
    static (MemoryPerformance?, FiguresSource) Figures(ClassifiedHost host, Node n, PlanOptions options, int? hmatInitiator)
    {
        var (hostPerf, from) = HostFigures(host, n, hmatInitiator);
        if (n.Type is not { } type) return (hostPerf, from);
        bool hasLat = options.LatencyNs.TryGetValue(type, out ulong lat), hasBw = options.BandwidthMBps.TryGetValue(type, out ulong bw);
        if (!hasLat && !hasBw) return (hostPerf, from);
        if (hostPerf is not { } p)
        {
            if (hasLat && hasBw)
            {
                n.Why.Add($"figures from --latency {type.Name()}={lat} --bandwidth {type.Name()}={bw}");
                return (new MemoryPerformance((uint)lat, (uint)lat, (uint)bw, (uint)bw), FiguresSource.CommandLine);
            }
            n.Why.Add($"--{(hasLat ? "latency" : "bandwidth")} {type.Name()} alone is not used: the host has no figures for this memory, so give both --latency and --bandwidth");
            return (null, FiguresSource.None);
        }
        n.Why.Add(hasLat && hasBw ? $"--latency {type.Name()}={lat} and --bandwidth {type.Name()}={bw} replace the host's figures"
            : hasLat ? $"--latency {type.Name()}={lat} replaces the host's latency (its bandwidth is kept)"
            : $"--bandwidth {type.Name()}={bw} replaces the host's bandwidth (its latency is kept)");
        return (new MemoryPerformance(hasLat ? (uint)lat : p.ReadLatencyNs, hasLat ? (uint)lat : p.WriteLatencyNs,
            hasBw ? (uint)bw : p.ReadBandwidthMBps, hasBw ? (uint)bw : p.WriteBandwidthMBps), FiguresSource.CommandLine);
    }

    /// <summary>The host's figures for a guest node: the ACPI HMAT's from <paramref name="hmatInitiator"/> when the table
    /// has them, else access1 then access0 of its host nodes (the slowest when several), else its CXL region's.</summary>
    static (MemoryPerformance?, FiguresSource) HostFigures(ClassifiedHost host, Node n, int? hmatInitiator)
    {
        var hostNodes = n.HostNodes.Select(host.Host.Node).OfType<NumaNode>().ToList();
        if (hostNodes.Count == 0) return (null, FiguresSource.None);
        var perNode = new List<(MemoryPerformance Perf, FiguresSource From)>();
        var fromMatrix = new List<string>();
        foreach (var h in hostNodes)
        {
            // sysfs shows the nearest initiator's figures; the ACPI HMAT adds the others' (cross-socket) when QEMU's
            // threads are known to run elsewhere.
            if (hmatInitiator is { } init && !(h.BestAccess?.Initiators.Contains(init) ?? false))
            {
                if (host.Host.Hmat?.Between(init, h.Id) is { IsComplete: true } cell)
                {
                    perNode.Add((MemoryPerformance.From(cell), FiguresSource.AcpiHmat));
                    continue;
                }
                if (h.BestAccess is { } best && host.Host.Nodes.Count(x => x.HasCpus) > 1)
                    fromMatrix.Add($"host node{h.Id}: the ACPI HMAT has no figures from host node{init} (this process's CPUs) for it"
                        + (host.Host.Hmat!.Localities.Any(l => l.TargetIsPort) ? " (for CXL memory the table describes the host bridge's generic port, not the memory)" : "")
                        + $", so it gets its nearest initiator's ({(best.Initiators.Count > 0 ? string.Join(",", best.Initiators.Select(x => "node" + x)) : "not named by sysfs")})");
            }
            if (h.Access1 is { IsComplete: true } a1) perNode.Add((MemoryPerformance.From(a1), FiguresSource.HostAccess1));
            else if (h.Access0 is { IsComplete: true } a0) perNode.Add((MemoryPerformance.From(a0), FiguresSource.HostAccess0));
            else if (RegionOf(host.Host, h.Id) is { } r && (r.Access1 ?? r.Access0) is { IsComplete: true } ra) perNode.Add((MemoryPerformance.From(ra), FiguresSource.CxlRegion));
            else return (null, FiguresSource.None);
        }
        var worst = new MemoryPerformance(perNode.Max(p => p.Perf.ReadLatencyNs), perNode.Max(p => p.Perf.WriteLatencyNs),
            perNode.Min(p => p.Perf.ReadBandwidthMBps), perNode.Min(p => p.Perf.WriteBandwidthMBps));
        if (!worst.IsUsable) return (null, FiguresSource.None);
        n.Why.Add($"figures from {string.Join(", ", hostNodes.Zip(perNode, (h, p) => $"host node{h.Id} {Name(p.From)}" + (p.From == FiguresSource.AcpiHmat ? $" (initiator host node{hmatInitiator})" : "")))}"
            + (hostNodes.Count > 1 ? " (the slowest of them)" : ""));
        n.Why.AddRange(fromMatrix);
        return (worst, perNode[0].From);
    }

    static CxlRegion? RegionOf(HostTopology host, int node)
    {
        var dax = host.Dax.FirstOrDefault(d => d.Mode == DaxMode.SystemRam && d.TargetNode == node && d.ParentKind == DaxParentKind.CxlRegion);
        return dax is null ? null : host.Cxl.Regions.FirstOrDefault(r => r.Name == dax.Parent);
    }

    public static string Name(this FiguresSource s) => s switch
    {
        FiguresSource.HostAccess1 => "access1",
        FiguresSource.HostAccess0 => "access0",
        FiguresSource.CxlRegion => "cxl-region",
        FiguresSource.CommandLine => "command-line",
        FiguresSource.UserEntries => "user",
        FiguresSource.AcpiHmat => "acpi-hmat",
        _ => "none",
    };
}
