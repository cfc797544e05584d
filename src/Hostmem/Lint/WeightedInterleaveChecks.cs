using Hostmem.Planning;
using Hostmem.Topology;

namespace Hostmem.Lint;

/// <summary>
/// host-mem-policy=weighted-interleave against the host's kernel and its weights: a kernel without the policy, weights
/// that make it plain interleave, a node the kernel has no weight for.
/// </summary>
static class WeightedInterleaveChecks
{
    /// <summary>The raw line: its weighted backends as 'hostmem qemu' would place them.</summary>
    public static void Run(LintContext c)
    {
        if (c.Host is not { } host) return;
        var asked = c.Backends.Where(b => b.Get(Planner.PolicyKey) == "weighted-interleave").ToList();
        if (asked.Count == 0) return;
        if (host.Host.InterleaveWeights is null)
        {
            foreach (var b in asked)
                c.Add(LintRules.WeightedInterleaveUnsupported, b.Index, $"backend {b.Id ?? "?"} asks for weighted interleave, and this kernel has no /sys/kernel/mm/mempolicy/weighted_interleave");
            return;
        }
        MemoryPlan plan;
        try
        {
            plan = Planner.Plan(host, c.Command, c.Options);
        }
        catch (UserError)
        {
            return; // 'hostmem qemu' refuses the line with its own one-line reason; nothing to add about the weights
        }
        Check(c, plan.Backends, host.Host.InterleaveWeights);
    }

    /// <summary>The weights of each weighted backend's nodes (the planner chose them).</summary>
    public static void Check(LintContext c, IEnumerable<BackendPlan> backends, InterleaveWeights? weights)
    {
        foreach (var b in backends.Where(b => b.Interleave.Count > 0))
        {
            int index = c.Backends.FirstOrDefault(x => x.Id == b.Id)?.Index ?? b.ArgumentIndex;
            foreach (var node in b.Interleave.Where(s => weights?.Weights.GetValueOrDefault(s.Node) is null or 0))
                c.Add(LintRules.WeightedInterleaveWeightZero, index,
                    $"backend {b.Id}: host node{node.Node} has {(weights?.Weights.ContainsKey(node.Node) == true ? "weight 0" : "no weighted_interleave/node" + node.Node + " file")}: the kernel gives it weight 1");
            if (b.Interleave.Select(s => s.Weight).Distinct().Count() == 1)
                c.Add(LintRules.WeightedInterleaveEqualWeights, index,
                    $"backend {b.Id}: host nodes {Sysfs.CpuList.Format(b.HostNodes)} all have weight {b.Interleave[0].Weight}: that is plain interleave");
        }
    }
}
