using System.Globalization;
using Hostmem.Planning;
using Hostmem.Qemu;
using Hostmem.Sysfs;

namespace Hostmem.Lint;

/// <summary>
/// The user's own hmat-lb figures for a guest node against the host's figures for the memory behind it: the host nodes
/// of its backend's host-nodes= (policy bind or preferred), of host-mem-type= as 'hostmem qemu' places it, or, for a CPU
/// node whose memory is not bound, the nodes of QEMU's CPUs (where first touch puts it). The host's figures are the
/// planner's (<see cref="GuestFigures"/>): measured ones from --figures where given, else firmware's.
/// </summary>
/// <remarks>
/// The threshold is a factor of 2, either way. The guest kernel tiers a node by mt_perf_to_adistance (mm/memory-tiers.c):
/// 576 * (its latency sum) / (DRAM's) * (DRAM's bandwidth sum) / (its own), and a tier spans 128 of that distance
/// (MEMTIER_CHUNK_SIZE, include/linux/memory-tiers.h; tier id = distance &gt;&gt; 7). A figure off by a factor f scales the
/// distance by up to f, so 2 is the smallest factor that puts any node at a distance of 128 or more into another tier than
/// the host's figures would, wherever in its tier it sat (a and 2a, or a and a/2, never share a 128-wide chunk once a &gt;=
/// 128); smaller factors may or may not (DRAM at 576 moves at 1.12x up). On a CPU node the
/// figures are the reference every other node is measured against. Figures within 2x are also what two honest sources
/// differ by (firmware's nominal figures, a probe under load), which this rule should not flag.
/// </remarks>
static class HostFigureChecks
{
    /// <summary>How far apart a user's figure and the host's may be before the guest's tier cannot be the host memory's.</summary>
    public const double Factor = 2.0;

    /// <param name="entries">The hmat-lb entries QEMU takes (HmatChecks has judged the rest).</param>
    public static void Run(LintContext c, IReadOnlyList<HmatLbOption> entries)
    {
        if (c.Host is not { } host) return;
        var memory = entries.Where(e => e.Hierarchy == "memory" && e.Type is not null).ToList();
        if (memory.Count == 0) return;
        IReadOnlyList<int> cpuNodes;
        try
        {
            cpuNodes = Planner.CpuNodes(host.Host, c.Options);
        }
        catch (UserError)
        {
            return; // CPUs on no host node: 'hostmem qemu' refuses the line in one line of its own
        }
        var placed = Placed(c);
        var nodes = c.Numa.Nodes.Select(n => HostSide(c, n, placed, cpuNodes)).OfType<LayoutNode>().ToList();
        if (nodes.Count == 0) return;
        int? hmatInitiator = GuestFigures.HmatInitiator(host.Host, cpuNodes, nodes, []);

        var valid = memory.Select(e => (e.Initiator, e.Target, e.Type)).ToHashSet();
        var read = GuestTables.FromQemu(c.Command);
        var tables = read with { Hmat = [.. read.Hmat.Where(h => valid.Contains(((ulong)h.Initiator, (ulong)h.Target, h.DataType)))] };
        var hostFigures = nodes.Select(n => (Node: n, Result: GuestFigures.For(host, n, c.Options, hmatInitiator, cpuNodes)))
            .Where(x => x.Result.Figures is not null).ToList();
        var asHost = Tiers(tables, hostFigures.ToDictionary(x => x.Node.Id, x => x.Result.Figures!.Value));
        var asWritten = tables.Tiers().ToDictionary(t => t.Node);
        foreach (var (n, r) in hostFigures)
        {
            var user = tables.FiguresOf(n.Id);
            var apart = Apart(user, r.Figures!.Value);
            if (apart.Count == 0) continue;
            int index = memory.First(e => e.Target == (ulong)n.Id).Index;
            string tier = asWritten.GetValueOrDefault(n.Id) is { } w && asHost.GetValueOrDefault(n.Id) is { } h && w.Tier != h.Tier
                ? $"; the guest kernel puts it in memory_tier{w.KernelTierId}, the host's figures would put it in memory_tier{h.KernelTierId}" : "";
            var f = r.Figures!.Value;
            // Firmware that reports picoseconds as ns is the likelier culprit: say so, and how to get figures to trust.
            string suspect = r.From != FiguresSource.Measured && Math.Max(f.ReadLatencyNs, f.WriteLatencyNs) >= Classification.TopologyDiagnostics.ImplausibleLatencyNs
                ? $"; firmware's {Math.Max(f.ReadLatencyNs, f.WriteLatencyNs)} ns is no memory latency (likely picoseconds): measure with 'hostmem probe' and lint with --figures" : "";
            c.Add(LintRules.HmatLbHostDiffers, index,
                $"guest node {n.Id} ({Behind(n)}): your {string.Join(", ", apart)} ({Source(r.From)}){tier}{suspect}");
        }
    }

    /// <summary>The host nodes 'hostmem qemu' places each host-mem-type= backend on (and their interleave shares).</summary>
    static Dictionary<string, BackendPlan> Placed(LintContext c)
    {
        if (!c.Backends.Any(b => b.Options.Contains(Planner.TypeKey))) return [];
        try
        {
            return Planner.Plan(c.Host!, c.Command, c.Options).Backends.Where(b => b.HostNodes.Count > 0).ToDictionary(b => b.Id, StringComparer.Ordinal);
        }
        catch (UserError)
        {
            return []; // 'hostmem qemu' refuses the line with its own reason: its nodes are unknown
        }
    }

    /// <summary>The guest node as the planner sees the memory behind it; null when that memory has no known host node
    /// (a CPU-less node on an unbound backend, policy=interleave's round-robin over nodes, a backend with no node left).</summary>
    static LayoutNode? HostSide(LintContext c, NumaNodeOption n, Dictionary<string, BackendPlan> placed, IReadOnlyList<int> cpuNodes)
    {
        bool cpus = c.Numa.HasCpus(n.Id);
        var backend = n.MemDev is { } id ? c.Backend(id) : null;
        if (n.MemDev is { } md && placed.TryGetValue(md, out var plan))
            return new LayoutNode { Id = n.Id, Backend = md, HostNodes = plan.HostNodes, Type = plan.Type, HasCpus = cpus, Interleave = plan.Interleave, Author = Author.User };
        if (backend is not null && backend.Policy is "bind" or "preferred")
        {
            var bound = backend.HostNodes.Where(h => h < BackendChecks.MaxHostNodes).Select(h => (int)h)
                .Where(h => c.Host!.Host.Node(h) is { Online: true, HasMemory: true }).Distinct().ToList();
            // preferred over several nodes is MPOL_PREFERRED_MANY (QEMU >= 7.2): any of them, as with bind.
            var nodes = bound;
            // The nodes' memory type, when they share one: --latency/--bandwidth for it take firmware's place (as for
            // 'hostmem qemu', whose final line binds host-mem-type= backends this way).
            var types = nodes.Select(h => c.Host!.ClassOf(h).Type).Distinct().ToList();
            return nodes.Count == 0 ? null : new LayoutNode
            {
                Id = n.Id, Backend = n.MemDev, HostNodes = nodes, HasCpus = cpus, Author = Author.User, Type = types.Count == 1 ? types[0] : null,
            };
        }
        if (backend?.Policy is "interleave" || !cpus) return null;
        return new LayoutNode { Id = n.Id, Backend = n.MemDev, HostNodes = cpuNodes, Type = Classification.HostMemType.Dram, HasCpus = true, Author = Author.User };
    }

    /// <summary>The figures at least <see cref="Factor"/> apart, as "latency 100 ns is 2.7x off the host's 270 ns";
    /// read and write said once when both are the same. A figure the user (or the host) does not give is not judged.</summary>
    static List<string> Apart(MemoryPerformance user, MemoryPerformance host)
    {
        var result = new List<string>();
        Pair("latency", "ns", user.ReadLatencyNs, user.WriteLatencyNs, host.ReadLatencyNs, host.WriteLatencyNs, result);
        Pair("bandwidth", "MB/s", user.ReadBandwidthMBps, user.WriteBandwidthMBps, host.ReadBandwidthMBps, host.WriteBandwidthMBps, result);
        return result;
    }

    static void Pair(string what, string unit, uint ur, uint uw, uint hr, uint hw, List<string> result)
    {
        if (ur == uw && hr == hw)
        {
            One(what, unit, ur, hr, result);
            return;
        }
        One("read " + what, unit, ur, hr, result);
        One("write " + what, unit, uw, hw, result);
    }

    static void One(string what, string unit, uint user, uint host, List<string> result)
    {
        if (user == 0 || host == 0) return;
        double factor = (double)Math.Max(user, host) / Math.Min(user, host);
        if (factor >= Factor)
            result.Add($"{what} {user} {unit} is {factor.ToString("0.0", CultureInfo.InvariantCulture)}x off the host's {host} {unit}");
    }

    /// <summary>The guest's tiers had the line carried the host's figures for the nodes it has them for.</summary>
    static Dictionary<int, TierPrediction> Tiers(GuestTables tables, Dictionary<int, MemoryPerformance> host) =>
        KernelTierModel.Predict([.. tables.KernelNodes().Select(k => host.TryGetValue(k.Node, out var p) ? k with { Performance = p } : k)])
            .ToDictionary(t => t.Node);

    static string Behind(LayoutNode n) =>
        (n.HostNodes.Count == 1 ? "host node" : "host nodes ") + CpuList.Format(n.HostNodes)
        + (n.Backend is null ? "" : $", backend {n.Backend}");

    static string Source(FiguresSource s) => s switch
    {
        FiguresSource.Measured => "measured by hostmem probe, --figures",
        FiguresSource.AcpiHmat => "firmware: ACPI HMAT",
        FiguresSource.CxlRegion => "firmware: the CXL region's",
        _ => $"firmware: sysfs {s.Name()}",
    };
}
