using Hostmem.Classification;
using Hostmem.Discovery;
using Hostmem.Lint;
using Hostmem.Planning;
using Hostmem.Probe;
using Hostmem.Qemu;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Lint;

/// <summary>
/// hmat-lb-host-differs: the user's hmat-lb figures against the host's figures for the memory behind each guest node,
/// firmware's from the recorded sysfs trees or measured ones from a probe file (--figures), and lint --figures' bad files.
/// Expected figures are the recorded trees' (tests/fixtures/INDEX.md) and the probe file's; tiers are worked out here by
/// mm/memory-tiers.c's formula: 576 * lat_sum / ref_lat_sum * ref_bw_sum / bw_sum, integer steps, tier = distance >> 7.
/// </summary>
public class HostFigureLintTests
{
    const string Code = "hmat-lb-host-differs";
    static readonly Lazy<ClassifiedHost> TwoTier = new(() => ClassifiedHost.From(TopologyReader.Read(Trees.Project("hmat-two-tier"))));
    static readonly Lazy<ClassifiedHost> Genport = new(() => ClassifiedHost.From(TopologyReader.Read(Trees.Project("cxl-ram-genport"))));
    static readonly Lazy<ClassifiedHost> TwoSocket = new(() => ClassifiedHost.From(TopologyReader.Read(Trees.Project("two-socket-cxl"))));
    static readonly PlanOptions Cpu0 = new([0], "test");

    static string ProbeFile(string name) => Path.Combine(Trees.RepoRoot, "tests", "Hostmem.Tests", "Probe", "data", name);

    static string Lb(int target, string type, string value) => $"hmat-lb,initiator=0,target={target},hierarchy=memory,data-type={type},{value}";

    /// <summary>A DRAM node 0 with CPU 0 (memory unbound) and node 1 on <paramref name="backend"/>, with the given figures.</summary>
    static string[] Line(string backend, (ulong Lat, ulong BwM) dram, (ulong Lat, ulong BwM) node1) =>
    [
        "qemu-system-x86_64", "-machine", "q35,hmat=on", "-m", "256M", "-smp", "1",
        "-object", "memory-backend-ram,id=ram0,size=192M", "-numa", "node,nodeid=0,cpus=0,memdev=ram0",
        "-object", $"memory-backend-ram,id=m1,size=64M,{backend}", "-numa", "node,nodeid=1,memdev=m1,initiator=0",
        "-numa", Lb(0, "access-latency", $"latency={dram.Lat}"), "-numa", Lb(0, "access-bandwidth", $"bandwidth={dram.BwM}M"),
        "-numa", Lb(1, "access-latency", $"latency={node1.Lat}"), "-numa", Lb(1, "access-bandwidth", $"bandwidth={node1.BwM}M"),
    ];

    static List<LintFinding> Differs(string[] argv, ClassifiedHost host, PlanOptions? options = null) =>
        [.. QemuLinter.Lint(QemuCommandLine.Parse(argv), host, options ?? Cpu0).Where(f => f.Code == Code)];

    // hmat-two-tier's host node1 (recorded access1): 270 ns, 30000 MB/s; node0 100 ns, 262100 MB/s.
    [Theory]
    [InlineData(270UL, 30000UL, false)]
    [InlineData(539UL, 30000UL, false)] // 1.996x: may or may not change the tier, not judged
    [InlineData(540UL, 30000UL, true)]  // 2x slower
    [InlineData(136UL, 30000UL, false)]
    [InlineData(135UL, 30000UL, true)]  // 2x faster
    [InlineData(270UL, 15001UL, false)]
    [InlineData(270UL, 15000UL, true)]  // half the bandwidth
    [InlineData(270UL, 60000UL, true)]
    public void A_figure_2x_off_the_bound_host_nodes_is_a_warning(ulong latency, ulong bandwidth, bool expected)
    {
        var findings = Differs(Line("host-nodes=1,policy=bind", (100, 262100), (latency, bandwidth)), TwoTier.Value);
        Assert.Equal(expected, findings.Count == 1);
        Assert.True(findings.Count <= 1);
        if (!expected) return;
        var f = findings[0];
        Assert.Equal(Severity.Warning, f.Severity);
        Assert.True(f.QemuAccepts);
        Assert.Equal(Lb(1, "access-latency", $"latency={latency}"), QemuCommandLine.Parse(Line("host-nodes=1,policy=bind", (100, 262100), (latency, bandwidth))).Arguments[f.ArgumentIndex!.Value].Value);
        Assert.StartsWith("guest node 1 (host node1, backend m1): your ", f.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_message_gives_both_figures_and_both_tiers_by_the_kernels_formula()
    {
        var f = Assert.Single(Differs(Line("host-nodes=1,policy=bind", (100, 262100), (540, 30000)), TwoTier.Value));
        // As written: 576 * 1080 / 200 = 3110, * 524200 / 60000 = 27171 -> tier 212. With the host's 270 ns:
        // 576 * 540 / 200 = 1555, * 524200 / 60000 = 13585 -> tier 106 (the recorded guest's memory_tier106).
        Assert.Equal("guest node 1 (host node1, backend m1): your latency 540 ns is 2.0x off the host's 270 ns (firmware: sysfs access1); "
            + "the guest kernel puts it in memory_tier212, the host's figures would put it in memory_tier106", f.Message);
    }

    [Fact]
    public void A_cpu_nodes_unbound_memory_is_judged_against_the_host_nodes_of_qemus_cpus()
    {
        // CPU 0 is on host node0 (100 ns, 262100 MB/s): 300 ns there is 3x off; node 1 as the host has it.
        var f = Assert.Single(Differs(Line("host-nodes=1,policy=bind", (300, 262100), (270, 30000)), TwoTier.Value));
        Assert.StartsWith("guest node 0 (host node0, backend ram0): your latency 300 ns is 3.0x off the host's 100 ns", f.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Measured_figures_take_firmwares_place_and_a_picosecond_firmware_is_named()
    {
        // cxl-ram-genport's firmware (recorded access1): node0 100 ns, 262100 MB/s; node1 17350/17450 ns, 16000 MB/s.
        // The probe measured in that very scenario: node0 704 ns, 2275/7358 MB/s; node1 2518 ns, 17/27 MB/s.
        var line = Line("host-nodes=1,policy=bind", (700, 4000), (2500, 20));
        var firmware = Differs(line, Genport.Value);
        Assert.Equal(2, firmware.Count);
        Assert.Contains("your latency 700 ns is 7.0x off the host's 100 ns, bandwidth 4000 MB/s is 65.5x off the host's 262100 MB/s (firmware: sysfs access1)", firmware[0].Message, StringComparison.Ordinal);
        Assert.Contains("your read latency 2500 ns is 6.9x off the host's 17350 ns, write latency 2500 ns is 7.0x off the host's 17450 ns, bandwidth 20 MB/s is 800.0x off the host's 16000 MB/s", firmware[1].Message, StringComparison.Ordinal);
        Assert.Contains("firmware's 17450 ns is no memory latency (likely picoseconds)", firmware[1].Message, StringComparison.Ordinal);

        var measured = Cpu0 with { Measured = MeasuredFigures.Load(ProbeFile("nested-cxl-ram-genport.probe.json"), Genport.Value.Host) };
        Assert.Empty(Differs(line, Genport.Value, measured)); // 700 vs 704, 4000 vs 2275/7358 (1.76x, 1.84x), 2500 vs 2518, 20 vs 17/27
        var slow = Assert.Single(Differs(Line("host-nodes=1,policy=bind", (700, 4000), (2500, 8)), Genport.Value, measured));
        Assert.Contains("read bandwidth 8 MB/s is 2.1x off the host's 17 MB/s, write bandwidth 8 MB/s is 3.4x off the host's 27 MB/s (measured by hostmem probe, --figures)", slow.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Host_mem_type_is_judged_on_the_nodes_hostmem_qemu_places_it_on()
    {
        // two-socket-cxl with CPU 0: cxl-ram goes to node 2 (near socket 0), recorded access1 17350/17450 ns, 16000 MB/s.
        var asHost = Line("host-mem-type=cxl-ram", (100, 262100), (17400, 16000));
        Assert.Empty(Differs(asHost, TwoSocket.Value));
        var f = Assert.Single(Differs(Line("host-mem-type=cxl-ram", (100, 262100), (270, 16000)), TwoSocket.Value));
        Assert.StartsWith("guest node 1 (host node2, backend m1): your read latency 270 ns is 64.3x off the host's 17350 ns", f.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Memory_with_no_known_host_node_is_not_judged()
    {
        // Interleave spreads pages round-robin (a mix hostmem does not model for a plain line); an unbound CPU-less node's
        // memory goes wherever the vCPU that touches it runs; hmat=off makes QEMU refuse the entries (hmat-disabled).
        Assert.Empty(Differs(Line("host-nodes=0-1,policy=interleave", (100, 262100), (1000, 1000)), TwoTier.Value));
        Assert.Empty(Differs(Line("share=off", (100, 262100), (1000, 1000)), TwoTier.Value));
        var off = Line("host-nodes=1,policy=bind", (100, 262100), (1000, 1000));
        off[2] = "q35";
        Assert.Empty(Differs(off, TwoTier.Value));
        Assert.DoesNotContain(QemuLinter.Lint(QemuCommandLine.Parse(Line("host-nodes=1,policy=bind", (100, 262100), (1000, 1000))), host: null), x => x.Code == Code);
    }

    static readonly string[] GenportLine = Line("host-nodes=1,policy=bind", (700, 4000), (2500, 20));

    [Fact]
    public void Lint_figures_on_the_command_line_turns_the_warnings_off_when_the_entries_match_the_measurement()
    {
        var (code, stdout, _) = HostmemCli.Run(["lint", "--sysfs", Trees.Archive("cxl-ram-genport"), "--cpus", "0", "--", .. GenportLine]);
        Assert.Equal(1, code);
        Assert.Equal(2, stdout.Split('\n').Count(l => l.StartsWith("warning " + Code, StringComparison.Ordinal)));
        var (mcode, mout, merr) = HostmemCli.Run(["lint", "--sysfs", Trees.Archive("cxl-ram-genport"), "--cpus", "0",
            "--figures", ProbeFile("nested-cxl-ram-genport.probe.json"), "--", .. GenportLine]);
        Assert.True(mcode == 0, merr + mout);
        Assert.Contains("figures measured in", mout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("garbage", "is not JSON")]
    [InlineData("{\"schema\": \"hostmem-topology\", \"schema_version\": 1}", "is not a hostmem probe file")]
    [InlineData("OTHER-HOST", "was measured on a host with node 2, which this host lacks")]
    [InlineData("MISSING", "no such file")]
    [InlineData("NO-HOST", "--figures with --no-host")]
    public void A_bad_figures_file_is_refused_in_one_line_as_plan_refuses_it(string content, string problem)
    {
        string file = content switch
        {
            "OTHER-HOST" => ProbeFile("two-socket-cxl.probe.json"), // 4 nodes; cxl-ram-genport has 2
            "MISSING" => Path.Combine(Scratch.Folder("lintfig"), "none.json"),
            _ => Path.Combine(Scratch.Folder("lintfig"), "f.json"),
        };
        if (content is not ("OTHER-HOST" or "MISSING")) File.WriteAllText(file, content == "NO-HOST" ? File.ReadAllText(ProbeFile("nested-cxl-ram-genport.probe.json")) : content);
        string[] noHost = content == "NO-HOST" ? ["--no-host"] : [];
        Refusal.Assert(HostmemCli.Run(["lint", "--sysfs", Trees.Archive("cxl-ram-genport"), "--cpus", "0", .. noHost, "--figures", file, "--", .. GenportLine]), problem);
    }
}
