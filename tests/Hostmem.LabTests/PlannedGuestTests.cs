using Hostmem.Planning;
using Xunit.Abstractions;

namespace Hostmem.LabTests;

/// <summary>
/// End to end: `hostmem plan` on a recorded host gives a QEMU command line and a predicted memory tier per guest node; a
/// Linux 6.12 guest booted with that line (lab/run argv, TCG) must put every node in exactly that tier and show exactly the
/// figures hostmem wrote, which are the host's own. Under QEMU 10.0 and 7.2 alike.
/// </summary>
public class PlannedGuestTests(ITestOutputHelper output)
{
    LabRun Boot(string name, string[] argv, string? guest = null)
    {
        string[] args = ["argv", "--name", name, .. guest is null ? Array.Empty<string>() : ["--guest", guest], "--", .. argv];
        var run = Lab.Run(args, TimeSpan.FromMinutes(3));
        Assert.True(run.ExitCode == 0, $"lab/run argv -- {string.Join(' ', argv)}\n{run.Describe()}");
        output.WriteLine($"{name}: guest wall time {run.Result("wall_seconds")} s");
        return run;
    }

    static readonly string ReportDistances = Path.Combine(Lab.RepoRoot, "lab", "guest", "report-distances.sh");

    /// <summary>
    /// Each pair's distance is on the line once (hostmem writes one direction of a symmetric pair, and none where the user
    /// wrote one), and the guest kernel's SLIT has it in both directions: QEMU fills the other in. A pair whose directions
    /// the line gives differently must reach the guest as given.
    /// </summary>
    static void AssertGuestDistances(IReadOnlyList<string> userArgv, IReadOnlyList<string> argv, LabRun run)
    {
        var given = Distances(argv);
        var rows = run.Results.Where(r => r.Key.StartsWith("node", StringComparison.Ordinal) && r.Key.EndsWith(".distance", StringComparison.Ordinal))
            .ToDictionary(r => int.Parse(r.Key["node".Length..^".distance".Length]), r => r.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray());
        Assert.NotEmpty(rows);
        if (rows.Count == 1) return; // one node: QEMU writes no SLIT
        var online = rows.Keys.Order().ToArray(); // a row lists the distances to the online nodes, in order
        foreach (var (a, row) in rows)
        {
            Assert.Equal(online.Length, row.Length);
            for (int j = 0; j < row.Length; j++)
            {
                int b = online[j];
                int expected = a == b ? 10 : given.TryGetValue((a, b), out int v) ? v : given[(b, a)];
                Assert.True(expected == row[j], $"guest node{a} -> node{b}: the guest says {row[j]}, the line gives {expected}\n{run.Describe()}");
            }
        }
        var user = Distances(userArgv);
        bool symmetric = given.All(g => !given.TryGetValue((g.Key.B, g.Key.A), out int back) || back == g.Value);
        var added = given.Keys.Where(k => !user.ContainsKey(k)).ToList();
        if (symmetric) Assert.DoesNotContain(added, k => given.ContainsKey((k.B, k.A)));
    }

    static Dictionary<(int A, int B), int> Distances(IReadOnlyList<string> argv)
    {
        var given = new Dictionary<(int A, int B), int>();
        for (int i = 0; i + 1 < argv.Count; i++)
            if (argv[i] == "-numa" && System.Text.RegularExpressions.Regex.Match(argv[i + 1], @"^dist,src=(\d+),dst=(\d+),val=(\d+)$") is { Success: true } m)
                given[(int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value))] = int.Parse(m.Groups[3].Value);
        return given;
    }

    static uint Tier(LabRun run, int node) => uint.Parse(run.Result($"node{node}.tier"));

    [LabTheory]
    [MemberData(nameof(PlannedGuests.CasesOnBothQemus), MemberType = typeof(PlannedGuests))]
    public void The_guest_kernel_tiers_each_node_as_hostmem_predicted_with_the_hosts_figures(string name, string qemu)
    {
        var c = PlannedGuests.Case(name);
        var plan = c.Plan();
        output.WriteLine(string.Join(' ', plan.ArgvWithoutHostBinding()));
        var run = Boot($"{name}-qemu{qemu}", PlannedGuests.OnQemu(plan.ArgvWithoutHostBinding(), qemu), ReportDistances);
        AssertGuestDistances(c.Qemu, plan.ArgvWithoutHostBinding(), run);

        // The guest kernel lists one initiator per node: the node itself when it has CPUs, else its initiator= (hostmem: the
        // first CPU node). HMAT without hmat-lb entries (hostmem's line for a host without figures) reads as zeros.
        int firstCpu = plan.GuestNodes.Where(n => n.HasCpus).Min(n => n.GuestNode);
        foreach (var n in plan.GuestNodes)
        {
            Assert.NotNull(n.PredictedTier);
            Assert.True(n.PredictedTier == Tier(run, n.GuestNode),
                $"guest node{n.GuestNode}: hostmem predicted memory_tier{n.PredictedTier}, the guest kernel chose memory_tier{Tier(run, n.GuestNode)}\n{plan.Json}\n{run.Describe()}");
            output.WriteLine($"{name} on QEMU {qemu}: guest node{n.GuestNode} predicted memory_tier{n.PredictedTier}, guest memory_tier{Tier(run, n.GuestNode)}");
            string initiator = $"initiators=node{(n.HasCpus ? n.GuestNode : firstCpu)}";
            Assert.Equal(n.HasFigures ? $"{n.Access} {initiator}" : $"rl=0 wl=0 rb=0 wb=0 {initiator}", run.Result($"node{n.GuestNode}.access1"));
        }
        // Every memory_tier the guest made is one hostmem predicted, holding exactly the predicted nodes.
        var guestTiers = run.Results.Where(r => r.Key.StartsWith("tier", StringComparison.Ordinal) && r.Key.EndsWith(".nodes", StringComparison.Ordinal))
            .ToDictionary(r => uint.Parse(r.Key["tier".Length..^".nodes".Length]), r => r.Value);
        Assert.Equal(plan.GuestNodes.Select(n => n.PredictedTier!.Value).Distinct().Order(), guestTiers.Keys.Order());

        // The figures are the host's: each guest node's are the slowest of its host nodes' access1.
        foreach (var n in plan.GuestNodes.Where(n => n.FiguresFrom == "access1"))
        {
            uint Worst(string file, bool latency)
            {
                var v = n.HostNodes.Select(h => PlannedGuests.HostFigure(c, h, file)).ToList();
                return latency ? v.Max() : v.Min();
            }
            Assert.Equal((Worst("read_latency", true), Worst("write_latency", true), Worst("read_bandwidth", false), Worst("write_bandwidth", false)),
                (n.ReadLatencyNs!.Value, n.WriteLatencyNs!.Value, n.ReadBandwidthMBps!.Value, n.WriteBandwidthMBps!.Value));
        }

        // Two tiers: the kernel demotes from every CPU node to the CPU-less one(s).
        var slow = plan.GuestNodes.Where(n => n.PredictedTier > KernelTierModel.TierOf(KernelTierModel.DramAdistance)).ToList();
        // One tier: no demotion at all.
        foreach (var cpu in plan.GuestNodes.Where(n => n.HasCpus))
            Assert.Contains(slow.Count > 0 ? $"Demotion targets for Node {cpu.GuestNode}: preferred: {string.Join(',', slow.Select(s => s.GuestNode))}"
                : $"Demotion targets for Node {cpu.GuestNode}: null", run.StdOut);
    }

    [Fact]
    public void A_host_without_figures_gets_no_hmat_lb_and_a_warning_that_the_guest_sees_one_tier()
    {
        // The guest side (one memory_tier4 for both nodes, no demotion) is booted by the theory above ("no-figures").
        var plan = PlannedGuests.Case("no-figures").Plan();
        Assert.Contains(plan.Notes, n => n is { Severity: "warning", Code: "no-reference-figures" }
            && n.Text.Contains("so the guest ranks node1 (cxl-ram) with DRAM", StringComparison.Ordinal));
        Assert.DoesNotContain(plan.Argv, a => a.StartsWith("hmat-lb", StringComparison.Ordinal));
        Assert.Equal([4u, 4u], plan.GuestNodes.Select(n => n.PredictedTier!.Value));
    }

    static readonly string[] Small = ["qemu-system-x86_64", "-M", "q35", "-m", "256M", "-object", "memory-backend-ram,id=vmem0,size=64M,host-mem-type=cxl-ram"];

    static HostmemPlan FiguresPlan(string dram, string cxl) =>
        HostmemPlan.Run(PlannedGuests.Case("no-figures").Tree, "0",
            ["--latency", $"dram={dram.Split('/')[0]}", "--bandwidth", $"dram={dram.Split('/')[1]}",
             "--latency", $"cxl-ram={cxl.Split('/')[0]}", "--bandwidth", $"cxl-ram={cxl.Split('/')[1]}"], Small);

    static string[] Replace(string[] argv, params (string From, string To)[] edits) =>
        [.. argv.Select(a => edits.Aggregate(a, (s, e) => s.EndsWith(e.From, StringComparison.Ordinal) ? s[..^e.From.Length] + e.To : s))];

    [LabFact]
    public void Figures_that_would_overflow_the_kernels_distance_keep_the_node_below_dram()
    {
        // 1,000,000 ns at 1 MB/s against DRAM's 91 ns, 262100 MB/s: written as given (QEMU needs 91 -> 100, 1 -> 4),
        // the guest ranks node1 ABOVE DRAM. hostmem lowers node1's latency so that the distance fits the kernel's int.
        var plan = FiguresPlan("91/262100", "1000000/1");
        var slow = plan.GuestNodes[1];
        Assert.False(slow.TierOverflow);
        Assert.Contains(plan.Notes, n => n.Code == "figures-clamped" && n.Text.StartsWith("guest node1: the --latency/--bandwidth figures (1000000 ns, 1 MB/s) would overflow", StringComparison.Ordinal));
        var run = Boot("overflow-clamped", plan.ArgvWithoutHostBinding());
        Assert.Equal(slow.PredictedTier, Tier(run, 1));
        Assert.Equal(4u, Tier(run, 0));
        Assert.Equal($"{slow.Access} initiators=node0", run.Result("node1.access1"));
        Assert.Contains("Demotion targets for Node 0: preferred: 1", run.StdOut);

        // The same line with the host's figures, as QEMU can take them: the kernel's int overflows, the node goes above DRAM.
        var raw = Replace(plan.ArgvWithoutHostBinding(),
            ("target=0,hierarchy=memory,data-type=access-latency,latency=91", "target=0,hierarchy=memory,data-type=access-latency,latency=100"),
            ($"target=1,hierarchy=memory,data-type=access-latency,latency={slow.ReadLatencyNs}", "target=1,hierarchy=memory,data-type=access-latency,latency=1000000"));
        Assert.Contains(raw, a => a.EndsWith("latency=1000000", StringComparison.Ordinal));
        var hazard = Boot("overflow-as-given", raw);
        var predicted = KernelTierModel.Predict([new TierModelNode(0, true, true, false, new MemoryPerformance(100, 100, 262100, 262100)),
            new TierModelNode(1, false, true, false, new MemoryPerformance(1000000, 1000000, 4, 4))])[1];
        Assert.True(predicted.Overflowed);
        Assert.Equal(predicted.KernelTierId, Tier(hazard, 1)); // memory_tier4290802280
        Assert.Contains("Demotion targets for Node 1: preferred: 0", hazard.StdOut);
    }

    [LabFact]
    public void A_latency_qemu_would_truncate_is_rounded_and_the_guest_reads_it_back()
    {
        // QEMU takes latency=100 then 323601 (its base drops to 1 after the check) and writes 323601 into a 16-bit entry.
        var plan = FiguresPlan("100/262100", "323601/30000");
        var node = plan.GuestNodes[1];
        Assert.Equal(323600u, node.ReadLatencyNs);
        var run = Boot("latency-rounded", plan.ArgvWithoutHostBinding());
        Assert.StartsWith("rl=323600 wl=323600 rb=30000 wb=30000", run.Result("node1.access1"));
        Assert.Equal(node.PredictedTier, Tier(run, 1));

        var raw = Replace(plan.ArgvWithoutHostBinding(), ("latency=323600", "latency=323601"));
        var truncated = Boot("latency-as-given", raw);
        Assert.StartsWith($"rl={323601 % 65536} wl={323601 % 65536} ", truncated.Result("node1.access1")); // 61457: silently wrong
    }
}
