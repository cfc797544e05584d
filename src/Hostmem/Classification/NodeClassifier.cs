using Hostmem.Topology;

namespace Hostmem.Classification;

/// <summary>
/// Gives every node a <see cref="HostMemType"/> with evidence. Differs from hwloc on purpose:
/// hwloc only knows CXL when a kmem-onlined dax device sits under a CXL region; hostmem also recognises
/// memory firmware onlined inside a CXL window, and says "unknown" when it cannot look.
/// </summary>
public static class NodeClassifier
{
    /// <summary>HBM must beat the DRAM nodes' bandwidth by this factor (HBM is several times DDR).</summary>
    private const double HbmBandwidthFactor = 1.5;

    public static IReadOnlyList<NodeClassification> Classify(HostTopology host)
    {
        // The DRAM reference: nodes with CPUs whose memory no dax device brought (HBM nodes can have CPUs).
        var daxNodes = host.Dax.Where(d => d.Mode == DaxMode.SystemRam && d.TargetNode is not null).Select(d => d.TargetNode!.Value).ToHashSet();
        var dramBandwidth = host.Nodes
            .Where(n => n.HasCpus && n.HasMemory && !daxNodes.Contains(n.Id) && n.BestAccess?.ReadBandwidthMBps is > 0)
            .Select(n => n.BestAccess!.ReadBandwidthMBps!.Value)
            .DefaultIfEmpty(0UL)
            .Max();
        return [.. host.Nodes.Select(n => Classify(host, n, dramBandwidth))];
    }

    private static NodeClassification Classify(HostTopology host, NumaNode node, ulong dramBandwidth)
    {
        var evidence = new List<string>();
        var dax = host.Dax.FirstOrDefault(d => d.TargetNode == node.Id && d.Mode == DaxMode.SystemRam);
        if (dax is not null)
        {
            var devicePart = $"{dax.Path}: target_node {node.Id}, driver kmem (system RAM)";
            evidence.Add(devicePart);
            var type = dax.ParentKind switch
            {
                DaxParentKind.CxlRegion => RegionType(host, dax, evidence),
                DaxParentKind.CxlPmemRegion => Add(evidence, HostMemType.CxlPmem, $"under {dax.Parent}, an NVDIMM region on a CXL nvdimm-bridge"),
                DaxParentKind.NvdimmRegion => Add(evidence, HostMemType.Pmem, $"under NVDIMM {dax.Parent} (/sys/bus/nd)"),
                DaxParentKind.Hmem => SoftReserved(node, dramBandwidth, dax, evidence),
                _ => Add(evidence, HostMemType.Spm, "under an unrecognised parent: specific-purpose memory of unknown kind"),
            };
            return new NodeClassification(node.Id, type, evidence, CxlWindowCheck.NotNeeded) { BackingDevice = dax.Name };
        }

        var window = CheckWindows(host, node, evidence);
        if (window == CxlWindowCheck.Inside)
            return new NodeClassification(node.Id, HostMemType.CxlRam, evidence, window);

        if (!node.HasCpus && node.HasMemory && IsHbm(node, dramBandwidth, evidence))
            return new NodeClassification(node.Id, HostMemType.Hbm, evidence, window);

        evidence.Add(node.HasCpus
            ? $"node{node.Id} has CPUs {Sysfs.CpuList.Format(node.Cpus)} and no device behind its memory: DRAM"
            : $"node{node.Id} has no CPUs and no dax device behind its memory: treated as DRAM");
        return new NodeClassification(node.Id, HostMemType.Dram, evidence, window);
    }

    private static HostMemType RegionType(HostTopology host, DaxDevice dax, List<string> evidence)
    {
        var region = host.Cxl.Regions.FirstOrDefault(r => r.Name == dax.Parent);
        if (region is null)
            return Add(evidence, HostMemType.CxlRam, $"under CXL {dax.Parent} (region folder not readable; assumed volatile)");
        var type = region.Mode == RegionMode.Pmem ? HostMemType.CxlPmem : HostMemType.CxlRam;
        return Add(evidence, type, $"under CXL {region.Name} (mode {ModeName(region.Mode)}, /sys/bus/cxl/devices/{region.Name})");
    }

    private static HostMemType SoftReserved(NumaNode node, ulong dramBandwidth, DaxDevice dax, List<string> evidence)
    {
        evidence.Add($"under {dax.Parent}: soft-reserved (EFI_MEMORY_SP) memory");
        return IsHbm(node, dramBandwidth, evidence) ? HostMemType.Hbm
            : Add(evidence, HostMemType.Spm, "no HMAT bandwidth above DRAM's: kind unknown (SPM)");
    }

    private static bool IsHbm(NumaNode node, ulong dramBandwidth, List<string> evidence)
    {
        var bw = node.BestAccess?.ReadBandwidthMBps;
        if (bw is null || dramBandwidth == 0 || bw.Value < dramBandwidth * HbmBandwidthFactor) return false;
        evidence.Add($"{node.BestAccess!.Source}/read_bandwidth {bw} MB/s is {(double)bw.Value / dramBandwidth:0.#}x the DRAM nodes' {dramBandwidth} MB/s: HBM");
        return true;
    }

    private static CxlWindowCheck CheckWindows(HostTopology host, NumaNode node, List<string> evidence)
    {
        if (!node.HasMemory) return CxlWindowCheck.NotNeeded;
        if (host.CxlWindowEvidence == WindowEvidence.NotReadable)
            return CxlWindowCheck.Unknown;
        if (node.MemoryRanges.Count == 0)
        {
            evidence.Add($"node{node.Id}'s memory block ranges are not readable (/sys/devices/system/memory): CXL window check impossible");
            return CxlWindowCheck.Unknown;
        }
        foreach (var range in node.MemoryRanges)
        {
            var w = host.CxlWindows.FirstOrDefault(w => w.Range.Contains(range));
            if (w is null) return CxlWindowCheck.Outside;
        }
        var first = host.CxlWindows.First(w => w.Range.Contains(node.MemoryRanges[0]));
        evidence.Add($"node{node.Id}'s memory {string.Join(", ", node.MemoryRanges)} lies inside CXL window {first.Range} ({first.Source}) with no region or dax device: CXL memory onlined by firmware");
        return CxlWindowCheck.Inside;
    }

    private static HostMemType Add(List<string> evidence, HostMemType type, string why)
    {
        evidence.Add(why);
        return type;
    }

    public static string ModeName(RegionMode mode) => mode switch
    {
        RegionMode.Ram => "ram",
        RegionMode.Pmem => "pmem",
        _ => "unknown",
    };
}
