using System.Text.Json;
using Hostmem.Discovery;
using Hostmem.Probe;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Probe;

/// <summary>`hostmem probe` as users run it: bad input refused before anything is measured, and one real short run on
/// this host (structure and sanity bounds, no timing assertions).</summary>
public class ProbeCliTests
{
    [Theory]
    [InlineData("--nodes 99", "--nodes: node 99 does not exist on this host")]
    [InlineData("--nodes x", "--nodes x: not a node list")]
    [InlineData("--initiators 0-2,99", "--initiators: node 1 does not exist")]
    [InlineData("--quick --thorough", "--quick and --thorough contradict each other")]
    [InlineData("--buffer 1K", "--buffer 1K: smaller than 32 MiB")]
    [InlineData("--buffer lots", "--buffer lots: not a size")]
    [InlineData("--max-share 0", "--max-share 0: not a percentage")]
    [InlineData("--max-share 150", "--max-share 150: not a percentage")]
    [InlineData("--max-share half", "--max-share half: not a percentage")]
    [InlineData("--output /nonexistent-dir/f.json", "--output /nonexistent-dir/f.json: no such directory")]
    [InlineData("--output /tmp", "--output /tmp: a directory")]
    [InlineData("--format xml", "Argument 'xml' not recognized")]
    public void Bad_input_is_one_line_a_hint_and_exit_2(string args, string expected)
    {
        Refusal.Assert(HostmemCli.Run(["probe", .. args.Split(' ')]), expected);
    }

    [Fact]
    public void Help_explains_the_method_and_units()
    {
        var (code, stdout, _) = HostmemCli.Run("probe", "--help");
        Assert.Equal(0, code);
        foreach (var s in new[] { "--nodes", "--initiators", "--quick", "--thorough", "--buffer", "--max-share", "--output", "2^20 bytes per second", "MPOL_BIND" })
            Assert.Contains(s, stdout);
    }

    [Fact]
    public void A_buffer_larger_than_the_allowed_share_is_refused_for_the_pair_and_exits_1()
    {
        // 1 % of node 0's free memory is far less than a 4 GiB buffer on any machine that runs these tests.
        var (code, stdout, stderr) = HostmemCli.Run("probe", "--nodes", "0", "--initiators", "0", "--buffer", "4G", "--max-share", "1", "--format", "json");
        Assert.Equal(1, code);
        Assert.Contains("hostmem: node0 -> node0: the 4 GiB buffer is more than 1% of node 0's free memory", stderr);
        Assert.Contains("hint: ", stderr);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(0, doc.RootElement.GetProperty("measurements").GetArrayLength());
        Assert.Equal(1, doc.RootElement.GetProperty("refusals").GetArrayLength());
    }

    [Fact]
    public void A_quick_run_on_node_0_measures_plausible_figures_that_read_back()
    {
        var file = Path.Combine(Scratch.Folder("hostmem-probe-"), "figures.json");
        var (code, stdout, stderr) = HostmemCli.Run("probe", "--nodes", "0", "--initiators", "0", "--quick", "--format", "json", "--output", file);
        Assert.True(code == 0, stderr);
        Assert.Equal("", stderr); // not a terminal: no progress line
        Assert.Equal(stdout.Trim(), File.ReadAllText(file).Trim());

        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal("hostmem-probe", root.GetProperty("schema").GetString());
        Assert.Equal(1, root.GetProperty("schema_version").GetInt32());
        Assert.Equal(Environment.ProcessorCount, root.GetProperty("host").GetProperty("cpu_count").GetInt32());
        var m = Assert.Single(root.GetProperty("measurements").EnumerateArray());
        Assert.Equal((0, 0), (m.GetProperty("initiator_node").GetInt32(), m.GetProperty("target_node").GetInt32()));
        // Sanity bounds, not timings: DRAM answers a dependent load in tens to hundreds of ns (1 ns is an L1 hit, 10 us
        // a page fault); any memory moves more than 100 MB/s and less than 10 TB/s.
        Assert.InRange(m.GetProperty("read_latency_ns").GetDouble(), 1, 10_000);
        Assert.InRange(m.GetProperty("read_bandwidth_mbps").GetDouble(), 100, 10_000_000);
        Assert.InRange(m.GetProperty("write_bandwidth_mbps").GetDouble(), 100, 10_000_000);
        Assert.Equal(JsonValueKind.Null, m.GetProperty("write_latency_ns").ValueKind);
        var buffer = m.GetProperty("buffer_bytes").GetUInt64();
        Assert.True(buffer >= 256UL << 20 && buffer % (2UL << 20) == 0, $"buffer {buffer}");
        // mbind(MPOL_BIND) put every page on the target: numa_maps says so.
        Assert.Equal(buffer, m.GetProperty("bytes_on_target").GetUInt64());
        var node0Cpus = root.GetProperty("host").GetProperty("nodes")[0].GetProperty("cpus").GetArrayLength();
        Assert.InRange(m.GetProperty("threads").GetInt32(), 1, node0Cpus);
        Assert.Equal(m.GetProperty("huge_page_bytes").GetUInt64() > 0, m.GetProperty("huge_pages").GetBoolean());

        // The reader takes what the probe wrote, on this host.
        var figures = MeasuredFigures.Load(file, TopologyReader.Read("/sys"));
        Assert.True(figures.For(0, 0)!.Performance.IsUsable);

        var (tcode, tout, terr) = HostmemCli.Run("topology", "--figures", file, "--format", "json");
        Assert.True(tcode is 0 or 1, terr);
        using var topo = JsonDocument.Parse(tout);
        var pair = topo.RootElement.GetProperty("measured").GetProperty("pairs")[0];
        Assert.Equal(m.GetProperty("read_latency_ns").GetDouble(), pair.GetProperty("read_latency_ns").GetDouble());
        var (_, table, _) = HostmemCli.Run("topology", "--figures", file);
        Assert.Contains("MEASURED INITIATOR", table);
    }

    [Fact]
    public void Topology_without_figures_has_no_measured_key()
    {
        var (_, stdout, _) = HostmemCli.Run("topology", "--sysfs", Trees.Archive("two-socket-cxl"), "--format", "json");
        using var doc = JsonDocument.Parse(stdout);
        Assert.False(doc.RootElement.TryGetProperty("measured", out _));
    }

    [Fact]
    public void Topology_refuses_figures_from_another_host()
    {
        // The hand-written file belongs to two-socket-cxl (nodes 0-3); cxl-ram-kmem has nodes 0-1.
        var file = Path.Combine(Trees.RepoRoot, "tests", "Hostmem.Tests", "Probe", "data", "two-socket-cxl.probe.json");
        var (code, stdout, stderr) = HostmemCli.Run("topology", "--sysfs", Trees.Archive("cxl-ram-kmem"), "--figures", file);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains("which this host lacks", stderr);

        var (ok, table, _) = HostmemCli.Run("topology", "--sysfs", Trees.Archive("two-socket-cxl"), "--figures", file);
        Assert.True(ok is 0 or 1);
        // two-socket-cxl's firmware (tests/fixtures/INDEX.md): node0 -> node0 100 ns, 262100 MB/s; node2 (CXL, figures
        // from a generic port, no initiator link) 17350 ns, 16000 MB/s. The file says 117.4 and 269.6 ns: the picosecond
        // firmware shows as a latency ratio of 269.6 / 17350 = 0.02.
        Assert.Contains("117.4 (100)", table);
        Assert.Contains("269.6 (17350)", table);
        Assert.Contains("0.02/0.61/0.44", table);
    }
}
