using Hostmem.Classification;
using Hostmem.Topology;

namespace Hostmem.Planning;

/// <summary>The figures hostmem has for a guest node's memory: the host's (ACPI HMAT row, sysfs access1/access0, the CXL
/// region's), with <c>--latency</c>/<c>--bandwidth</c> for its type in their place.</summary>
public static class GuestFigures
{
    public sealed record Result(MemoryPerformance? Figures, FiguresSource From, IReadOnlyList<string> Why);

    static readonly Result Nothing = new(null, FiguresSource.None, []);

    /// <summary>Precedence: --latency/--bandwidth, then figures measured by `hostmem probe` (--figures), then firmware's.
    /// Either option alone replaces that half of the figures below it; where there are none, both are needed.</summary>
    public static Result For(ClassifiedHost host, LayoutNode n, PlanOptions options, int? hmatInitiator, IReadOnlyList<int> cpuNodes)
    {
        var firmware = Host(host, n, hmatInitiator);
        var hostResult = options.Measured is { } m && Measured(m, n, hmatInitiator, cpuNodes) is { } measured ? WithFirmware(measured, firmware) : firmware;
        if (n.Type is not { } type) return hostResult;
        bool hasLat = options.LatencyNs.TryGetValue(type, out ulong lat), hasBw = options.BandwidthMBps.TryGetValue(type, out ulong bw);
        if (!hasLat && !hasBw) return hostResult;
        string name = type.Name();
        if (hostResult.Figures is not { } p)
        {
            if (hasLat && hasBw)
                return new(new MemoryPerformance(U32(lat), U32(lat), U32(bw), U32(bw)), FiguresSource.CommandLine,
                    [$"figures from --latency {name}={lat} --bandwidth {name}={bw}"]);
            return new(null, FiguresSource.None,
                [$"--{(hasLat ? "latency" : "bandwidth")} {name} alone is not used: the host has no figures for this memory, so give both --latency and --bandwidth"]);
        }
        string why = hasLat && hasBw ? $"--latency {name}={lat} and --bandwidth {name}={bw} replace the host's figures"
            : hasLat ? $"--latency {name}={lat} replaces the host's latency (its bandwidth is kept)"
            : $"--bandwidth {name}={bw} replaces the host's bandwidth (its latency is kept)";
        return new(new MemoryPerformance(hasLat ? U32(lat) : p.ReadLatencyNs, hasLat ? U32(lat) : p.WriteLatencyNs,
            hasBw ? U32(bw) : p.ReadBandwidthMBps, hasBw ? U32(bw) : p.WriteBandwidthMBps), FiguresSource.CommandLine, [.. hostResult.Why, why]);
    }

    /// <summary>The probe's figures for the node's host memory, from the process's HMAT initiator or else the CPU node that
    /// measured the lowest latency (the nearest, as the kernel's access1 is); the slowest host node's when several; null
    /// unless every host node behind it was measured.</summary>
    static Result? Measured(Probe.MeasuredFigures m, LayoutNode n, int? hmatInitiator, IReadOnlyList<int> cpuNodes)
    {
        if (n.HostNodes.Count == 0) return null;
        var pairs = new List<Probe.MeasuredPair>();
        foreach (int h in n.HostNodes)
        {
            var from = (hmatInitiator is { } i ? [i] : cpuNodes).Select(c => m.For(c, h)).OfType<Probe.MeasuredPair>().ToList();
            if (from.Count == 0) return null;
            pairs.Add(from.MinBy(p => p.Performance.ReadLatencyNs)!);
        }
        var worst = new MemoryPerformance(pairs.Max(p => p.Performance.ReadLatencyNs), pairs.Max(p => p.Performance.WriteLatencyNs),
            pairs.Min(p => p.Performance.ReadBandwidthMBps), pairs.Min(p => p.Performance.WriteBandwidthMBps));
        var mix = n.Interleave.Count > 0 ? InterleavedFigures.Blend([.. pairs.Select(p => (p.Target, p.Performance))], n.Interleave) : null;
        return new(mix ?? worst, FiguresSource.Measured,
            [$"figures measured by hostmem probe ({m.Source}): {string.Join(", ", pairs.Select(p => $"host node{p.Target} from node{p.Initiator}"))}"
                + (mix is not null ? " mixed by the interleave shares" : pairs.Count > 1 ? " (the slowest)" : "") + ", write latency = read latency"]);
    }

    /// <summary>Measured figures win over firmware's; the why says what firmware claimed, and when it looks like picoseconds.</summary>
    static Result WithFirmware(Result measured, Result firmware)
    {
        if (firmware.Figures is not { } f) return measured;
        var m = measured.Figures!.Value;
        string line = $"firmware gives {GuestHmatFill.Show(f)} ({firmware.From.Name()}); the measured {GuestHmatFill.Show(m)} is used";
        if (Math.Max(f.ReadLatencyNs, f.WriteLatencyNs) >= TopologyDiagnostics.ImplausibleLatencyNs)
            line += $" (firmware's {Math.Max(f.ReadLatencyNs, f.WriteLatencyNs)} ns is no memory latency: likely picoseconds reported as ns)";
        return measured with { Why = [.. measured.Why, line] };
    }

    // --latency/--bandwidth are checked against the kernel's u32 when parsed.
    static uint U32(ulong v) => (uint)Math.Min(v, uint.MaxValue);

    /// <summary>The host's figures: the ACPI HMAT's from <paramref name="hmatInitiator"/> when the table has them, else
    /// access1 then access0 of its host nodes (the slowest when several), else its CXL region's.</summary>
    static Result Host(ClassifiedHost host, LayoutNode n, int? hmatInitiator)
    {
        var hostNodes = n.HostNodes.Select(host.Host.Node).OfType<NumaNode>().ToList();
        if (hostNodes.Count == 0) return Nothing;
        var perNode = new List<(MemoryPerformance Perf, FiguresSource From)>();
        var why = new List<string>();
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
                    why.Add($"host node{h.Id}: the ACPI HMAT has no figures from host node{init} (this process's CPUs) for it"
                        + (host.Host.Hmat!.Localities.Any(l => l.TargetIsPort) ? " (for CXL memory the table describes the host bridge's generic port, not the memory)" : "")
                        + $", so it gets its nearest initiator's ({(best.Initiators.Count > 0 ? string.Join(",", best.Initiators.Select(x => "node" + x)) : "not named by sysfs")})");
            }
            if (h.Access1 is { IsComplete: true } a1) perNode.Add((MemoryPerformance.From(a1), FiguresSource.HostAccess1));
            else if (h.Access0 is { IsComplete: true } a0) perNode.Add((MemoryPerformance.From(a0), FiguresSource.HostAccess0));
            else if (RegionOf(host.Host, h.Id) is { } r && (r.Access1 ?? r.Access0) is { IsComplete: true } ra) perNode.Add((MemoryPerformance.From(ra), FiguresSource.CxlRegion));
            else return Nothing;
        }
        var worst = new MemoryPerformance(perNode.Max(p => p.Perf.ReadLatencyNs), perNode.Max(p => p.Perf.WriteLatencyNs),
            perNode.Min(p => p.Perf.ReadBandwidthMBps), perNode.Min(p => p.Perf.WriteBandwidthMBps));
        var mix = n.Interleave.Count > 0 ? InterleavedFigures.Blend([.. hostNodes.Zip(perNode, (h, p) => (h.Id, p.Perf))], n.Interleave) : null;
        var figures = mix ?? worst;
        if (!figures.IsUsable) return Nothing;
        why.Insert(0, $"figures from {string.Join(", ", hostNodes.Zip(perNode, (h, p) => $"host node{h.Id} {p.From.Name()}" + (p.From == FiguresSource.AcpiHmat ? $" (initiator host node{hmatInitiator})" : "")))}"
            + (mix is not null ? $" mixed by the interleave shares ({string.Join(", ", n.Interleave.Select(s => $"node{s.Node} {s.Share * 100:0.#} %"))}): latency their mean, bandwidth the rate at which the first node saturates"
                : hostNodes.Count > 1 ? " (the slowest of them)" : ""));
        return new(figures, perNode[0].From, why);
    }

    /// <summary>
    /// The host node whose row of the ACPI HMAT every guest CPU node takes, when that is provable: the process's CPUs
    /// (QEMU's vCPU threads) all sit on one host node. QEMU has no per-vCPU affinity option, so with CPUs on several host
    /// nodes a guest CPU node's vCPUs may run on any of them: each target keeps its nearest initiator's figures (sysfs
    /// access1), and a note says when the matrix shows that this matters.
    /// </summary>
    public static int? HmatInitiator(HostTopology host, IReadOnlyList<int> cpuNodes, IEnumerable<LayoutNode> nodes, List<PlanNote> notes)
    {
        if (host.Hmat is not { NodesProven: true } m) return null;
        if (cpuNodes.Count == 1) return cpuNodes[0];
        var differ = nodes.SelectMany(n => n.HostNodes).Distinct().Order()
            .Where(t => cpuNodes.Select(c => m.Between(c, t)).OfType<HmatLocality>().Where(l => l.IsComplete)
                .Select(l => (l.ReadLatencyNs, l.WriteLatencyNs, l.ReadBandwidthMBps, l.WriteBandwidthMBps)).Distinct().Count() > 1)
            .ToList();
        if (differ.Count > 0)
            notes.Add(PlanNote.Info(NoteCodes.CrossSocketFigures, $"the host's ACPI HMAT gives host {string.Join(", ", differ.Select(t => "node" + t))} different figures from each of host "
                + $"{string.Join(", ", cpuNodes.Select(c => "node" + c))}, where this process's CPUs are; QEMU does not pin vCPUs, so guest CPU nodes get "
                + "each target's nearest-initiator figures (sysfs access1); run under one socket's CPUs (taskset -c, or --cpus) for that socket's figures"));
        return null;
    }

    public static CxlRegion? RegionOf(HostTopology host, int node)
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
        FiguresSource.Measured => "measured",
        _ => "none",
    };

    /// <summary>"user", "access1", or "user+access1" when the user's entries and hostmem's set one node's figures.</summary>
    public static string Name(IEnumerable<FiguresSource> sources)
    {
        var names = sources.Where(s => s != FiguresSource.None).Distinct().OrderBy(s => s == FiguresSource.UserEntries ? 0 : 1).Select(Name).ToList();
        return names.Count == 0 ? "none" : string.Join('+', names);
    }
}
