using System.Globalization;
using System.Xml.Linq;
using Hostmem.Classification;
using Hostmem.Planning;
using Hostmem.Sysfs;

namespace Hostmem.Libvirt;

/// <summary>One guest NUMA cell of the planned domain.</summary>
/// <param name="Cpus">The vCPUs in it (empty: a CPU-less cell).</param>
/// <param name="Intent">hostmem's request for it; null for a cell the domain has of its own.</param>
/// <param name="Placement">The host nodes and policy chosen for it; null for cells hostmem does not place.</param>
/// <param name="Element">Its &lt;cell&gt; in the domain; null for a cell hostmem adds.</param>
public sealed record LibvirtCell(int Id, IReadOnlyList<int> Cpus, ulong SizeBytes, CellIntent? Intent, BackendPlan? Placement, XElement? Element);

/// <summary>The domain's cells after planning, and the plan they share with <c>hostmem qemu</c>.</summary>
public sealed record LibvirtPlan
{
    public required IReadOnlyList<LibvirtCell> Cells { get; init; }
    /// <summary>The plan: placements, the guest layout, and (once the domain is written) the figures and tiers read back.</summary>
    public required MemoryPlan Plan { get; init; }
    public required DomainIntent Intent { get; init; }
    /// <summary>&lt;memory&gt; before and after (they differ only when the domain had cells of its own).</summary>
    public required ulong MemoryBytesBefore { get; init; }
    public required ulong MemoryBytesAfter { get; init; }
    /// <summary>Notes about the domain, beside the plan's own.</summary>
    public IReadOnlyList<PlanNote> Notes { get; init; } = [];
    /// <summary>The &lt;maxMemory&gt; to write (virtio-mem devices on hostmem's cells need one); null to leave it.</summary>
    public MaxMemory? MaxMemory { get; init; }
    public GuestLayout Layout => Plan.Layout;
}

/// <summary>
/// Plans a libvirt domain: the requested cells are placed by <see cref="Planner.Place"/>, and the domain's cells (its own
/// and hostmem's) become a <see cref="GuestIntent"/> for <see cref="GuestLayoutPlanner"/>: the same host nodes, distances,
/// HMAT figures and precedence as <c>hostmem qemu</c>. The domain's own &lt;distances&gt; between its cells and every
/// &lt;interconnects&gt; entry it has are the user's and win.
/// </summary>
public static class LibvirtPlanner
{
    public static LibvirtPlan Plan(ClassifiedHost host, DomainXml domain, DomainIntent intent, PlanOptions options)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(intent);
        ArgumentNullException.ThrowIfNull(options);
        if (intent.Cells.Count == 0)
            throw new UserError($"{domain.Path}: no cell asks for a memory type: nothing to plan",
                $"add --cell ID=TYPE:SIZE (e.g. --cell 1=cxl-ram:16GiB), or <metadata><hostmem:memory xmlns:hostmem='{CellIntent.Namespace}'><hostmem:cell id='1' type='cxl-ram' memory='16' unit='GiB'/></hostmem:memory></metadata>");

        var notes = new List<PlanNote>();
        ulong memory = domain.MemoryBytes;
        ulong devices = domain.MemoryDeviceBytes;
        var numa = DomainNuma.Read(domain);
        var cells = OwnCells(domain, numa, intent, memory, devices, notes);
        CheckNumbering(domain, cells, intent);

        // The CPUs QEMU's vCPUs may run on decide what "nearest" means: <vcpu cpuset>, else --cpus, else all of them.
        var planOptions = options with { MemsAllowed = null };
        if (domain.VcpuCpuset is { } cpuset) planOptions = planOptions with { Cpus = cpuset, CpusSource = "<vcpu cpuset>" };
        else if (options.Cpus is null) planOptions = planOptions with { CpusSource = "libvirt starts QEMU" };
        var cpuNodes = Planner.CpuNodes(host.Host, planOptions);
        foreach (var c in intent.Cells)
        {
            var placed = Planner.Place(host, c.ToRequest(), planOptions, cpuNodes);
            var element = numa.Cells.FirstOrDefault(e => e.Id == c.Id)?.Element;
            cells.Add(new LibvirtCell(c.Id, [], c.SizeBytes, c, placed, element));
        }
        cells.Sort((a, b) => a.Id.CompareTo(b.Id));
        var memoryDevices = DomainMemoryDevice.Read(domain);
        var plugs = CellPlugs.Of(domain, memoryDevices, cells, notes);

        var guest = GuestIntentOf(domain, numa, cells, cpuNodes, plugs);
        // --guest-numa off: the cells and their binding, no distances or HMAT.
        var layout = options.GuestNuma == GuestNumaMode.Off ? new GuestLayout { Nodes = guest.Nodes }
            : OneDirection(GuestLayoutPlanner.Plan(host, guest, cpuNodes, planOptions), notes);
        ulong after = numa.Cells.Count == 0 ? memory : cells.Aggregate(0UL, (s, c) => s + c.SizeBytes) + devices;
        if (after != memory)
            notes.Add(PlanNote.Info(NoteCodes.MemoryGrown, $"<memory> {X(memory)} becomes {X(after)}: the domain's own cells keep their memory and the new cells add theirs (libvirt sums the cells)"));
        var maxMemory = MaxMemoryRoom.Plan(domain, memoryDevices, plugs.Count > 0, after, notes);
        Warnings(domain, cells, layout, notes);
        var plan = new MemoryPlan
        {
            Backends = [.. cells.Select(c => c.Placement).OfType<BackendPlan>()], Layout = layout, Notes = layout.Notes,
            Cpus = planOptions.Cpus, CpusSource = planOptions.CpusSource, CpuNodes = cpuNodes,
        };
        return new LibvirtPlan { Cells = cells, Plan = plan, Intent = intent, MemoryBytesBefore = memory, MemoryBytesAfter = after, Notes = notes, MaxMemory = maxMemory };
    }

    /// <summary>The figures and tiers hostmem reports, read back from the domain it wrote (<see cref="DomainNuma"/>).</summary>
    public static LibvirtPlan WithReadBack(LibvirtPlan plan, ClassifiedHost host, DomainXml written)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(host);
        if (plan.Layout.Distances.Count == 0) return plan; // --guest-numa off: cells and binding only, nothing to predict
        var tables = DomainNuma.Read(written).Tables();
        var notes = plan.Plan.Notes.ToList();
        var nodes = GuestReport.Build(host.Host, plan.Layout, tables, notes);
        var hmat = tables.Hmat.Select(plan.Layout.WhoWrote);
        return plan with { Plan = plan.Plan with { GuestNodes = nodes, Notes = notes, Distances = tables.Distances, Hmat = [.. hmat] } };
    }

    /// <summary>The cells the domain keeps: its own (those hostmem does not take over), or cell 0 for its vCPUs when it has
    /// no guest NUMA yet.</summary>
    static List<LibvirtCell> OwnCells(DomainXml domain, DomainNuma numa, DomainIntent intent, ulong memory, ulong devices, List<PlanNote> notes)
    {
        var cells = new List<LibvirtCell>();
        if (numa.Cells.Count == 0)
        {
            // No guest NUMA yet: cell 0 holds every vCPU and what the typed cells leave of <memory>.
            int vcpus = domain.Vcpus;
            var zero = intent.Cells.FirstOrDefault(c => c.Id == 0);
            if (zero is not null)
                throw new UserError($"{zero.Subject}: cell 0 is the vCPUs' cell (the domain has no <cpu><numa>, so hostmem makes cell 0 for its {vcpus} vCPU{(vcpus == 1 ? "" : "s")} and the rest of <memory>)",
                    "give the tiered memory cell 1 and up: --cell 1=TYPE:SIZE");
            ulong asked = intent.Cells.Aggregate(0UL, (s, c) => s + c.SizeBytes);
            if (asked + devices >= memory)
                throw new UserError($"{domain.Path}: the cells ask for {X(asked)} of the domain's <memory> of {X(memory)}"
                    + (devices > 0 ? $" ({X(devices)} of it in memory devices)" : "") + ": nothing is left for cell 0 with the vCPUs",
                    $"make the cells smaller, or raise <memory> above {X(asked + devices)} (the cells come out of it, cell 0 gets the rest): virsh setmaxmem DOMAIN SIZE --config");
            cells.Add(new LibvirtCell(0, [.. Enumerable.Range(0, vcpus)], memory - devices - asked, null, null, null));
            notes.Add(PlanNote.Info(NoteCodes.CellZeroAdded, $"cell 0: the domain's {vcpus} vCPU{(vcpus == 1 ? "" : "s")} and the rest of <memory> ({X(memory - devices - asked)} of {X(memory)})"));
            return cells;
        }
        foreach (var e in numa.Cells)
        {
            var asked = intent.Cells.FirstOrDefault(c => c.Id == e.Id);
            if (asked is not null && e.Cpus.Count > 0)
                throw new UserError($"{asked.Subject}: cell {e.Id} is already in the domain with vCPUs {CpuList.Format(e.Cpus)} ({domain.Where(e.Element)}): a tiered memory cell has no vCPUs",
                    $"give the tiered memory the next free id, cell {numa.Cells.Select(x => x.Id).Concat(intent.Cells.Select(c => c.Id)).Max() + 1}, or remove that cell");
            if (asked is null) cells.Add(new LibvirtCell(e.Id, e.Cpus, e.SizeBytes, null, null, e.Element));
        }
        return cells;
    }

    /// <summary>libvirt numbers cells 0..n-1 without gaps.</summary>
    static void CheckNumbering(DomainXml domain, List<LibvirtCell> cells, DomainIntent intent)
    {
        var ids = cells.Select(c => c.Id).Concat(intent.Cells.Select(c => c.Id)).ToHashSet();
        // libvirt starts QEMU with one -numa node per cell, and QEMU takes at most 128.
        if (ids.Count > QemuGuestIntent.MaxNodes)
            throw new UserError($"{domain.Path}: {ids.Count} cells; QEMU, which libvirt starts with one NUMA node per cell: Max number of NUMA nodes reached: {QemuGuestIntent.MaxNodes}",
                "give the tiered memory fewer, larger cells");
        if (!ids.Any(id => id >= ids.Count)) return;
        int free = Enumerable.Range(0, ids.Count).First(n => !ids.Contains(n));
        var odd = intent.Cells.Where(c => c.Id >= ids.Count).MaxBy(c => c.Id);
        if (odd is null)
            throw new UserError($"{domain.Where(domain.Numa!)}: the domain's cells are not numbered 0, 1, 2... without gaps (cell {free} is missing)",
                "libvirt refuses such a domain: renumber its cells");
        throw new UserError($"{odd.Subject}: libvirt numbers cells 0, 1, 2... without gaps, and cell {odd.Id} leaves one (the domain has cell{(cells.Count == 1 ? "" : "s")} {CpuList.Format(cells.Select(c => c.Id))})",
            $"use cell {free}");
    }

    /// <summary>The cells as guest nodes: each with its backend (libvirt's ram-nodeN), its vCPUs and placement, and the
    /// virtio-mem devices that plug into it. Distances between the domain's own cells and all its interconnects are the user's.</summary>
    static GuestIntent GuestIntentOf(DomainXml domain, DomainNuma numa, List<LibvirtCell> cells, IReadOnlyList<int> cpuNodes,
        IReadOnlyDictionary<int, IReadOnlyList<DomainMemoryDevice>> plugs)
    {
        var nodes = cells.Select(c =>
        {
            var plugged = plugs.GetValueOrDefault(c.Id) ?? [];
            return new LayoutNode
            {
                Id = c.Id, Backend = CellIntent.BackendId(c.Id), HasCpus = c.Cpus.Count > 0, SizeBytes = c.SizeBytes,
                HostNodes = c.Placement?.HostNodes ?? (c.Cpus.Count > 0 ? cpuNodes : []),
                Type = c.Placement?.Type ?? (c.Cpus.Count > 0 ? HostMemType.Dram : null),
                Author = c.Intent is null && c.Element is not null ? Author.User : Author.Hostmem,
                Why = plugged.Count == 0 ? [Origin(c, domain)] : [Origin(c, domain), CellPlugs.Why(c.Id, plugged)],
                PlugDevice = plugged.Count == 0 ? null : string.Join(", ", plugged.Select(p => p.Name)),
                PlugBytes = CellPlugs.PlugBytes(plugged),
            };
        }).ToList();
        var own = cells.Where(c => c.Intent is null && c.Element is not null).Select(c => c.Id).ToHashSet();
        var distances = numa.Cells.Where(c => own.Contains(c.Id))
            .SelectMany(c => c.Distances.Where(d => d.Key != c.Id && own.Contains(d.Key)).Select(d => new GuestDistance(c.Id, d.Key, d.Value, Author.User)))
            .ToList();
        var user = numa.Interconnects.Select(l => l.Entry with { Source = FiguresSource.UserEntries }).ToList();
        return new GuestIntent { Nodes = nodes, UserDistances = distances, UserHmat = user };
    }

    static string Origin(LibvirtCell c, DomainXml domain) =>
        c.Intent is not null ? $"cell {c.Id} for {c.Intent.Type.Name()} ({c.Intent.Source})"
        : c.Element is null ? $"cell {c.Id}: the domain's vCPUs and the rest of <memory>, added by hostmem"
        : $"cell {c.Id} of the domain ({domain.Where(c.Element)})";

    /// <summary>
    /// libvirt refuses an interconnect whose reverse (target to initiator) is also given, whatever the type
    /// (virDomainNumaDefValidate: "Link already defined"): hostmem adds no entry whose reverse the domain has, and between
    /// two cells with vCPUs only the direction from the lower id.
    /// </summary>
    static GuestLayout OneDirection(GuestLayout layout, List<PlanNote> notes)
    {
        var all = layout.Hmat;
        bool Reverse(GuestHmatEntry h, Func<GuestHmatEntry, bool> among) => all.Any(o => among(o) && o.Initiator == h.Target && o.Target == h.Initiator);
        var dropped = layout.AddedHmat.Where(h => h.Initiator != h.Target
            && (Reverse(h, o => o.IsUsers) || (h.Initiator > h.Target && Reverse(h, o => !o.IsUsers)))).ToList();
        if (dropped.Count == 0) return layout;
        notes.Add(PlanNote.Info(NoteCodes.OneDirectionLink, "libvirt takes one direction of a link between two cells with vCPUs (else 'Link already defined'): <interconnects> gives "
            + string.Join(", ", dropped.Select(h => $"{h.Target}->{h.Initiator}").Distinct()) + " and not the way back, so QEMU's HMAT has no entry"
            + " there; each cell keeps its own (local) figures, which are what the guest's tiers use"));
        return layout with { Hmat = [.. all.Except(dropped)] };
    }

    static string X(ulong bytes) => LibvirtUnits.FormatExact(bytes);

    static void Warnings(DomainXml domain, IReadOnlyList<LibvirtCell> cells, GuestLayout layout, List<PlanNote> notes)
    {
        if (!domain.HasAcpi && !layout.IsEmpty)
            notes.Add(PlanNote.Warning(NoteCodes.NoAcpi, "the domain has no <features><acpi/>: an x86 guest then sees no NUMA tables (SRAT, SLIT, HMAT) and no cells at all; add <acpi/> to <features>"));
        // A strict global nodeset becomes the cgroup's cpuset.mems for all of QEMU's memory.
        var global = domain.Numatune?.Element("memory");
        if (global is not null && (string?)global.Attribute("nodeset") is { } nodeset && LibvirtCpuset.TryParse(nodeset) is { } allowed
            && ((string?)global.Attribute("mode") ?? "strict") is "strict" or "restrictive")
        {
            var outside = cells.Where(c => c.Placement is not null).SelectMany(c => c.Placement!.HostNodes).Where(n => !allowed.Contains(n)).Distinct().Order().ToList();
            if (outside.Count > 0)
                notes.Add(PlanNote.Warning(NoteCodes.NumatuneOutside, $"<numatune><memory nodeset='{nodeset}'> keeps QEMU's memory on host nodes {CpuList.Format(allowed)}, and the cells' nodes {CpuList.Format(outside)} are outside it: add them to the nodeset or remove it"));
        }
    }
}
