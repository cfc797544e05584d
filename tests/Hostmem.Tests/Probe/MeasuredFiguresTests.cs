using System.Text.Json.Nodes;
using Hostmem.Discovery;
using Hostmem.Planning;
using Hostmem.Probe;
using Hostmem.Tests.Support;
using Hostmem.Topology;
using Xunit;

namespace Hostmem.Tests.Probe;

/// <summary>The figures file's one reader: typed figures per pair, and one line with a hint for every bad file.</summary>
public class MeasuredFiguresTests
{
    static readonly Lazy<HostTopology> TwoSocket = new(() => TopologyReader.Read(Trees.Project("two-socket-cxl")));
    static readonly Lazy<HostTopology> CxlRamKmem = new(() => TopologyReader.Read(Trees.Project("cxl-ram-kmem")));
    static string DataFile => Path.Combine(Trees.RepoRoot, "tests", "Hostmem.Tests", "Probe", "data", "two-socket-cxl.probe.json");
    static string Good => File.ReadAllText(DataFile);

    static MeasuredFigures Parse(string text, HostTopology? host = null) => MeasuredFigures.Parse(text, "f.json", host ?? TwoSocket.Value);

    static UserError Refused(string text, HostTopology? host = null) => Assert.Throws<UserError>(() => Parse(text, host));

    static string Edit(Action<JsonNode> change)
    {
        var root = JsonNode.Parse(Good)!;
        change(root);
        return root.ToJsonString();
    }

    [Fact]
    public void Each_pair_becomes_the_kernels_u32_figures_with_write_latency_from_read()
    {
        var f = MeasuredFigures.Load(DataFile, TwoSocket.Value);
        Assert.Equal(4, f.Pairs.Count);
        // The hand-written file says 0 -> 2: 269.6 ns, 9800.5 and 7000 MB/s; the kernel holds whole u32s (rounded to nearest,
        // halves away from zero), and write latency is the read one because the probe does not measure it.
        Assert.Equal(new MemoryPerformance(270, 270, 9801, 7000), f.For(0, 2)!.Performance);
        Assert.Equal(new MemoryPerformance(117, 117, 20000, 15000), f.For(0, 0)!.Performance);
        Assert.Equal(new MemoryPerformance(270, 270, 9700, 6900), f.For(1, 3)!.Performance);
        Assert.True(f.For(0, 2)!.WriteLatencyFromRead);
        Assert.Equal(269.6, f.For(0, 2)!.ReadLatencyNs);
        Assert.Null(f.For(0, 3)); // refused when measured: no figures
        Assert.Null(f.For(2, 0));
        Assert.Equal("two-socket-cxl", f.MeasuredOn.Hostname);
        Assert.False(f.SameMachine);
    }

    [Fact]
    public void A_measured_probe_file_reads_into_the_report_and_writes_back_byte_for_byte()
    {
        // nested-cxl-ram-genport.probe.json is hostmem probe's own stdout (firmware figures and ratios beside each pair):
        // the record the reader fills is the record the probe writes, so nothing is lost or reordered either way.
        string path = Path.Combine(Trees.RepoRoot, "tests", "Hostmem.Tests", "Probe", "data", "nested-cxl-ram-genport.probe.json");
        string text = File.ReadAllText(path).TrimEnd('\n');
        var report = System.Text.Json.JsonSerializer.Deserialize(text, Hostmem.Export.ProbeJson.Default.ProbeReport)!;
        Assert.Equal(17350UL, report.Measurements.Single(m => m.TargetNode == 1).HmatReadLatencyNs);
        Assert.Equal(text, System.Text.Json.JsonSerializer.Serialize(report, Hostmem.Export.ProbeJson.Default.ProbeReport));
    }

    [Fact]
    public void Same_machine_is_told_by_the_machine_id()
    {
        var text = Edit(r => r["host"]!["machine_id"] = "abc");
        Assert.True(MeasuredFigures.Parse(text, "f.json", TwoSocket.Value, machineId: "abc").SameMachine);
        Assert.False(MeasuredFigures.Parse(text, "f.json", TwoSocket.Value, machineId: "def").SameMachine);
    }

    [Fact]
    public void Unknown_keys_are_ignored_for_forward_compatibility()
    {
        var f = Parse(Edit(r => { r["future"] = 1; r["measurements"]![0]!["new_figure"] = "x"; }));
        Assert.NotNull(f.For(0, 0));
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("  \n ", "is empty")]
    [InlineData("garbage", "is not JSON")]
    [InlineData("{\"schema\": \"hostmem-probe\", ", "is not JSON")]
    [InlineData("[1, 2]", "is not a hostmem probe file")]
    [InlineData("null", "is not a hostmem probe file")]
    [InlineData("{\"nodes\": []}", "is not a hostmem probe file")]
    [InlineData("{\"schema\": \"hostmem-topology\", \"schema_version\": 1}", "is not a hostmem probe file")]
    [InlineData("{\"schema\": \"hostmem-probe\"}", "has no schema_version")]
    [InlineData("{\"schema\": \"hostmem-probe\", \"schema_version\": \"1\"}", "has no schema_version")]
    [InlineData("{\"schema\": \"hostmem-probe\", \"schema_version\": 1}", "is not a valid probe file")]
    public void Garbage_is_refused_in_one_line(string text, string expected)
    {
        var e = Refused(text);
        Assert.Contains(expected, e.Problem);
        Assert.StartsWith("--figures f.json", e.Problem);
        Assert.DoesNotContain('\n', e.Problem);
        Assert.False(string.IsNullOrWhiteSpace(e.Hint));
    }

    [Fact]
    public void A_newer_schema_names_both_versions_and_says_to_use_the_writer()
    {
        var e = Refused(Edit(r => r["schema_version"] = 2));
        Assert.Contains("schema_version 2; this hostmem reads 1", e.Problem);
        Assert.Contains("use the hostmem that wrote it", e.Hint);
    }

    [Theory]
    [InlineData("measurements", "is not a valid probe file")]
    [InlineData("host", "is not a valid probe file")]
    public void A_missing_section_is_refused(string key, string expected)
    {
        Assert.Contains(expected, Refused(Edit(r => r.AsObject().Remove(key))).Problem);
    }

    [Fact]
    public void A_null_or_mistyped_figure_is_refused()
    {
        Assert.Contains("is not a valid probe file", Refused(Edit(r => r["measurements"]![0]!["read_latency_ns"] = null)).Problem);
        Assert.Contains("is not a valid probe file", Refused(Edit(r => r["measurements"]![0]!["read_latency_ns"] = "117")).Problem);
        Assert.Contains("is not a valid probe file", Refused(Edit(r => r["measurements"]![0]!.AsObject().Remove("write_bandwidth_mbps"))).Problem);
    }

    [Theory]
    [InlineData("read_latency_ns", 0.0)]
    [InlineData("read_latency_ns", -5.0)]
    [InlineData("read_bandwidth_mbps", 0.2)]
    [InlineData("write_bandwidth_mbps", 5e12)]
    public void A_figure_the_kernel_cannot_hold_is_refused(string key, double value)
    {
        var e = Refused(Edit(r => r["measurements"]![1]![key] = value));
        Assert.Contains($"node0 -> node2: {key}", e.Problem);
    }

    [Fact]
    public void A_file_from_a_host_with_another_cpu_count_is_refused()
    {
        var e = Refused(Edit(r => r["host"]!["cpu_count"] = 64));
        Assert.Contains("was measured on a host with 64 CPUs; this one has 2", e.Problem);
        Assert.Contains("measure this host", e.Hint);
    }

    [Fact]
    public void A_file_from_a_host_with_other_nodes_is_refused()
    {
        // cxl-ram-kmem: node0 with CPUs 0-1 and node1 (CXL), so the same CPU count but no nodes 2 and 3.
        Assert.Equal(2, HostIdentity.CpuCountOf(CxlRamKmem.Value));
        var e = Refused(Good, CxlRamKmem.Value);
        Assert.Contains("was measured on a host with node 2, which this host lacks", e.Problem);
    }

    [Fact]
    public void A_pair_on_a_node_this_host_lacks_is_refused()
    {
        var e = Refused(Edit(r => r["measurements"]![1]!["target_node"] = 7));
        Assert.Contains("measures node0 -> node7, but this host has no node 7", e.Problem);
    }

    [Fact]
    public void An_initiator_without_cpus_here_is_refused()
    {
        var e = Refused(Edit(r => r["measurements"]![1]!["initiator_node"] = 2));
        Assert.Contains("node 2 has no CPUs on this host", e.Problem);
    }

    [Fact]
    public void A_pair_measured_twice_is_refused()
    {
        var e = Refused(Edit(r => r["measurements"]![1]!["target_node"] = 0));
        Assert.Contains("measures node0 -> node0 twice", e.Problem);
    }

    [Fact]
    public void A_file_without_measurements_is_refused()
    {
        var e = Refused(Edit(r => r["measurements"] = new JsonArray()));
        Assert.Contains("has no measurements", e.Problem);
    }

    [Fact]
    public void A_missing_file_or_a_directory_is_refused()
    {
        var dir = Scratch.Folder("hostmem-figures-");
        Assert.Contains("no such file", Assert.Throws<UserError>(() => MeasuredFigures.Load(Path.Combine(dir, "none.json"), TwoSocket.Value)).Problem);
        Assert.Contains("is a directory", Assert.Throws<UserError>(() => MeasuredFigures.Load(dir, TwoSocket.Value)).Problem);
    }
}

/// <summary>A file measured in the lab's nested CXL host reads back against the tree recorded from the same scenario.</summary>
public class MeasuredInNestedHostTests
{
    [Fact]
    public void The_nested_cxl_hosts_figures_fit_its_recorded_tree()
    {
        var file = Path.Combine(Trees.RepoRoot, "tests", "Hostmem.Tests", "Probe", "data", "nested-cxl-ram-genport.probe.json");
        var f = MeasuredFigures.Load(file, TopologyReader.Read(Trees.Project("cxl-ram-genport")));
        // The file's own figures (see data/README.md): node0 -> node1 (emulated CXL) 2518.1 ns, 17 and 27 MB/s under TCG.
        Assert.Equal(new MemoryPerformance(2518, 2518, 17, 27), f.For(0, 1)!.Performance);
        Assert.True(f.For(0, 0)!.Performance.ReadLatencyNs < f.For(0, 1)!.Performance.ReadLatencyNs);
        Assert.Null(f.For(1, 0)); // node1 has no CPUs: never an initiator
    }
}
