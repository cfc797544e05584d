using Hostmem.Classification;
using Hostmem.Qemu;
using Hostmem.Sysfs;
using Hostmem.Topology;

namespace Hostmem.Lint;

/// <summary>
/// host-nodes= against the host QEMU will run on. mbind() keeps only the listed nodes that exist, are online, have memory
/// and lie in the cpuset: QEMU refuses the backend when none is left ("cannot bind memory to host NUMA nodes: Invalid
/// argument"), and otherwise allocates from what is left without a word.
/// </summary>
static class HostNodeChecks
{
    public static void Run(LintContext c)
    {
        var host = c.Host!;
        var mems = c.Options.MemsAllowed;
        foreach (var b in c.Backends)
        {
            if (b.Options.Contains(Planning.Planner.TypeKey)) continue;
            var listed = b.HostNodes.Where(n => n < BackendChecks.MaxHostNodes).Select(n => (int)n).Distinct().ToList();
            if (listed.Count == 0 || b.Policy is null or "default") continue;
            string name = $"backend {b.Id ?? "?"}";

            var usable = new List<NumaNode>();
            var problems = new List<(LintRule Rule, string Message)>();
            foreach (int id in listed)
            {
                var node = host.Host.Node(id);
                if (node is null) problems.Add((LintRules.HostNodeMissing, $"{name} is bound to host node {id}, and the host has nodes {CpuList.Format(host.Host.Nodes.Select(n => n.Id))}"));
                else if (!node.Online) problems.Add((LintRules.HostNodeOffline, $"{name} is bound to host node {id}, which is offline"));
                else if (!node.HasMemory) problems.Add((LintRules.HostNodeNoMemory, $"{name} is bound to host node {id}, which has no memory{(node.HasCpus ? " (CPUs only)" : "")}"));
                else if (mems is not null && !mems.Contains(id)) problems.Add((LintRules.HostNodeOutsideCpuset, $"{name} is bound to host node {id}, outside this process's cpuset (Mems_allowed_list {CpuList.Format(mems)})"));
                else usable.Add(node);
            }
            bool accepts = usable.Count > 0;
            foreach (var (rule, message) in problems)
                c.Add(rule, b.Index, accepts ? $"{message}: the memory comes from node{(usable.Count > 1 ? "s" : "")} {CpuList.Format(usable.Select(n => n.Id))} only" : message,
                    qemuAccepts: accepts, qemuSays: "cannot bind memory to host NUMA nodes: Invalid argument");
            if (usable.Count == 0) continue;
            Capacity(c, b, name, usable);
            Distance(c, b, name, usable);
        }
    }

    static void Capacity(LintContext c, MemoryBackend b, string name, List<NumaNode> usable)
    {
        if (b.Size is not { } size) return;
        ulong total = usable.Aggregate(0UL, (s, n) => s + (n.MemTotalBytes ?? 0));
        string nodes = $"host node{(usable.Count > 1 ? "s" : "")} {CpuList.Format(usable.Select(n => n.Id))}";
        if (size > total)
        {
            bool strict = b.Policy == "bind";
            ulong hostTotal = c.Host!.Host.Nodes.Aggregate(0UL, (s, n) => s + (n.MemTotalBytes ?? 0));
            bool reserve = b.Get("reserve") is not ("off" or "no" or "false" or "n");
            bool prealloc = b.Get("prealloc") is "on" or "yes" or "true" or "y";
            // Under the kernel's default (heuristic) overcommit, a reserved mapping larger than the host's memory fails.
            bool refusedMapping = reserve && size > hostTotal;
            var (sizeText, totalText) = Apart(size, total);
            c.Add(LintRules.HostNodeTooSmall, b.Index,
                $"{name} is {sizeText}, and {nodes} hold{(usable.Count > 1 ? "" : "s")} {totalText}{(strict ? "" : $": policy={b.Policy} spills the rest to other nodes")}",
                severity: strict ? Severity.Error : Severity.Warning,
                qemuAccepts: !(refusedMapping || (strict && prealloc)),
                qemuSays: refusedMapping ? $"cannot set up guest memory '{b.Id}': Cannot allocate memory" : null);
            return;
        }
        if (usable.All(n => n.MemFreeBytes is not null))
        {
            ulong free = usable.Aggregate(0UL, (s, n) => s + n.MemFreeBytes!.Value);
            if (size > free)
            {
                var (sizeText, freeText) = Apart(size, free);
                c.Add(LintRules.HostNodeLowFree, b.Index, $"{name} is {sizeText}, and {nodes} ha{(usable.Count > 1 ? "ve" : "s")} {freeText} free now");
            }
        }
    }

    /// <summary>Two sizes as people read them, in bytes as well when rounding would show them equal ("256 MiB" and "256 MiB").</summary>
    static (string, string) Apart(ulong a, ulong b) =>
        Bytes.Format(a) == Bytes.Format(b) ? ($"{Bytes.Format(a)} ({a} bytes)", $"{Bytes.Format(b)} ({b} bytes)") : (Bytes.Format(a), Bytes.Format(b));

    /// <summary>SLIT's step for one hop (local 10, remote 20): nodes of one socket (SNC clusters at 11, 12) are not far.</summary>
    const int FarBy = 10;

    /// <summary>A bound node is far when a node of the same memory type is at least a hop (<see cref="FarBy"/>) nearer, by SLIT
    /// distance, to the CPUs QEMU may run on.</summary>
    static void Distance(LintContext c, MemoryBackend b, string name, List<NumaNode> usable)
    {
        var host = c.Host!;
        var cpus = c.Options.Cpus;
        var cpuNodes = host.Host.Nodes.Where(n => n.HasCpus && (cpus is null || n.Cpus.Intersect(cpus).Any())).ToList();
        if (cpuNodes.Count == 0) return;
        int? DistanceTo(NumaNode target)
        {
            int? best = null;
            foreach (var cn in cpuNodes)
                if (cn.Distances.TryGetValue(target.Id, out int d) && (best is null || d < best)) best = d;
            return best;
        }
        var mems = c.Options.MemsAllowed;
        foreach (var node in usable)
        {
            if (DistanceTo(node) is not { } d) continue;
            var type = host.Classes.FirstOrDefault(x => x.Node == node.Id)?.Type;
            if (type is null) continue;
            // The nearest node of the same type (then the lowest id) at least FarBy nearer: a loop, as OrderBy().ThenBy() over
            // a tuple is a generic virtual call NativeAOT resolves at run time (140,000 instructions of a dry run).
            (NumaNode Node, int Distance)? nearest = null;
            foreach (var n in host.Host.Nodes)
            {
                if (!n.Online || !n.HasMemory || (mems is not null && !mems.Contains(n.Id)) || !host.Classes.Any(x => x.Node == n.Id && x.Type == type)) continue;
                if (DistanceTo(n) is not { } nd || nd > d - FarBy) continue;
                if (nearest is not { } o || nd < o.Distance || (nd == o.Distance && n.Id < o.Node.Id)) nearest = (n, nd);
            }
            if (nearest is not { } nearer) continue;
            string cpusText = cpus is null ? "every CPU" : $"CPUs {CpuList.Format(cpus)} ({c.Options.CpusSource})";
            c.Add(LintRules.HostNodeFar, b.Index,
                $"{name} is bound to host node {node.Id} ({type.Value.Name()}) at distance {d} from {cpusText} on node{(cpuNodes.Count > 1 ? "s" : "")} {CpuList.Format(cpuNodes.Select(n => n.Id))}; node {nearer.Node.Id} ({type.Value.Name()}) is at {nearer.Distance}",
                fix: $"bind to host node {nearer.Node.Id} (host-nodes={nearer.Node.Id}), run QEMU on CPUs near node {node.Id}, or let hostmem choose: host-mem-type={type.Value.Name()}");
        }
    }
}
