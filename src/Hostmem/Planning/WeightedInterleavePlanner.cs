using System.Globalization;
using Hostmem.Classification;
using Hostmem.Qemu;
using Hostmem.Sysfs;
using Hostmem.Topology;

namespace Hostmem.Planning;

/// <summary>
/// <c>host-mem-policy=weighted-interleave</c>: a backend spread over several host nodes (of one or several types,
/// <c>host-mem-type=dram+cxl-ram</c>, or <c>host-mem-nodes=0,1</c>) by the kernel's global weights. QEMU has no such
/// policy, so the backend is written with <c>policy=default</c> and hostmem sets the policy on the process that becomes
/// QEMU; every other piece of guest RAM then needs an explicit policy, or it would be interleaved too.
/// </summary>
public static class WeightedInterleavePlanner
{
    const string Doc = "docs/qemu.md, 'Weighted interleave'";

    /// <summary>Places one weighted-interleave backend: its nodes (per type by the node rule, or the user's list) and the
    /// split the weights give them.</summary>
    /// <param name="nodesWords">host-mem-nodes as written: none, nearest or all, or node numbers and ranges (QEMU's
    /// host-nodes syntax: <c>host-mem-nodes=0-1</c>, or the key repeated, <c>host-mem-nodes=0,host-mem-nodes=2</c>; JSON: an array).</param>
    public static BackendPlan Plan(ClassifiedHost host, MemoryBackend b, string name, IReadOnlyList<HostMemType> types, IReadOnlyList<string> nodesWords,
        ulong size, PlanOptions options, IReadOnlyList<int> cpuNodes)
    {
        if (host.Host.InterleaveWeights is not { } weights)
            throw new UserError($"{name}: {Planner.PolicyKey}=weighted-interleave: this kernel has no weighted interleave (no /sys/kernel/mm/mempolicy/weighted_interleave; Linux >= 6.9 has it)",
                $"use {Planner.PolicyKey}=interleave (equal shares), or run on Linux 6.9 or later");
        var why = new List<string>();
        NodeRule rule;
        List<int> nodes;
        if (nodesWords is not ([] or ["nearest"] or ["all"]))
        {
            rule = NodeRule.Listed;
            nodes = Listed(host, name, types, OptionValues.UIntList(nodesWords, name, Planner.NodesKey), options);
            why.Add($"{Planner.NodesKey}={CpuList.Format(nodes)}: the nodes given");
        }
        else
        {
            rule = nodesWords is ["all"] ? NodeRule.All : NodeRule.Nearest;
            nodes = [];
            foreach (var type in types)
            {
                // Nodes only (size 0): the size each node gets depends on the weights of all of them, checked below.
                var placed = Planner.Place(host, new PlacementRequest
                {
                    Subject = name, Id = b.Id ?? "", QomType = b.QomType, ArgumentIndex = b.Index, Type = type, SizeBytes = 0,
                    Rule = rule, Policy = BindPolicy.WeightedInterleave, PolicyGiven = true, Spelling = IntentSpelling.Qemu,
                }, options, cpuNodes);
                nodes.AddRange(placed.HostNodes);
                why.AddRange(placed.Why.Where(w => !w.StartsWith(Planner.PolicyKey + "=", StringComparison.Ordinal)));
            }
            nodes = [.. nodes.Distinct().Order()];
        }
        if (nodes.Count < 2)
            throw new UserError($"{name}: weighted interleave over one host node (node{nodes[0]}) is a bind",
                $"name two types ({Planner.TypeKey}=dram+cxl-ram) or two nodes ({Planner.NodesKey}=0,1), or write {Planner.PolicyKey}=bind");

        var shares = Shares(host, weights, nodes, size);
        why.Add($"{Planner.PolicyKey}=weighted-interleave: kernel weights {string.Join(", ", shares.Select(s => $"node{s.Node} ({s.Type.Name()}) {s.Weight}"))}"
            + $" ({Mode(weights)}): expected {string.Join(" / ", shares.Select(s => $"{Percent(s.Share)} {Bytes.Format(s.ExpectedBytes)} on node{s.Node}"))}");
        why.Add($"QEMU gets policy=default (no mbind); hostmem sets MPOL_WEIGHTED_INTERLEAVE over {Nodes(nodes)} on itself before it becomes QEMU, and this backend's pages follow the thread that touches them ({Doc})");
        return new BackendPlan
        {
            Id = b.Id ?? "", QomType = b.QomType, ArgumentIndex = b.Index, Type = types.Count == 1 ? types[0] : null, Types = types.Count > 1 ? types : [],
            Rule = rule, HostNodes = nodes, Policy = BindPolicy.WeightedInterleave, SizeBytes = size, Interleave = shares,
            CapacityBytes = nodes.Aggregate(0UL, (s, n) => s + (host.Host.Node(n)?.MemTotalBytes ?? 0)),
            FreeBytes = nodes.All(n => host.Host.Node(n)?.MemFreeBytes is not null) ? nodes.Aggregate(0UL, (s, n) => s + host.Host.Node(n)!.MemFreeBytes!.Value) : null,
            Why = why, Warnings = Warnings(host, shares),
        };
    }

    /// <summary>Each node's weight, share and expected bytes (the kernel hands out Weight pages per node in turn:
    /// mm/mempolicy.c weighted_interleave_nodes).</summary>
    public static IReadOnlyList<NodeShare> Shares(ClassifiedHost host, InterleaveWeights weights, IReadOnlyList<int> nodes, ulong size)
    {
        int sum = nodes.Sum(weights.Effective);
        return [.. nodes.Select(n => new NodeShare(n, host.ClassOf(n).Type, weights.Effective(n), (double)weights.Effective(n) / sum,
            (ulong)((UInt128)size * (ulong)weights.Effective(n) / (ulong)sum)))];
    }

    static List<int> Listed(ClassifiedHost host, string name, IReadOnlyList<HostMemType> types, IReadOnlyList<ulong> given, PlanOptions options)
    {
        var nodes = given.Select(n => (int)Math.Min(n, int.MaxValue)).Distinct().Order().ToList();
        string text = CpuList.Format(nodes);
        foreach (int n in nodes)
        {
            var node = host.Host.Node(n);
            if (node is not { Online: true, HasMemory: true })
                throw new UserError($"{name}: {Planner.NodesKey}={text}: host node{n} {(node is null ? "does not exist" : "has no usable memory")}",
                    "list nodes with memory ('hostmem topology')");
            var type = host.ClassOf(n).Type;
            if (!types.Contains(type))
                throw new UserError($"{name}: {Planner.NodesKey}={text}: host node{n} is {type.Name()}, not {string.Join(" or ", types.Select(t => t.Name()))}",
                    $"add its type ({Planner.TypeKey}={string.Join('+', types.Append(type).Distinct().Select(t => t.Name()))}) or list other nodes");
            if (options.MemsAllowed is { } mems && !mems.Contains(n))
                throw new UserError($"{name}: host node{n} is outside this process's cpuset (Mems_allowed_list {CpuList.Format(mems)})",
                    "run hostmem in a cpuset whose cpuset.mems includes it, or list other nodes");
        }
        return nodes;
    }

    static List<string> Warnings(ClassifiedHost host, IReadOnlyList<NodeShare> shares)
    {
        var warnings = new List<string>();
        foreach (var s in shares)
        {
            var node = host.Host.Node(s.Node)!;
            // Interleave is not strict: a full node's turn falls back to the next nearest node (the zonelist).
            if (node.MemTotalBytes is { } total && s.ExpectedBytes > total)
                warnings.Add($"node{s.Node}'s share {Bytes.Format(s.ExpectedBytes)} is more than its {Bytes.Format(total)}: the rest lands on other nodes, and the split is not {Percent(s.Share)}");
            else if (node.MemFreeBytes is { } free && s.ExpectedBytes > free)
                warnings.Add($"node{s.Node}'s share {Bytes.Format(s.ExpectedBytes)} is more than its {Bytes.Format(free)} free now: the kernel must reclaim, or pages land elsewhere");
        }
        return warnings;
    }

    /// <summary>
    /// The whole line's check, once guest NUMA is written: every weighted backend over the same nodes (a task has one
    /// policy); hostmem's own main-RAM backend bound near the CPUs; every other piece of guest RAM with a policy of its own.
    /// </summary>
    public static MemoryPlan Finish(MemoryPlan plan, IReadOnlyList<int> cpuNodes)
    {
        var weighted = plan.Backends.Where(b => b.Policy == BindPolicy.WeightedInterleave).ToList();
        if (weighted.Count == 0 || plan.Command is not { } command) return plan;
        var nodes = weighted[0].HostNodes;
        if (weighted.Skip(1).FirstOrDefault(b => !b.HostNodes.SequenceEqual(nodes)) is { } other)
            throw new UserError($"{weighted[0].Id} and {other.Id}: weighted interleave over {Nodes(nodes)} and over {Nodes(other.HostNodes)}: one QEMU process has one task policy, so every weighted backend shares one node set",
                $"give them the same nodes ({Planner.NodesKey}={CpuList.Format(nodes)}), or merge them into one backend");
        var ids = weighted.Select(b => b.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var b in command.MemoryBackends())
        {
            if (b.Id is { } id && ids.Contains(id)) continue;
            if (b.Id == QemuGuestIntent.MainRamId && b.Policy is null && b.HostNodes.Count == 0)
            {
                // hostmem's own backend for main RAM: QEMU's default placement (the faulting CPU's node) made explicit.
                b.Options.SetUIntList("host-nodes", [.. cpuNodes.Select(n => (ulong)n)]);
                b.Options.Set("policy", "preferred");
                command.SetOptions(b.Index, b.Options);
                continue;
            }
            if (b.QomType == "memory-backend-file" && b.Get("mem-path") is { } path && path.StartsWith("/dev/dax", StringComparison.Ordinal)) continue; // device memory: no policy applies
            if (b.Policy is null or "default")
                throw new UserError($"{b.QomType} '{b.Id ?? "?"}' has no policy of its own, so it would be weighted-interleaved over {Nodes(nodes)} as well (the policy hostmem sets for {weighted[0].Id} is the whole process's)",
                    $"give it {Planner.TypeKey}=TYPE (e.g. {Planner.TypeKey}=dram) or host-nodes=N,policy=bind; see {Doc}");
        }
        if (ImplicitMainRam(command) is { } why)
            throw new UserError($"{why}: main RAM would be weighted-interleaved over {Nodes(nodes)} as well (the policy hostmem sets for {weighted[0].Id} is the whole process's)",
                $"give main RAM a backend with a policy: -machine memory-backend=ram0 -object memory-backend-ram,id=ram0,size=SIZE,{Planner.TypeKey}=dram (or leave -numa out and keep --guest-numa auto: hostmem then makes one)");
        return plan with
        {
            TaskPolicy = new TaskMemoryPolicy(nodes, [.. weighted.Select(b => b.Id)]),
            Notes = [.. plan.Notes, PlanNote.Info(NoteCodes.WeightedInterleaveProcess,
                $"QEMU's own memory (heap, ROMs, video RAM, TCG's code buffer) has no backend policy and is weighted-interleaved over {Nodes(nodes)} too ({Doc})")],
        };
    }

    /// <summary>Why QEMU would allocate main RAM itself (no backend of the line), or null.</summary>
    static string? ImplicitMainRam(QemuCommandLine command)
    {
        if (command.Machine().MemoryBackend is not null) return null;
        var numa = NumaLayout.Of(command);
        if (numa.Nodes.Count == 0) return "no -numa node and no -machine memory-backend=";
        return numa.Nodes.FirstOrDefault(n => n.MemDev is null) is { } n ? $"-numa node,nodeid={n.Id} has no memdev=" : null;
    }

    static string Mode(InterleaveWeights w) => w.Auto switch
    {
        true => "auto: from HMAT bandwidth",
        false => "set by hand",
        null => "Linux 6.9-6.15: set by hand, 1 by default",
    };

    static string Percent(double share) => (share * 100).ToString("0.#", CultureInfo.InvariantCulture) + " %";

    static string Nodes(IEnumerable<int> nodes) => "host nodes " + CpuList.Format(nodes);
}
