using System.Text.Json.Nodes;

namespace Hostmem.LabTests;

/// <summary>One guest node of `hostmem plan`'s JSON: what hostmem says the guest will get and where it will rank it.</summary>
public sealed record PlannedNode(int GuestNode, string? Backend, int[] HostNodes, string? Type, bool HasCpus, ulong SizeBytes,
    uint? ReadLatencyNs, uint? WriteLatencyNs, uint? ReadBandwidthMBps, uint? WriteBandwidthMBps, string FiguresFrom, uint? PredictedTier, bool TierOverflow)
{
    public bool HasFigures => ReadLatencyNs is not null;
    /// <summary>The figures as the guest's report prints access1: "rl=.. wl=.. rb=.. wb=..".</summary>
    public string Access => $"rl={ReadLatencyNs} wl={WriteLatencyNs} rb={ReadBandwidthMBps} wb={WriteBandwidthMBps}";
}

/// <summary>`hostmem plan --sysfs TREE --cpus LIST [OPTIONS] -- QEMU ARGS`, run through the built apphost.</summary>
/// <summary>One note of the plan: "info" or "warning", its code, its text.</summary>
public sealed record PlannedNote(string Severity, string Code, string Text);

public sealed record HostmemPlan(string[] Argv, IReadOnlyList<PlannedNode> GuestNodes, IReadOnlyList<PlannedNote> Notes, string Json)
{
    public static string Apphost => Path.Combine(AppContext.BaseDirectory, "hostmem");

    public static HostmemPlan Run(string tree, string cpus, IEnumerable<string> options, IEnumerable<string> qemu)
    {
        string[] args = ["plan", "--sysfs", tree, "--cpus", cpus, .. options, "--", .. qemu];
        var (code, stdout, stderr) = Lab.Exec(Apphost, args, TimeSpan.FromMinutes(1));
        Assert.True(code == 0, $"hostmem {string.Join(' ', args)}: exit {code}\n{stderr}");
        var json = JsonNode.Parse(stdout)!.AsObject();
        var nodes = json["guest_nodes"]!.AsArray().Select(n => new PlannedNode(
            (int)n!["guest_node"]!, (string?)n["backend"], [.. n["host_nodes"]!.AsArray().Select(h => (int)h!)], (string?)n["type"], (bool)n["has_cpus"]!, (ulong)n["size_bytes"]!,
            (uint?)n["read_latency_ns"], (uint?)n["write_latency_ns"], (uint?)n["read_bandwidth_mbps"], (uint?)n["write_bandwidth_mbps"],
            (string)n["figures_from"]!, (uint?)n["predicted_tier"], (bool)n["tier_overflow"]!)).ToList();
        return new HostmemPlan([.. json["argv"]!.AsArray().Select(a => (string)a!)], nodes,
            [.. json["notes"]!.AsArray().Select(a => new PlannedNote((string)a!["severity"]!, (string)a["code"]!, (string)a["text"]!))], stdout);
    }

    /// <summary>
    /// The argv without the host binding: this lab machine has only NUMA node 0, and binding to the recorded host's CXL
    /// nodes (host-nodes=1, 2-3) would fail there (`cannot bind memory to host NUMA nodes`). The binding is proven on a
    /// real CXL node by HostmemQemuNestedTests; these tests are about what the guest sees.
    /// </summary>
    public string[] ArgvWithoutHostBinding() => [.. Argv.Select(DropBinding)];

    // hostmem writes these backends without ',,' escapes, so a plain split is exact here.
    static string DropBinding(string arg) =>
        arg.StartsWith("memory-backend-", StringComparison.Ordinal)
            ? string.Join(',', arg.Split(',').Where(kv => !kv.StartsWith("host-nodes=", StringComparison.Ordinal) && !kv.StartsWith("policy=", StringComparison.Ordinal)))
            : arg;
}
