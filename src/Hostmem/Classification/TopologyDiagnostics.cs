using Hostmem.Topology;

namespace Hostmem.Classification;

/// <summary>
/// The findings an operator needs from a topology: CXL capacity that is not usable yet, figures that keep
/// the kernel from tiering memory, figures that cannot be right, and evidence hostmem could not read.
/// </summary>
public static class TopologyDiagnostics
{
    /// <summary>A memory latency above this is not memory: most likely picoseconds reported as nanoseconds.</summary>
    public const ulong ImplausibleLatencyNs = 5_000;

    public static IReadOnlyList<Diagnostic> Find(HostTopology host, IReadOnlyList<NodeClassification> classes)
    {
        var found = new List<Diagnostic>();
        CxlCapacity(host, found);
        CxlRegions(host, found);
        DaxDevices(host, found);
        Hmat(host, classes, found);
        CxlWindows(host, classes, found);
        if (!host.HasMemoryTiering && host.Nodes.Count > 1)
            found.Add(new(Severity.Info, "no-memory-tiering", "kernel",
                "the kernel has no /sys/devices/virtual/memory_tiering: it does not tier memory (Linux < 6.1 or CONFIG_NUMA off)",
                "use Linux 6.10 or later to have CPU-less nodes tiered from HMAT figures"));
        foreach (var p in host.ReadProblems)
            found.Add(new(Severity.Warning, "unreadable", p.Path, $"{p.Path}: {p.What}",
                "run as root, or re-record the tree; hostmem left this value out"));
        return found;
    }

    private static void CxlCapacity(HostTopology host, List<Diagnostic> found)
    {
        foreach (var mem in host.Cxl.Memdevs)
        {
            if (mem.RamBytes == 0 && mem.PmemBytes == 0) continue;
            var used = host.Cxl.Decoders.Any(d => d.Kind == CxlDecoderKind.Endpoint && d.Port == mem.Endpoint && d.Region is not null);
            if (used) continue;
            var capacity = mem.RamBytes > 0 ? $"{Bytes.Format(mem.RamBytes)} volatile" : $"{Bytes.Format(mem.PmemBytes)} persistent";
            var root = host.Cxl.Decoders.FirstOrDefault(d => d.Kind == CxlDecoderKind.Root && (mem.RamBytes > 0 ? d.CanRam : d.CanPmem));
            var rootName = root?.Name ?? "decoder0.0";
            found.Add(new(Severity.Warning, "cxl-memdev-no-region", mem.Name,
                $"{mem.Name} has {capacity} capacity but no region maps it: that memory is not usable",
                mem.RamBytes > 0
                    ? $"create a RAM region: cxl create-region -t ram -d {rootName} -m {mem.Name} (cxl-cli 76.1 cannot: write {rootName}/create_ram_region instead), then online it with daxctl"
                    : $"create a pmem region: cxl create-region -t pmem -d {rootName} -m {mem.Name}"));
        }
    }

    private static void CxlRegions(HostTopology host, List<Diagnostic> found)
    {
        foreach (var r in host.Cxl.Regions)
        {
            var what = $"{r.Name} ({NodeClassifier.ModeName(r.Mode)}{(r.SizeBytes is > 0 ? ", " + Bytes.Format(r.SizeBytes.Value) : "")})";
            if (!r.Committed)
            {
                found.Add(new(Severity.Warning, "cxl-region-uncommitted", r.Name,
                    $"{what} is not committed: its decoders map no memory, so no DAX device or NUMA node exists for it",
                    $"finish it (size, target0..N, then echo 1 > /sys/bus/cxl/devices/{r.Name}/commit) or remove it: cxl destroy-region {r.Name}"));
                continue;
            }
            if (r.DaxRegion is null && r.Mode == RegionMode.Ram)
                found.Add(new(Severity.Warning, "cxl-region-not-bound", r.Name,
                    $"{what} is committed but has no DAX region: the cxl_region driver has not bound it",
                    $"echo {r.Name} > /sys/bus/cxl/drivers/cxl_region/bind"));
        }
    }

    private static void DaxDevices(HostTopology host, List<Diagnostic> found)
    {
        foreach (var d in host.Dax)
        {
            var origin = d.ParentKind switch
            {
                DaxParentKind.CxlRegion => $"CXL {d.Parent}",
                DaxParentKind.CxlPmemRegion or DaxParentKind.NvdimmRegion => $"persistent memory {d.Parent}",
                DaxParentKind.Hmem => $"soft-reserved memory {d.Parent}",
                _ => "memory",
            };
            if (d.Mode == DaxMode.Devdax)
                found.Add(new(Severity.Info, "dax-devdax", d.Name,
                    $"{d.Name} ({origin}, {Bytes.Format(d.SizeBytes ?? 0)}) is a devdax device {d.DevicePath}, not system RAM: it forms no NUMA node",
                    $"give it to one VM whole (memory-backend-file,mem-path={d.DevicePath},share=on,align={Bytes.Format(d.AlignBytes ?? 2097152)}) or online it: daxctl reconfigure-device --mode=system-ram {d.Name}"));
            else if (d.Mode == DaxMode.Unbound)
                found.Add(new(Severity.Warning, "dax-unbound", d.Name,
                    $"{d.Name} ({origin}) has no driver: it is neither system RAM nor /dev/{d.Name}",
                    $"bind it: daxctl reconfigure-device --mode=system-ram {d.Name} (or --mode=devdax)"));
        }
    }

    private static void Hmat(HostTopology host, IReadOnlyList<NodeClassification> classes, List<Diagnostic> found)
    {
        var memoryNodes = host.Nodes.Where(n => n.HasMemory).ToList();
        var withFigures = memoryNodes.Where(n => n.BestAccess is not null).ToList();
        var slowKinds = classes.Any(c => c.Type != HostMemType.Dram);

        if (withFigures.Count == 0)
        {
            if (memoryNodes.Count > 1 && slowKinds)
                found.Add(new(Severity.Info, "no-hmat", "host",
                    "no node has HMAT access figures: the kernel puts dax-onlined memory in its default tier (memory_tier22) and firmware-onlined memory with DRAM",
                    "enable HMAT in the firmware setup if it offers it; hostmem qemu then passes real figures to guests"));
            return;
        }

        foreach (var n in memoryNodes.Where(n => n.BestAccess is null))
            found.Add(new(Severity.Warning, "node-missing-hmat", $"node{n.Id}",
                $"node{n.Id} has memory but no HMAT access figures while other nodes have them",
                "the kernel tiers it by default, not by speed; check the firmware's HMAT, or give figures by hand (hostmem qemu --latency/--bandwidth)"));

        // mm/memory-tiers.c takes reference figures from every node with CPUs and memory; a node without
        // both a latency and a bandwidth, or one that differs by more than 10%, disables HMAT tiering.
        var dram = memoryNodes.Where(n => n.HasCpus).ToList();
        foreach (var n in dram)
        {
            var a = n.BestAccess;
            if (a is null) continue;
            if (!a.HasLatency || !a.HasBandwidth || a.ReadLatencyNs + a.WriteLatencyNs == 0 || a.ReadBandwidthMBps + a.WriteBandwidthMBps == 0)
                found.Add(new(Severity.Warning, "hmat-dram-incomplete", $"node{n.Id}",
                    $"node{n.Id} (CPUs and memory) lacks a non-zero {(a.HasLatency && a.ReadLatencyNs + a.WriteLatencyNs > 0 ? "bandwidth" : "latency")} figure: the kernel has no DRAM reference and leaves every node in memory_tier4",
                    "the firmware's HMAT must give CPU nodes both latency and bandwidth to themselves"));
        }
        var reference = dram.Select(n => n.BestAccess).FirstOrDefault(a => a is { IsComplete: true });
        if (reference is not null)
            foreach (var n in dram.Where(n => n.BestAccess is { IsComplete: true } && !ReferenceEquals(n.BestAccess, reference)))
                if (DiffersByMoreThanTenPercent(n.BestAccess!, reference))
                    found.Add(new(Severity.Warning, "hmat-dram-mismatch", $"node{n.Id}",
                        $"node{n.Id}'s figures differ by more than 10% from the first DRAM node's: the kernel rejects them as a reference and tiers nothing by HMAT",
                        "check the firmware's HMAT for the CPU nodes (the kernel logs 'the performance of DRAM node ... mismatches')"));

        foreach (var n in withFigures)
        {
            var a = n.BestAccess!;
            bool reported = found.Any(d => d.Code == "hmat-dram-incomplete" && d.Subject == $"node{n.Id}");
            if (!reported && (a.ReadLatencyNs == 0 || a.WriteLatencyNs == 0 || a.ReadBandwidthMBps == 0 || a.WriteBandwidthMBps == 0))
                found.Add(new(Severity.Warning, "hmat-zero", $"node{n.Id}",
                    $"node{n.Id} has a latency or bandwidth of 0 in {a.Source}: the kernel ignores such figures",
                    "fix the firmware's HMAT (or the -numa hmat-lb entry, in a guest)"));
            var lat = Math.Max(a.ReadLatencyNs ?? 0, a.WriteLatencyNs ?? 0);
            if (lat >= ImplausibleLatencyNs)
                found.Add(new(Severity.Warning, "hmat-implausible-latency", $"node{n.Id}",
                    $"node{n.Id}'s latency of {lat} ns ({a.Source}) is not a memory latency: likely picoseconds reported as nanoseconds by firmware or an emulator",
                    "do not pass it on to guests as it is (give hostmem qemu --latency instead); report it to the firmware or emulator vendor"));
        }
    }

    private static bool DiffersByMoreThanTenPercent(AccessCoordinates a, AccessCoordinates reference)
    {
        static bool Off(ulong? v, ulong? r) => v is not null && r is not null && (ulong)Math.Abs((long)v.Value - (long)r.Value) * 10 > r.Value;
        return Off(a.ReadLatencyNs, reference.ReadLatencyNs) || Off(a.WriteLatencyNs, reference.WriteLatencyNs)
            || Off(a.ReadBandwidthMBps, reference.ReadBandwidthMBps) || Off(a.WriteBandwidthMBps, reference.WriteBandwidthMBps);
    }

    private static void CxlWindows(HostTopology host, IReadOnlyList<NodeClassification> classes, List<Diagnostic> found)
    {
        foreach (var c in classes.Where(c => c.CxlWindow == CxlWindowCheck.Unknown))
        {
            var node = host.Node(c.Node)!;
            if (node.HasCpus) continue;
            found.Add(new(Severity.Info, "cxl-window-unknown", $"node{c.Node}",
                $"node{c.Node} is CPU-less memory with no device behind it; whether firmware onlined it from a CXL window is unknown",
                "run as root (hostmem then reads /proc/iomem and the ACPI CEDT) or load cxl_acpi so the CXL root decoders show"));
        }
    }
}
