using Hostmem.Classification;
using Hostmem.Qemu;
using Hostmem.Topology;

namespace Hostmem.Planning;

/// <summary>
/// What the guest's NUMA layout must contain before hostmem fills it in, whichever syntax described it: the guest nodes
/// (the user's and those hostmem adds for placed memory), and the distances and HMAT entries the user wrote, which win.
/// </summary>
public sealed record GuestIntent
{
    public required IReadOnlyList<LayoutNode> Nodes { get; init; }
    public IReadOnlyList<GuestDistance> UserDistances { get; init; } = [];
    /// <summary>The user's memory-hierarchy HMAT entries (<see cref="FiguresSource.UserEntries"/>).</summary>
    public IReadOnlyList<GuestHmatEntry> UserHmat { get; init; } = [];
    /// <summary>The user's hmat= (null: not given; hostmem turns it on when the layout needs it).</summary>
    public bool? Hmat { get; init; }
    /// <summary>Notes from reading the intent (backends left without a node, and why).</summary>
    public IReadOnlyList<PlanNote> Notes { get; init; } = [];
    /// <summary>cxl-type3 devices that get a CDAT, each with its generic port's node (the user's, or one added here).</summary>
    public IReadOnlyList<Cxl.CxlDeviceIntent> CxlDevices { get; init; } = [];
}

/// <summary>The guest intent of a QEMU command line whose host-mem-type backends are placed.</summary>
public static class QemuGuestIntent
{
    /// <summary>The backend hostmem makes for main RAM when the line has no -numa node (node 0 needs a memdev).</summary>
    public const string MainRamId = "hostmem-ram0";
    /// <summary>QEMU's MAX_NODES (include/sysemu/numa.h).</summary>
    public const int MaxNodes = 128;

    /// <summary>The intent, or null (with the reason in <paramref name="notes"/>) when the guest gets no NUMA from hostmem.</summary>
    public static GuestIntent? Read(QemuCommandLine command, IReadOnlyList<BackendPlan> backends, IReadOnlyList<int> cpuNodes, List<PlanNote> notes,
        Cxl.CdatMode cdat = Cxl.CdatMode.Off)
    {
        var placed = backends.Where(b => b.HostNodes.Count > 0).ToList();
        if (placed.Count == 0) return null;
        var machine = command.Machine();
        if (machine.Type is "none" or "microvm")
        {
            notes.Add(PlanNote.Info(NoteCodes.NoNumaMachine, $"guest NUMA off: machine type {machine.Type} has no NUMA"));
            return null;
        }
        var numa = NumaLayout.Of(command);
        if (numa.Nodes.Any(n => n.Option.NodeId is null))
        {
            notes.Add(PlanNote.Info(NoteCodes.NodeWithoutId, "guest NUMA off: a -numa node without nodeid= (QEMU numbers those itself); give every node a nodeid="));
            return null;
        }
        var candidates = Candidates(command, numa, machine, placed, notes);
        var plugs = VirtioMemDevice.Of(command).Select(d => (Device: d, Plan: placed.FirstOrDefault(b => b.Id == d.Memdev)))
            .Where(p => p.Plan is not null).Select(p => (p.Device, Plan: p.Plan!)).ToList();
        var cxl = Cxl.CxlDeviceIntent.Read(command, placed, cdat, notes);
        if (candidates.Count == 0 && cxl.Count == 0 && plugs.Count == 0) return null;

        var nodes = new List<LayoutNode>();
        if (numa.Nodes.Count == 0)
        {
            if (machine.MemoryBackend is not null)
            {
                notes.Add(PlanNote.Info(NoteCodes.MachineMemoryBackend, "guest NUMA off: -machine memory-backend= with no -numa node; write -numa node,memdev= for it to get guest nodes"));
                return null;
            }
            ulong ram = QemuRam.Bytes(command);
            ulong cpus = VcpuCount(command);
            nodes.Add(new LayoutNode
            {
                Id = 0, Backend = MainRamId, HostNodes = cpuNodes, Type = HostMemType.Dram, HasCpus = true, SizeBytes = ram, Author = Author.Hostmem,
                Why = [$"main RAM (-m {Bytes.Format(ram)}) with CPUs {(cpus == 1 ? "0" : $"0-{cpus - 1}")}, in its own backend {MainRamId}"],
            });
        }
        else
        {
            nodes.AddRange(UserNodes(command, numa, candidates, cxl, cpuNodes));
            if (!nodes.Any(n => n.HasCpus))
            {
                notes.Add(PlanNote.Info(NoteCodes.NoCpuNode, "guest NUMA off: no -numa node names its CPUs (cpus= or -numa cpu), so the initiators are unknown; add cpus= to the node(s) with CPUs"));
                return null;
            }
        }
        int initiator = nodes.Where(n => n.HasCpus).Min(n => n.Id);
        // The nodes virtio-mem devices name keep their ids: the new backends' nodes go around them.
        var plugIds = plugs.Select(p => (int)p.Device.Node).ToHashSet();
        foreach (var b in candidates.Where(b => !numa.Nodes.Any(n => n.MemDev == b.Id)))
        {
            // QEMU rounds -m up to 8 KiB, and node memory must add up to -m exactly.
            if ((b.SizeBytes ?? 0) % QemuRam.Align != 0)
                throw new UserError($"{b.Id}: size {b.SizeBytes} bytes is not a multiple of 8 KiB: it gets a guest node and -m grows by it, and QEMU rounds -m up to 8 KiB (then: total memory for NUMA nodes should equal RAM size)",
                    $"make size= a multiple of 8 KiB (e.g. {Bytes.Format(Math.Max(QemuRam.Align, QemuRam.Rounded(b.SizeBytes ?? 0)))}), or run with --guest-numa off");
            nodes.Add(new LayoutNode
            {
                Id = NextFreeId(nodes, plugIds), Backend = b.Id, HostNodes = b.HostNodes, Type = b.Type, SizeBytes = b.SizeBytes ?? 0, Author = Author.Hostmem,
                Interleave = b.Interleave, Why = [$"CPU-less node for {b.Id} ({b.TypeName}), initiator node{initiator}"],
            });
        }
        nodes = VirtioMemNodes.Add(nodes, plugs, initiator);
        var ports = new Dictionary<string, int>(StringComparer.Ordinal); // host bridge -> the generic port node added for it
        cxl = [.. cxl.Select(d => d.GenericPortNode is not null ? d : AddGenericPort(d, nodes, initiator, ports))];
        // QEMU's MAX_NODES; its own words, before hostmem writes a line it would refuse.
        if (nodes.Count > MaxNodes)
            throw new UserError($"guest NUMA: {nodes.Count} guest nodes (one per host-mem-type backend beside the line's own); QEMU: Max number of NUMA nodes reached: {MaxNodes}",
                "give several backends' memory one node (-numa node,memdev= for one of them, the others as devices), use fewer backends, or run with --guest-numa off");
        return new GuestIntent
        {
            Nodes = nodes,
            UserDistances = [.. numa.Distances.Select(d => new GuestDistance((int)d.Src, (int)d.Dst, (int)Math.Min(d.Val, int.MaxValue), Author.User))],
            UserHmat = [.. GuestTables.FromQemu(command).Hmat.Select(h => h with { Source = FiguresSource.UserEntries })],
            Hmat = machine.Hmat,
            CxlDevices = cxl,
        };
    }

    static int NextFreeId(List<LayoutNode> nodes, HashSet<int> taken)
    {
        int id = nodes.Max(n => n.Id) + 1;
        while (taken.Contains(id)) id++;
        return id;
    }

    /// <summary>A memoryless node for a cxl-type3 device's host bridge (its SRAT Generic Port), with the host memory's
    /// figures: the guest's CXL driver adds them to the device's CDAT. Devices on one host bridge share it.</summary>
    static Cxl.CxlDeviceIntent AddGenericPort(Cxl.CxlDeviceIntent d, List<LayoutNode> nodes, int initiator, Dictionary<string, int> ports)
    {
        if (ports.TryGetValue(d.HostBridge, out int shared)) return d with { GenericPortNode = shared, AddsGenericPort = false };
        int id = nodes.Max(n => n.Id) + 1;
        ports[d.HostBridge] = id;
        nodes.Add(new LayoutNode
        {
            Id = id, HostNodes = d.Backend.HostNodes, Type = d.Backend.Type, SizeBytes = 0, Author = Author.Hostmem,
            Why = [$"generic port of {d.HostBridge} for {d.Name} ({d.Backend.Id}, {d.Backend.Type?.Name()}): no memory of its own, initiator node{initiator}; the guest's CXL driver adds its figures to the device's CDAT"],
        });
        return d with { GenericPortNode = id, AddsGenericPort = true };
    }

    /// <summary>The vCPUs QEMU boots (and can hot-plug): -smp maxcpus, else its count; 1 without -smp.</summary>
    public static ulong VcpuCount(QemuCommandLine command) => command.Smp() is { } smp ? smp.MaxCpus ?? smp.EffectiveCpus : 1;

    /// <summary>The placed backends that get a guest node: not a device's memory (cxl-type3 makes its own node in the guest's
    /// CXL driver; a DIMM or virtio-mem device's memory is the device's), not the machine's main RAM.</summary>
    static List<BackendPlan> Candidates(QemuCommandLine command, NumaLayout numa, MachineOptions machine, List<BackendPlan> placed, List<PlanNote> notes)
    {
        var uses = DeviceUses.Of(command).Where(d => d.Key.Length > 0).ToList();
        var result = new List<BackendPlan>();
        foreach (var b in placed)
        {
            var use = uses.FirstOrDefault(u => u.Memdev == b.Id);
            if (use is not null && use.Driver == "cxl-type3")
                notes.Add(PlanNote.Info(NoteCodes.CxlDeviceBackend, $"{b.Id}: used by a cxl-type3 device ({use.Key}=): the guest's CXL driver makes its node"));
            else if (machine.MemoryBackend == b.Id)
                notes.Add(PlanNote.Info(NoteCodes.MainRamBackend, $"{b.Id}: the machine's main RAM (-machine memory-backend=): no node of its own"));
            else if (use is not null && use.Driver.StartsWith("virtio-mem", StringComparison.Ordinal) && !numa.Nodes.Any(n => n.MemDev == b.Id))
                notes.Add(PlanNote.Info(NoteCodes.DeviceBackend, $"{b.Id}: the memory of {use.Name}, plugged after boot into the device's guest node (node=): no node of its own"));
            else if (use is not null && !numa.Nodes.Any(n => n.MemDev == b.Id))
                notes.Add(PlanNote.Info(NoteCodes.DeviceBackend, $"{b.Id}: used by a device ({use.Name} {use.Key}=): no node of its own"));
            else result.Add(b);
        }
        return result;
    }

    static IEnumerable<LayoutNode> UserNodes(QemuCommandLine command, NumaLayout numa, List<BackendPlan> candidates, IReadOnlyList<Cxl.CxlDeviceIntent> cxl, IReadOnlyList<int> cpuNodes)
    {
        var sizes = command.MemoryBackends().Where(b => b.Id is not null).GroupBy(b => b.Id!).ToDictionary(g => g.Key, g => g.First().Size, StringComparer.Ordinal);
        foreach (var n in numa.Nodes.OrderBy(n => n.Id))
        {
            // A generic port node of a planned cxl-type3 device describes the memory behind that device.
            var plan = candidates.FirstOrDefault(b => b.Id == n.MemDev) ?? (n.MemDev is null ? cxl.FirstOrDefault(d => d.GenericPortNode == n.Id)?.Backend : null);
            // Only CPUs the line places count: without any, the initiators are QEMU's guess, not the user's layout.
            bool cpus = n.Cpus.Count > 0 || numa.CpuOptions.Any(c => c.Node == (ulong)n.Id);
            ulong size = n.MemDev is { } md ? (sizes.TryGetValue(md, out var s) ? s ?? 0 : 0)
                : n.Mem is { } m ? QemuSize.ParseMemory(m, n.Option.Argument.Display, "mem") : 0;
            yield return new LayoutNode
            {
                Id = n.Id, Backend = n.MemDev, HasCpus = cpus, SizeBytes = size, Author = Author.User,
                HostNodes = plan?.HostNodes ?? (cpus ? cpuNodes : []),
                Type = plan?.Type ?? (cpus && plan is null ? HostMemType.Dram : null),
                Interleave = plan?.Interleave ?? [],
                Initiator = n.Initiator is { } i ? (int)i : null,
                Why = [plan is null ? "written by the user" : $"-numa node,memdev={plan.Id} written by the user"],
            };
        }
    }
}
