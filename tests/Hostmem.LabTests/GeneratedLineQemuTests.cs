using Hostmem.Tests.Support;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Hostmem.LabTests;

/// <summary>
/// The command lines the end-to-end tests boot, started paused (-S) under QEMU 10.0 and 7.2 with QMP on stdio: QEMU takes
/// every -numa node, dist and hmat-lb hostmem wrote (it checks them all while building the machine, before -S pauses it),
/// and `info numa` shows the guest nodes hostmem planned, with their CPUs and sizes. No guest kernel needed.
/// </summary>
public class GeneratedLineQemuTests
{
    /// <summary>Starts QEMU paused, asks `info numa` over QMP, quits. Null when QEMU refused the line.</summary>
    static (string? InfoNuma, string Stderr) InfoNuma(string qemu, IEnumerable<string> args) => QmpStdio.Human(qemu, args, "info numa");

    [Theory]
    [MemberData(nameof(PlannedGuests.CasesOnBothQemus), MemberType = typeof(PlannedGuests))]
    public void Qemu_takes_the_generated_line_and_makes_the_planned_nodes(string name, string version)
    {
        if (version == "10.0" && Lab.Missing is { } why && why.Contains("qemu", StringComparison.OrdinalIgnoreCase)) Assert.Fail(why);
        var plan = PlannedGuests.Case(name).Plan();
        var argv = plan.ArgvWithoutHostBinding();
        var qemu = version == "7.2" ? PlannedGuests.Qemu("7.2") : "/usr/bin/qemu-system-x86_64";
        var (info, stderr) = InfoNuma(qemu, argv[1..]);
        Assert.True(info is not null, $"QEMU {version} refused: {string.Join(' ', argv)}\n{stderr}");
        Assert.Matches($@"^{plan.GuestNodes.Count} nodes\b", info);
        foreach (var n in plan.GuestNodes)
        {
            var cpus = Regex.Match(info!, $@"node {n.GuestNode} cpus:(.*)").Groups[1].Value.Trim();
            Assert.Equal(n.HasCpus, cpus.Length > 0);
            Assert.Matches($@"node {n.GuestNode} size: {n.SizeBytes >> 20} MB", info);
        }
        Assert.Contains("-numa", argv);
        Assert.Contains(argv, a => a.StartsWith("dist,", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("10.0")]
    [InlineData("7.2")]
    public void A_partial_distance_matrix_is_refused_which_is_why_hostmem_writes_every_pair(string version)
    {
        var qemu = version == "7.2" ? PlannedGuests.Qemu("7.2") : "/usr/bin/qemu-system-x86_64";
        var plan = PlannedGuests.Case("two-socket-cxl").Plan();
        var argv = plan.ArgvWithoutHostBinding();
        // 3 nodes, symmetric distances: each pair once, from its lower node (QEMU mirrors the other direction,
        // hw/core/numa.c validate_numa_distance/complete_init_numa_distance)
        var pairs = argv.Select(a => Regex.Match(a, @"^dist,src=(\d+),dst=(\d+),")).Where(m => m.Success)
            .Select(m => $"{m.Groups[1].Value}-{m.Groups[2].Value}");
        Assert.Equal(["0-1", "0-2", "1-2"], pairs);
        Assert.Contains("dist,src=0,dst=1,val=20", argv); // the two sockets: the host's SLIT, 20
        // keep only 0->1: QEMU needs a distance for every pair once one is given
        var partial = new List<string>();
        for (int i = 1; i < argv.Length; i++)
        {
            if (argv[i] == "-numa" && argv[i + 1].StartsWith("dist,", StringComparison.Ordinal) && argv[i + 1] != "dist,src=0,dst=1,val=20") { i++; continue; }
            partial.Add(argv[i]);
        }
        var (info, stderr) = InfoNuma(qemu, partial);
        Assert.Null(info);
        Assert.Contains("The distance between node 0 and 2 is missing", stderr);
    }
}
