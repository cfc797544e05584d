using System.Diagnostics;
using System.Text.Json;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Planning;

/// <summary>`hostmem qemu --dry-run` as users run it (the built apphost), on recorded trees.</summary>
public class QemuCliTests
{
    static (int Code, string Out, string Err) Hostmem(params string[] args) => HostmemCli.Run(args);

    static string Fixture(string name) => Trees.Archive(name);

    [Fact]
    public void Dry_run_prints_the_shell_quoted_line_and_the_plan_on_stderr()
    {
        var (code, stdout, stderr) = Hostmem("qemu", "--dry-run", "--guest-numa", "off", "--sysfs", Fixture("cxl-ram-kmem"), "--",
            "qemu-system-x86_64", "-append", "console=ttyS0 quiet", "-object", "memory-backend-ram,id=vmem0,size=128M,host-mem-type=cxlram");
        Assert.Equal(0, code);
        Assert.Equal("qemu-system-x86_64 -append 'console=ttyS0 quiet' -object memory-backend-ram,id=vmem0,size=128M,host-nodes=1,policy=bind\n", stdout);
        Assert.Matches(@"(?m)^vmem0\s+cxl-ram\s+128 MiB\s+1\s+bind\s+nearest", stderr);
        Assert.Contains("node1 is nearest", stderr);
    }

    [Fact]
    public void Json_format_prints_an_argv_array()
    {
        var (code, stdout, _) = Hostmem("qemu", "--dry-run", "--guest-numa", "off", "--format", "json", "--cpus", "1", "--sysfs", Fixture("two-socket-cxl"), "--",
            "qemu-system-x86_64", "-object", "memory-backend-ram,id=m,size=64M,host-mem-type=dram");
        Assert.Equal(0, code);
        Assert.Equal(["qemu-system-x86_64", "-object", "memory-backend-ram,id=m,size=64M,host-nodes=1,policy=bind"], JsonSerializer.Deserialize<string[]>(stdout)!);
    }

    [Fact]
    public void Qemu_words_that_look_like_hostmem_options_stay_qemus()
    {
        var (code, stdout, _) = Hostmem("qemu", "--dry-run", "--sysfs", Fixture("cxl-ram-kmem"), "--", "q", "--dry-run", "@file", "--", "--help");
        Assert.Equal(0, code);
        Assert.Equal("q --dry-run @file -- --help\n", stdout);
    }

    [Fact]
    public void Dry_run_with_guest_numa_auto_shows_each_guest_node_and_its_predicted_tier()
    {
        var (code, stdout, stderr) = Hostmem("qemu", "--dry-run", "--cpus", "0", "--sysfs", Fixture("cxl-ram-genport"), "--",
            "qemu-system-x86_64", "-M", "q35", "-m", "256M", "-object", "memory-backend-ram,id=vmem0,size=64M,host-mem-type=cxl-ram");
        Assert.Equal(0, code);
        Assert.Contains(" -numa node,nodeid=1,memdev=vmem0,initiator=0 ", stdout);
        Assert.Contains("hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=access-bandwidth,bandwidth=16000M", stdout);
        Assert.Matches(@"(?m)^1\s+vmem0\s+cxl-ram\s+1\s+17350/17450 ns\s+16000/16000 MB/s\s+access1\s+memory_tier12826", stderr);
        Assert.Matches(@"(?m)^0 \(CPUs\)\s+hostmem-ram0\s+dram\s+0\s+100/100 ns\s+262100/262100 MB/s\s+access1\s+memory_tier4", stderr);
    }

    [Fact]
    public void Plan_prints_guest_nodes_as_json_with_stable_snake_case_fields()
    {
        var (code, stdout, stderr) = Hostmem("plan", "--cpus", "0", "--sysfs", Fixture("hmat-two-tier"), "--",
            "qemu-system-x86_64", "-M", "q35", "-m", "512M", "-object", "memory-backend-ram,id=slow,size=128M,host-mem-type=dram,host-mem-nodes=all");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var nodes = doc.RootElement.GetProperty("guest_nodes").EnumerateArray().ToList();
        Assert.Equal(2, nodes.Count);
        var slow = nodes[1];
        Assert.Equal(1, slow.GetProperty("guest_node").GetInt32());
        Assert.Equal("slow", slow.GetProperty("backend").GetString());
        Assert.Equal([0, 1], slow.GetProperty("host_nodes").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal("dram", slow.GetProperty("type").GetString());
        Assert.Equal(270, slow.GetProperty("read_latency_ns").GetInt32());
        Assert.Equal(270, slow.GetProperty("write_latency_ns").GetInt32());
        Assert.Equal(30000, slow.GetProperty("read_bandwidth_mbps").GetInt32());
        Assert.Equal(30000, slow.GetProperty("write_bandwidth_mbps").GetInt32());
        Assert.Equal("access1", slow.GetProperty("figures_from").GetString());
        Assert.Equal(106, slow.GetProperty("predicted_tier").GetInt32()); // the tier the recorded guest kernel chose for these figures
        Assert.Equal(4, nodes[0].GetProperty("predicted_tier").GetInt32());
        Assert.Contains("640M", doc.RootElement.GetProperty("argv").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void Plan_takes_figures_from_the_command_line_where_the_host_has_none()
    {
        var (code, stdout, stderr) = Hostmem("plan", "--cpus", "0", "--sysfs", Fixture("cxl-ram-kmem"),
            "--latency", "dram=100", "--bandwidth", "dram=262100", "--latency", "cxl-ram=270", "--bandwidth", "cxl-ram=30000", "--",
            "qemu-system-x86_64", "-m", "256M", "-object", "memory-backend-ram,id=vmem0,size=64M,host-mem-type=cxl-ram");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var nodes = doc.RootElement.GetProperty("guest_nodes").EnumerateArray().ToList();
        Assert.Equal(["command-line", "command-line"], nodes.Select(n => n.GetProperty("figures_from").GetString()));
        Assert.Equal([4, 106], nodes.Select(n => n.GetProperty("predicted_tier").GetInt32()));
    }

    [Fact]
    public void Plan_without_host_figures_says_so_and_predicts_one_tier()
    {
        var (code, stdout, _) = Hostmem("plan", "--cpus", "0", "--sysfs", Fixture("cxl-ram-kmem"), "--",
            "qemu-system-x86_64", "-m", "256M", "-object", "memory-backend-ram,id=vmem0,size=64M,host-mem-type=cxl-ram");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        var nodes = doc.RootElement.GetProperty("guest_nodes").EnumerateArray().ToList();
        Assert.All(nodes, n => Assert.Equal(JsonValueKind.Null, n.GetProperty("read_latency_ns").ValueKind));
        Assert.All(nodes, n => Assert.Equal("none", n.GetProperty("figures_from").GetString()));
        Assert.All(nodes, n => Assert.Equal(4, n.GetProperty("predicted_tier").GetInt32()));
        Assert.Contains(doc.RootElement.GetProperty("notes").EnumerateArray(), n => n.GetProperty("code").GetString() == "no-reference-figures");
        Assert.DoesNotContain(doc.RootElement.GetProperty("argv").EnumerateArray(), a => a.GetString()!.StartsWith("hmat-lb", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("no '--' before the QEMU command line", "qemu", "--dry-run", "q", "-m", "1G")]
    [InlineData("words between 'hostmem qemu' and '--'", "qemu", "--dry-run", "q", "--", "-m", "1G")]
    [InlineData("--cpus x: not a CPU list", "qemu", "--dry-run", "--cpus", "x", "--", "q")]
    [InlineData("-object: requires an argument", "qemu", "--dry-run", "--", "q", "-object")]
    [InlineData("--latency cxl-ram: not TYPE=NS", "qemu", "--dry-run", "--latency", "cxl-ram", "--", "q")]
    [InlineData("--bandwidth cxl-ram=0: MBPS must be a whole number", "plan", "--guest-numa=auto", "--bandwidth", "cxl-ram=0", "--", "q")]
    [InlineData("--latency warp=1: not TYPE=NS", "plan", "--guest-numa=auto", "--latency", "warp=1", "--", "q")]
    [InlineData("no '--' before the QEMU command line", "plan", "--cpus", "0", "q")]
    public void Bad_command_lines_exit_2_with_one_line_and_a_hint(string problem, params string[] args)
    {
        Refusal.Assert(Hostmem([.. args[..2], "--sysfs", Fixture("cxl-ram-kmem"), .. args[2..]]), problem);
    }
}
