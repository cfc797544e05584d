using Hostmem.Planning;

namespace Hostmem.Lint;

/// <summary>host-nodes=, policy= and host-mem-type= of each memory backend, as far as the command line alone tells.</summary>
static class BackendChecks
{
    /// <summary>QEMU's MAX_NODES: host-nodes values must be below it.</summary>
    public const ulong MaxHostNodes = 128;

    public static void Run(LintContext c)
    {
        foreach (var b in c.Backends)
        {
            string name = $"backend {b.Id ?? "?"}";
            if (b.Options.Contains(Planner.TypeKey))
            {
                if (b.Options.Contains("host-nodes") || b.Options.Contains("policy"))
                    c.Add(LintRules.HostMemTypeWithHostNodes, b.Index,
                        $"{name} has {Planner.TypeKey}={b.Get(Planner.TypeKey)} and {(b.Options.Contains("host-nodes") ? "host-nodes=" : "policy=")}",
                        qemuSays: b.IsJson ? $"Parameter '{Planner.TypeKey}' is unexpected" : $"Invalid parameter '{Planner.TypeKey}'");
                continue; // hostmem qemu writes host-nodes= and policy= for it
            }
            var nodes = b.HostNodes;
            string? policy = b.Policy;
            foreach (var n in nodes.Where(n => n >= MaxHostNodes).Take(1))
                c.Add(LintRules.HostNodesOutOfRange, b.Index, $"{name} lists host node {n}", qemuSays: $"Invalid host-nodes value: {n}");
            if (nodes.Count > 0 && policy is null or "default")
                c.Add(LintRules.HostNodesWithoutPolicy, b.Index, $"{name} lists host-nodes={Sysfs.CpuList.Format(nodes.Select(n => (int)Math.Min(n, int.MaxValue)))} under the default policy",
                    qemuSays: "host-nodes must be empty for policy default, or you should explicitly specify a policy other than default");
            else if (nodes.Count == 0 && policy is not null and not "default")
                c.Add(LintRules.PolicyWithoutHostNodes, b.Index, $"{name} has policy={policy} and no host-nodes=",
                    qemuSays: $"host-nodes must be set for policy {policy}");
        }
    }
}
