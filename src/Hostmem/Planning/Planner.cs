using System.Globalization;
using Hostmem.Classification;
using Hostmem.Qemu;
using Hostmem.Sysfs;
using Hostmem.Topology;

namespace Hostmem.Planning;

/// <summary>
/// Turns the RFC's <c>host-mem-type=</c> on <c>-object memory-backend-{ram,memfd,file}</c> into what every QEMU understands
/// (<c>host-nodes=...,policy=...</c>, or a devdax <c>mem-path</c>). Pure: host snapshot + command line + options in, plan out;
/// the input command line is not changed. Bad input throws <see cref="UserError"/>.
/// </summary>
public static class Planner
{
    /// <summary>hostmem's own backend properties; none of them reaches QEMU.</summary>
    public const string TypeKey = "host-mem-type", NodesKey = "host-mem-nodes", PolicyKey = "host-mem-policy";

    static readonly string[] OwnKeys = [TypeKey, NodesKey, PolicyKey];

    /// <summary>The spellings <c>host-mem-type=</c> accepts, for help and errors.</summary>
    public static string ValidTypes { get; } = HostMemTypeNames.ValidList + ", none";

    public static MemoryPlan Plan(ClassifiedHost host, QemuCommandLine input, PlanOptions options)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(options);
        var command = QemuCommandLine.Parse(input.ToArgv()); // a private copy: the caller's stays as given
        var cpuNodes = CpuNodes(host.Host, options);
        var plans = new List<BackendPlan>();
        var backends = command.MemoryBackends();
        var devdaxTaken = new HashSet<string>(backends.Where(b => b.QomType == "memory-backend-file")
            .Select(b => b.Get("mem-path")).OfType<string>(), StringComparer.Ordinal);

        BackendIds.Check(backends, b => OwnKeys.Any(b.Options.Contains));
        // A config file can hold [numa] nodes that collide with the ones hostmem adds, and [memory-backend] objects it
        // never sees: hostmem does not read QEMU's INI files, so it plans nothing beside one.
        if (command.Find("readconfig").Select(f => f.Argument).FirstOrDefault() is { } config && backends.Any(b => OwnKeys.Any(b.Options.Contains)))
            throw new UserError($"{config.Display}: hostmem does not read QEMU's config files, and their [numa] or [object] sections would collide with the guest nodes it adds or escape its plan",
                "move the file's -numa, -object and -machine sections onto the command line (QEMU's -writeconfig - shows them), or leave host-mem-type= off this line");
        foreach (var b in backends)
        {
            if (!OwnKeys.Any(b.Options.Contains)) continue;
            var plan = PlanBackend(host, b, options, cpuNodes, devdaxTaken);
            Rewrite(b, plan);
            command.SetOptions(b.Index, b.Options);
            plans.Add(plan);
        }
        return WeightedInterleavePlanner.Finish(PlanGuest(host, command, plans, cpuNodes, options), cpuNodes);
    }

    /// <summary>
    /// The guest side of a QEMU plan whose backends are placed already: the guest intent read from the line, the layout
    /// planned from it, rendered onto <paramref name="command"/> (which it extends), and the figures and tiers read back.
    /// </summary>
    static MemoryPlan PlanGuest(ClassifiedHost host, QemuCommandLine command, IReadOnlyList<BackendPlan> plans, IReadOnlyList<int> cpuNodes, PlanOptions options)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(options);
        var notes = new List<PlanNote>();
        if (options.GuestNuma != GuestNumaMode.Auto || QemuGuestIntent.Read(command, plans, cpuNodes, notes, options.Cdat) is not { } intent)
            return Result(plans, GuestLayout.None([]), [], null, notes, command, cpuNodes, options);
        var layout = GuestLayoutPlanner.Plan(host, intent, cpuNodes, options);
        notes.AddRange(layout.Notes);
        QemuLayoutWriter.Apply(command, layout, notes);
        var output = GuestTables.FromQemu(command);
        var cxl = Cxl.CxlDevicePlanner.Apply(command, layout, intent.CxlDevices, output, options, notes);
        var guestNodes = GuestReport.Build(host.Host, layout, output, notes);
        // New -numa nodes go before the user's later options: the backends' positions are the output's.
        var positions = command.MemoryBackends().Where(m => m.Id is not null).GroupBy(m => m.Id!).ToDictionary(g => g.Key, g => g.First().Index, StringComparer.Ordinal);
        var placed = plans.Select(b => b with { ArgumentIndex = positions.GetValueOrDefault(b.Id, b.ArgumentIndex) }).ToList();
        return Result(placed, layout, guestNodes, output, notes, command, cpuNodes, options) with { CxlDevices = cxl };
    }

    static MemoryPlan Result(IReadOnlyList<BackendPlan> plans, GuestLayout layout, IReadOnlyList<GuestNodePlan> guestNodes, GuestTables? output,
        List<PlanNote> notes, QemuCommandLine command, IReadOnlyList<int> cpuNodes, PlanOptions options) => new()
    {
        Backends = plans,
        GuestNodes = guestNodes,
        Layout = layout,
        Notes = notes,
        Cpus = options.Cpus,
        CpusSource = options.CpusSource,
        CpuNodes = cpuNodes,
        Command = command,
        Distances = output?.Distances ?? [],
        Hmat = output is null ? [] : [.. output.Hmat.Select(layout.WhoWrote)],
    };


    static string Name(MemoryBackend b) => $"{b.QomType} '{b.Id ?? "?"}'";

    /// <summary>The host nodes holding the CPUs planned for (all nodes with CPUs when unknown).</summary>
    public static IReadOnlyList<int> CpuNodes(HostTopology host, PlanOptions options)
    {
        var withCpus = host.Nodes.Where(n => n.HasCpus).ToList();
        if (options.Cpus is null) return [.. withCpus.Select(n => n.Id)];
        var nodes = withCpus.Where(n => n.Cpus.Intersect(options.Cpus).Any()).Select(n => n.Id).ToList();
        if (nodes.Count == 0)
            throw new UserError(
                $"CPUs {CpuList.Format(options.Cpus)} ({options.CpusSource}) are on no NUMA node of this host",
                $"give CPUs the host has ({CpuList.Format(withCpus.SelectMany(n => n.Cpus))}) with --cpus, or check --sysfs");
        return nodes;
    }

    static BackendPlan PlanBackend(ClassifiedHost host, MemoryBackend b, PlanOptions options, IReadOnlyList<int> cpuNodes, HashSet<string> devdaxTaken)
    {
        string name = Name(b);
        string? typeText = b.Get(TypeKey);
        if (typeText is null)
        {
            string stray = b.Options.Contains(NodesKey) ? NodesKey : PolicyKey;
            throw new UserError($"{name}: {stray}= without {TypeKey}=",
                $"add {TypeKey}=TYPE ({ValidTypes}) or remove {stray}=");
        }
        // The guest node hostmem adds names the backend (-numa node,memdev=ID); QEMU itself refuses a backend without one.
        if (string.IsNullOrEmpty(b.Id))
            throw new UserError($"{b.QomType} with {TypeKey}=: Parameter 'id' is missing", "give the backend an id, e.g. -object memory-backend-ram,id=mem1,size=8G,host-mem-type=cxl-ram");
        if (b.Options.Contains("host-nodes") || b.Options.Contains("policy"))
            throw new UserError($"{name}: '{TypeKey}=' and 'host-nodes='/'policy=' are incompatible",
                $"remove host-nodes= and policy= and let hostmem choose ({NodesKey}=all|nearest, {PolicyKey}=bind|preferred|interleave), or remove {TypeKey}=");

        if (typeText.Trim().Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            if (b.Options.Contains(NodesKey) || b.Options.Contains(PolicyKey))
                throw new UserError($"{name}: {TypeKey}=none takes no {NodesKey}= or {PolicyKey}=", $"remove them, or name a type: {ValidTypes}");
            return new BackendPlan
            {
                Id = b.Id ?? "", QomType = b.QomType, ArgumentIndex = b.Index, Rule = NodeRule.None,
                SizeBytes = SizeOf(b), Why = [$"{TypeKey}=none: hostmem's properties removed, QEMU's default placement"],
            };
        }
        var types = typeText.Split('+').Select(t => HostMemTypeNames.TryParse(t, out var parsed) ? parsed
            : throw new UserError($"{name}: unknown {TypeKey} '{t}'", $"valid types: {ValidTypes}")).Distinct().ToList();
        var type = types[0];

        var policy = b.Get(PolicyKey) switch
        {
            null or "bind" => BindPolicy.Bind,
            "preferred" => BindPolicy.Preferred,
            "interleave" => BindPolicy.Interleave,
            "weighted-interleave" => BindPolicy.WeightedInterleave,
            var other => throw new UserError($"{name}: {PolicyKey} '{other}' is not bind, preferred, interleave or weighted-interleave",
                $"write {PolicyKey}=bind (default), preferred, interleave or weighted-interleave"),
        };
        ulong? size = SizeOf(b);
        if (policy == BindPolicy.WeightedInterleave)
        {
            if (b.QomType == "memory-backend-file" && b.Get("mem-path") is null)
                throw new UserError($"{name}: weighted interleave needs NUMA nodes, and a devdax device (memory-backend-file without mem-path=) is none",
                    "use memory-backend-ram (or -memfd) for weighted interleave");
            if (size is null or 0) throw new UserError($"{name}: Parameter 'size' is missing", "give the backend a size, e.g. size=8G");
            return WeightedInterleavePlanner.Plan(host, b, name, types, b.Options.GetAll(NodesKey), size.Value, options, cpuNodes);
        }
        if (types.Count > 1)
            throw new UserError($"{name}: {TypeKey}={typeText} names several types: only weighted interleave spreads one backend over several",
                $"add {PolicyKey}=weighted-interleave, or name one type");
        var rule = b.Get(NodesKey) switch
        {
            null or "nearest" => NodeRule.Nearest,
            "all" => NodeRule.All,
            var other => throw new UserError($"{name}: {NodesKey} '{other}' is not all or nearest",
                $"write {NodesKey}=nearest (default: the nodes nearest the CPUs QEMU may run on) or {NodesKey}=all (a node list is for {PolicyKey}=weighted-interleave)"),
        };

        if (b.QomType == "memory-backend-file" && b.Get("mem-path") is null)
            return PlanDevdax(host, b, type, size, devdaxTaken, options.DevdaxClaims);

        if (size is null)
            throw new UserError($"{name}: Parameter 'size' is missing", $"give the backend a size, e.g. size=8G");
        if (size == 0)
            throw new UserError($"{name}: size=0 (QEMU: can't create backend with size 0)", "give the backend its real size, e.g. size=8G");

        return Place(host, new PlacementRequest
        {
            Subject = name, Id = b.Id ?? "", QomType = b.QomType, ArgumentIndex = b.Index, Type = type, SizeBytes = size.Value,
            Rule = rule, Policy = policy, PolicyGiven = b.Get(PolicyKey) is not null, Spelling = IntentSpelling.Qemu,
        }, options, cpuNodes);
    }

    /// <summary>
    /// Chooses the host nodes for one request (a QEMU backend, a libvirt cell): the nodes of its type, within the cpuset,
    /// by its rule; checks the size against them. Bad input throws <see cref="UserError"/> in the request's own words.
    /// </summary>
    public static BackendPlan Place(ClassifiedHost host, PlacementRequest request, PlanOptions options, IReadOnlyList<int> cpuNodes)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        string name = request.Subject;
        var type = request.Type;
        var rule = request.Rule;
        var policy = request.Policy;
        var say = request.Spelling;
        ulong? size = request.SizeBytes;
        if (rule is not (NodeRule.Nearest or NodeRule.All))
            throw new ArgumentOutOfRangeException(nameof(request), rule, "a request is placed by the nearest or the all rule");

        var ofType = host.Classes.Where(c => c.Type == type && host.Host.Node(c.Node) is { Online: true, HasMemory: true })
            .Select(c => host.Host.Node(c.Node)!).ToList();
        if (ofType.Count == 0) throw Missing(host, name, request.Id, type, say);

        var why = new List<string>
        {
            ofType.Count <= 4
                ? $"{type.Name()} nodes: {string.Join(", ", ofType.Select(n => $"node{n.Id} ({Bytes.Format(n.MemTotalBytes ?? 0)})"))}"
                : $"{type.Name()} nodes: {Nodes(ofType)} ({Bytes.Format(ofType.Aggregate(0UL, (s, n) => s + (n.MemTotalBytes ?? 0)))} in all)",
        };
        var allowed = ofType;
        if (options.MemsAllowed is { } mems)
        {
            allowed = ofType.Where(n => mems.Contains(n.Id)).ToList();
            var denied = ofType.Except(allowed).ToList();
            if (allowed.Count == 0)
                throw new UserError($"{name}: the {type.Name()} nodes ({Nodes(denied)}) are outside this process's cpuset (Mems_allowed_list {CpuList.Format(mems)})",
                    "run hostmem in a cgroup/cpuset whose cpuset.mems includes them, or choose another type");
            if (denied.Count > 0)
                why.Add($"left out (not in Mems_allowed_list {CpuList.Format(mems)}): {Nodes(denied)}");
        }

        List<NumaNode> chosen;
        if (rule == NodeRule.All)
        {
            chosen = allowed;
            why.Add($"{say.Set(say.NodesKey, "all")}: every {type.Name()} node");
        }
        else
        {
            var cpus = options.Cpus is null ? "every CPU" : $"CPUs {CpuList.Format(options.Cpus)} ({options.CpusSource})";
            var byDistance = allowed.Select(n => (Node: n, Distance: Distance(host.Host, cpuNodes, n.Id))).ToList();
            var known = byDistance.Where(x => x.Distance is not null).ToList();
            if (known.Count == 0)
            {
                chosen = allowed;
                why.Add($"nearest: no SLIT distances readable: every {type.Name()} node taken");
            }
            else
            {
                int best = known.Min(x => x.Distance!.Value);
                chosen = [.. known.Where(x => x.Distance == best).Select(x => x.Node)];
                var tied = chosen;
                if (chosen.Count > 1 && BreakTieByAttachment(host.Host, chosen, cpuNodes) is { } attached)
                    chosen = attached;
                why.Add($"nearest to {cpus} on {Nodes(cpuNodes)}: "
                    + string.Join(", ", byDistance.GroupBy(x => x.Distance).OrderBy(g => g.Key ?? int.MaxValue)
                        .Select(g => $"{Nodes(g.Select(x => x.Node))} at distance {g.Key?.ToString(CultureInfo.InvariantCulture) ?? "?"}"))
                    + (chosen.Count < tied.Count
                        ? $"; {Nodes(tied)} tie at {best}: {Nodes(chosen)} taken, its CXL memdevs attach to {Nodes(cpuNodes.Where(c => chosen.Any(n => CxlAttachment.Of(host.Host, n.Id).Contains(c))))} (memdev numa_node)"
                        : chosen.Count > 1 ? $"; {Nodes(chosen)} tie at {best}: all taken" : $"; node{chosen[0].Id} is nearest"));
            }
        }
        chosen = [.. chosen.OrderBy(n => n.Id)];
        why.Add(request.PolicyGiven ? say.Set(say.PolicyKey, say.Policy(policy)) : $"{say.PolicyTerm} {say.Policy(policy)} (default; {say.PolicyKey}= chooses)");

        ulong total = chosen.Aggregate(0UL, (s, n) => s + (n.MemTotalBytes ?? 0));
        ulong? free = chosen.All(n => n.MemFreeBytes is not null) ? chosen.Aggregate(0UL, (s, n) => s + n.MemFreeBytes!.Value) : null;
        var warnings = new List<string>();
        if (size > total)
        {
            string what = $"size {Bytes.Format(size.Value)} is more than the {Bytes.Format(total)} of {type.Name()} on {Nodes(chosen)}";
            if (policy == BindPolicy.Preferred)
                warnings.Add($"{what}: the rest comes from other nodes ({say.Set(say.PolicyKey, say.Policy(BindPolicy.Preferred))})");
            else
            {
                ulong all = allowed.Aggregate(0UL, (s, n) => s + (n.MemTotalBytes ?? 0));
                throw new UserError($"{name}: {what}",
                    rule == NodeRule.Nearest && all >= size
                        ? $"add {say.Set(say.NodesKey, "all")} (every {type.Name()} node: {Bytes.Format(all)}), or make {say.SizeName} smaller"
                        : $"make {say.SizeName} at most {Bytes.Format(rule == NodeRule.All ? total : all)}, or use {say.Set(say.PolicyKey, say.Policy(BindPolicy.Preferred))} to spill to other nodes");
            }
        }
        else if (free is { } f && size > f)
            warnings.Add($"size {Bytes.Format(size.Value)} is more than the {Bytes.Format(f)} free on {Nodes(chosen)} now: the kernel must reclaim first, or QEMU may fail to allocate");

        return new BackendPlan
        {
            Id = request.Id, QomType = request.QomType, ArgumentIndex = request.ArgumentIndex, Type = type, Rule = rule,
            HostNodes = [.. chosen.Select(n => n.Id)], Policy = policy, SizeBytes = size,
            CapacityBytes = total, FreeBytes = free, Why = why, Warnings = warnings,
        };
    }

    static ulong? SizeOf(MemoryBackend b) => b.Size;

    /// <summary>
    /// Of nodes tied on SLIT distance, those whose CXL memdevs attach to one of the CPU nodes; null when that
    /// does not narrow the choice (no CXL chain readable, or every tied node attaches there).
    /// </summary>
    static List<NumaNode>? BreakTieByAttachment(HostTopology host, List<NumaNode> tied, IReadOnlyList<int> cpuNodes)
    {
        var local = tied.Where(n => CxlAttachment.Of(host, n.Id).Overlaps(cpuNodes)).ToList();
        return local.Count > 0 && local.Count < tied.Count ? local : null;
    }

    static int? Distance(HostTopology host, IReadOnlyList<int> cpuNodes, int target)
    {
        int? best = null;
        foreach (var c in cpuNodes)
            if (host.Node(c)?.Distances.TryGetValue(target, out int d) == true && (best is null || d < best)) best = d;
        return best;
    }

    static string Nodes(IEnumerable<NumaNode> nodes) => Nodes(nodes.Select(n => n.Id));

    /// <summary>"node1", "node2 and node3", "node0, node2 and node5"; longer sets as a kernel list: "nodes 8-39".</summary>
    static string Nodes(IEnumerable<int> ids)
    {
        var sorted = ids.Distinct().Order().ToList();
        if (sorted.Count > 3) return "nodes " + CpuList.Format(sorted);
        var list = sorted.Select(i => "node" + i.ToString(CultureInfo.InvariantCulture)).ToList();
        return list.Count <= 1 ? string.Concat(list) : string.Join(", ", list[..^1]) + " and " + list[^1];
    }

    // ------------------------------------------------------------------ devdax

    /// <summary>The memory type of a dax device's origin (what it would be as a node).</summary>
    public static HostMemType DaxType(HostTopology host, DaxDevice d) => d.ParentKind switch
    {
        DaxParentKind.CxlRegion => host.Cxl.Regions.FirstOrDefault(r => r.Name == d.Parent)?.Mode == RegionMode.Pmem ? HostMemType.CxlPmem : HostMemType.CxlRam,
        DaxParentKind.CxlPmemRegion => HostMemType.CxlPmem,
        DaxParentKind.NvdimmRegion => HostMemType.Pmem,
        _ => HostMemType.Spm,
    };

    static string Origin(DaxDevice d) => d.ParentKind switch
    {
        DaxParentKind.CxlRegion => $"CXL {d.Parent}",
        DaxParentKind.CxlPmemRegion or DaxParentKind.NvdimmRegion => $"persistent memory {d.Parent}",
        DaxParentKind.Hmem => $"soft-reserved memory {d.Parent}",
        _ => "memory",
    };

    static BackendPlan PlanDevdax(ClassifiedHost host, MemoryBackend b, HostMemType type, ulong? size, HashSet<string> taken, DevdaxClaims claims)
    {
        string name = Name(b);
        var devices = host.Host.Dax.Where(d => d.Mode == DaxMode.Devdax && DaxType(host.Host, d) == type).OrderBy(d => d.Name, StringComparer.Ordinal).ToList();
        if (devices.Count == 0)
        {
            bool hasNodes = host.Classes.Any(c => c.Type == type);
            throw new UserError($"{name}: no mem-path= and no {type.Name()} devdax device to fill it in"
                + (hasNodes ? $" ({type.Name()} on this host is system RAM: {Nodes(host.Classes.Where(c => c.Type == type).Select(c => c.Node))})" : ""),
                hasNodes ? "use memory-backend-ram (hostmem binds it to those nodes), or give mem-path=" : "give mem-path=, or see 'hostmem topology' for the memory this host has");
        }
        if (b.Get("share") is { } share && OptionShareOff(share))
            throw new UserError($"{name}: share={share} cannot map a devdax device (it only allows shared mappings)", "remove share= or write share=on");
        var why = new List<string> { $"{type.Name()} here is devdax (no NUMA node): {string.Join(", ", devices.Select(d => $"{d.DevicePath} ({Origin(d)}, {Bytes.Format(d.SizeBytes ?? 0)})"))}" };
        var free = devices.Where(d => !taken.Contains(d.DevicePath)).ToList();
        if (free.Count == 0)
            throw new UserError($"{name}: every {type.Name()} devdax device is already used by this command line ({string.Join(", ", devices.Select(d => d.DevicePath))})",
                "give one backend per device, or online one as system RAM: daxctl reconfigure-device --mode=system-ram DEVICE");
        if (free.Count < devices.Count) why.Add($"already used by another backend: {string.Join(", ", devices.Except(free).Select(d => d.DevicePath))}");
        var fits = free.Where(d => size is null || d.SizeBytes is null || d.SizeBytes >= size).ToList();
        if (fits.Count == 0)
            throw new UserError($"{name}: size {Bytes.Format(size!.Value)} is more than every free {type.Name()} devdax device ({string.Join(", ", free.Select(d => $"{d.DevicePath} {Bytes.Format(d.SizeBytes ?? 0)}"))})",
                $"make size= at most {Bytes.Format(free.Max(d => d.SizeBytes ?? 0))}, or leave size= out to take the whole device");
        var dev = claims.Choose(name, fits, why);
        taken.Add(dev.DevicePath);
        ulong align = dev.AlignBytes ?? 2UL << 20;
        why.Add($"{dev.DevicePath} chosen: first free device{(size is null ? "" : " large enough")}; mem-path, align {Bytes.Format(align)} (its align) and share=on filled in");
        return new BackendPlan
        {
            Id = b.Id ?? "", QomType = b.QomType, ArgumentIndex = b.Index, Type = type, Rule = NodeRule.Devdax,
            Devdax = new DevdaxChoice(dev.Name, dev.DevicePath, dev.SizeBytes, align, Origin(dev)),
            SizeBytes = size, CapacityBytes = dev.SizeBytes, Why = why,
        };
    }

    static bool OptionShareOff(string text) => text is "off" or "no" or "false" or "n";

    // ------------------------------------------------------------------ "no memory of that type"

    static UserError Missing(ClassifiedHost host, string name, string id, HostMemType type, IntentSpelling say)
    {
        var has = host.Classes.GroupBy(c => c.Type).Select(g => $"{g.Key.Name()} on {Nodes(g.Select(c => c.Node))}");
        string prefix = $"{name}: no {type.Name()} memory on this host (it has {string.Join("; ", has)})";
        if (OfflineNodes.Explain(host, name, type) is { } offline) return offline;

        var devdax = host.Host.Dax.FirstOrDefault(d => d.Mode == DaxMode.Devdax && DaxType(host.Host, d) == type);
        if (devdax is not null)
        {
            string online = $"daxctl reconfigure-device --mode=system-ram {devdax.Name}";
            return new UserError($"{prefix}: {devdax.Name} ({Origin(devdax)}, {Bytes.Format(devdax.SizeBytes ?? 0)}) is a devdax device {devdax.DevicePath}, not system RAM",
                say.DevdaxFile
                    ? $"use -object memory-backend-file,id={id},{TypeKey}={type.Name()} (hostmem fills in mem-path, align, share), or online it: {online}"
                    : $"online it as system RAM (it becomes a NUMA node): {online}");
        }

        var reason = host.Diagnostics.FirstOrDefault(d => Explains(host.Host, d, type));
        if (reason is not null) return new UserError($"{prefix}: {reason.Message}", reason.Hint);

        string why = type switch
        {
            HostMemType.CxlRam or HostMemType.CxlPmem when host.Host.Cxl.Memdevs.Count == 0 => "no CXL memory device (/sys/bus/cxl/devices/memN)",
            HostMemType.Pmem when host.Host.NvdimmRegions.Count == 0 => "no NVDIMM region (/sys/bus/nd)",
            HostMemType.Hbm => "no CPU-less node with HMAT bandwidth well above DRAM's",
            _ => "no node of that kind",
        };
        return new UserError($"{prefix}: {why}", $"choose a type this host has ({string.Join(", ", host.Classes.Select(c => c.Type.Name()).Distinct())}{(say.AcceptsNone ? ", or none" : "")}); 'hostmem topology' shows what each node is and why");
    }

    static bool Explains(HostTopology host, Diagnostic d, HostMemType type)
    {
        bool cxl = type is HostMemType.CxlRam or HostMemType.CxlPmem;
        bool ram = type == HostMemType.CxlRam;
        switch (d.Code)
        {
            case "cxl-memdev-no-region":
                var mem = host.Cxl.Memdevs.FirstOrDefault(m => m.Name == d.Subject);
                return cxl && mem is not null && (ram ? mem.RamBytes > 0 : mem.PmemBytes > 0);
            case "cxl-region-uncommitted" or "cxl-region-not-bound":
                var region = host.Cxl.Regions.FirstOrDefault(r => r.Name == d.Subject);
                return cxl && region is not null && (region.Mode == RegionMode.Pmem) == !ram;
            case "dax-unbound":
                var dax = host.Dax.FirstOrDefault(x => x.Name == d.Subject);
                return dax is not null && DaxType(host, dax) == type;
            default:
                return false;
        }
    }

    // ------------------------------------------------------------------ rewriting

    /// <summary>Writes the plan into the backend's options: hostmem's keys out, QEMU's in, where host-mem-type stood
    /// (KEY=VALUE; JSON members are appended). Everything else in the option keeps its text.</summary>
    static void Rewrite(MemoryBackend b, BackendPlan plan)
    {
        var add = new List<(string Key, string Text, Action<IQemuOptions> Json)>();
        if (plan.HostNodes.Count > 0)
        {
            var nodes = plan.HostNodes.Select(n => (ulong)n).ToList();
            foreach (var r in QemuSize.ToRanges(nodes)) add.Add(("host-nodes", r, _ => { }));
            add[0] = (add[0].Key, add[0].Text, o => o.SetUIntList("host-nodes", nodes));
            var policy = plan.Policy!.Value.Name();
            add.Add(("policy", policy, o => o.Set("policy", policy)));
        }
        // QEMU has no weighted interleave: policy=default leaves the pages to the process's policy, which hostmem sets.
        if (plan.Policy == BindPolicy.WeightedInterleave) add = [("policy", "default", o => o.Set("policy", "default"))];
        if (plan.Devdax is { } dax)
        {
            add.Add(("mem-path", dax.DevicePath, o => o.Set("mem-path", dax.DevicePath)));
            if (!b.Options.Contains("align")) add.Add(("align", QemuSize.Format(dax.AlignBytes), o => o.SetSize("align", dax.AlignBytes)));
            if (!b.Options.Contains("share"))
                add.Add(("share", "on", o => { if (o is JsonOptions j) j.SetBool("share", true); else o.Set("share", "on"); }));
        }

        if (b.Options is OptionString s)
        {
            int at = s.IndexOf(TypeKey);
            int before = s.Entries.Take(at).Count(e => OwnKeys.Contains(e.EffectiveKey));
            foreach (var k in OwnKeys) s.Remove(k);
            at -= before;
            foreach (var (key, text, _) in add) s.Insert(at++, OptionEntry.Pair(key, text));
        }
        else
        {
            foreach (var k in OwnKeys) b.Options.Remove(k);
            foreach (var (_, _, json) in add) json(b.Options);
        }
    }
}
