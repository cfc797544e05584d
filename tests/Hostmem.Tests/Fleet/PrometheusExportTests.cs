using System.Globalization;
using Hostmem.Classification;
using Hostmem.Export;
using Hostmem.Tests.Planning;
using Hostmem.Tests.Status;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Fleet;

/// <summary>`hostmem export prometheus`: clean for promtool on every recorded tree and on this host with live QEMUs,
/// figures as the fixtures' INDEX.md and QEMU's own allocation say, and served by the real node_exporter.</summary>
public sealed class PrometheusExportTests
{
    const double MiB = 1 << 20;

    /// <summary>A 64 MiB backend bound to node 0 with prealloc (every page resident at start) and a 32 MiB default one,
    /// as the status tests use.</summary>
    static string[] Vm(string name) =>
    [
        "-name", $"guest={name},debug-threads=on", "-m", "64M",
        "-object", "memory-backend-ram,id=m,size=64M,host-nodes=0,policy=bind,prealloc=on", "-numa", "node,memdev=m",
        "-object", "memory-backend-ram,id=plain,size=32M,prealloc=on",
    ];

    /// <summary>Waits until QEMU has preallocated the bound backend: its 16384 pages of 4 KiB show in numa_maps (read
    /// here, not by hostmem), so the figures do not depend on when the export runs.</summary>
    static void WaitPreallocated(LiveQemu q)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (!q.NumaMaps().Contains("bind:0 anon=16384", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < until, "QEMU did not preallocate its 64 MiB within 60 s");
            Thread.Sleep(50);
        }
    }

    static string HostOnly(string tree)
    {
        var text = new PrometheusText();
        HostMetrics.Write(text, ClassifiedHost.Discover(tree));
        VmMetrics.Write(text, []);
        return text.ToString();
    }

    [NeedsProgramTheory("promtool")]
    [MemberData(nameof(FleetTrees.All), MemberType = typeof(FleetTrees))]
    public void Every_recorded_tree_passes_promtool(string tree)
    {
        var (code, said) = Promtool.CheckMetrics(HostOnly(FleetTrees.Unpacked(tree)));
        Assert.True(code == 0 && said.Length == 0, $"promtool exit {code}: {said}");
    }

    [Fact]
    public void Two_socket_cxl_figures_are_the_ones_its_index_records()
    {
        // tests/fixtures/INDEX.md, two-socket-cxl: node0 992504 kB DRAM in memory_tier4, 100 ns and 262100 MB/s; node2
        // 262144 kB CXL RAM in memory_tier73, 17350/17450 ns, 16000 MB/s. MB/s as 2^20 bytes/s (QEMU's hmat-lb M).
        var samples = Sample.Parse(HostOnly(Trees.Project("two-socket-cxl")));
        double Value(string name, params (string, string)[] labels) => Assert.Single(samples, s => s.Name == name && s.Has(labels)).Value;
        Assert.Equal(992504 * 1024.0, Value("hostmem_node_memory_capacity_bytes", ("node", "0"), ("type", "dram"), ("tier", "4")));
        Assert.Equal(262144 * 1024.0, Value("hostmem_node_memory_capacity_bytes", ("node", "2"), ("type", "cxl-ram"), ("tier", "73")));
        Assert.Equal(100e-9, Value("hostmem_node_latency_seconds", ("node", "0"), ("access", "read"), ("source", "hmat")), 15);
        Assert.Equal(17350e-9, Value("hostmem_node_latency_seconds", ("node", "2"), ("access", "read")), 15);
        Assert.Equal(17450e-9, Value("hostmem_node_latency_seconds", ("node", "2"), ("access", "write")), 15);
        Assert.Equal(262100 * MiB, Value("hostmem_node_bandwidth_bytes_per_second", ("node", "0"), ("access", "read")));
        Assert.Equal(16000 * MiB, Value("hostmem_node_bandwidth_bytes_per_second", ("node", "2"), ("access", "write")));
        Assert.Equal(0, Value("hostmem_vm_unreadable"));
    }

    [Fact]
    public void Measured_figures_come_beside_the_firmwares()
    {
        var text = new PrometheusText();
        HostMetrics.Write(text, ClassifiedHost.Discover(Trees.Project("cxl-ram-kmem")), [new MeasuredNodeFigures(1, 250, null, 20_000_000_000, null)]);
        var samples = Sample.Parse(text.ToString());
        Assert.Equal(250e-9, Assert.Single(samples, s => s.Name == "hostmem_node_latency_seconds").Value, 15);
        var bw = Assert.Single(samples, s => s.Name == "hostmem_node_bandwidth_bytes_per_second");
        Assert.True(bw.Has(("node", "1"), ("type", "cxl-ram"), ("access", "read"), ("source", "probe")));
        Assert.Equal(20e9, bw.Value);
    }

    [NeedsProgramFact("promtool")]
    public void Live_host_with_live_qemus_passes_promtool_and_shows_each_backends_bytes_per_node()
    {
        Assert.True(Programs.Exists("qemu-system-x86_64"), "qemu-system-x86_64 is not installed (lab/install-deps installs it)");
        using var a = new LiveQemu(QemuBinaries.Qemu10, Vm("fleet-a"));
        using var b = new LiveQemu(QemuBinaries.Qemu10, Vm("fleet \"b\""), LiveQemu.Monitor.HumanOnly); // no QMP: its command line
        WaitPreallocated(a);
        // QEMU greets on QMP only once preallocation is done: a generous --timeout makes the export wait for it.
        var (code, stdout, stderr) = HostmemCli.Run("export", "prometheus", "--timeout", "30");
        Assert.True(code == 0, stderr);
        var (lint, said) = Promtool.CheckMetrics(stdout);
        Assert.True(lint == 0 && said.Length == 0, $"promtool exit {lint}: {said}");
        var samples = Sample.Parse(stdout);
        foreach (var (q, name) in new[] { (a, "fleet-a"), (b, "fleet \"b\"") })
        {
            var pid = q.Pid.ToString(CultureInfo.InvariantCulture);
            double Value(string metric, string backend, params (string, string)[] more) =>
                Assert.Single(samples, s => s.Name == metric && s.Has([("vm", name), ("pid", pid), ("backend", backend), .. more])).Value;
            // prealloc=on: QEMU touches every page before it starts, and policy=bind host-nodes=0 keeps them on node 0.
            Assert.Equal(64 * MiB, Value("hostmem_vm_backend_resident_bytes", "m", ("node", "0")));
            Assert.Equal(0, Value("hostmem_vm_backend_outside_bytes", "m"));
            Assert.Equal(64 * MiB, Value("hostmem_vm_backend_size_bytes", "m"));
            Assert.Equal(32 * MiB, Value("hostmem_vm_backend_resident_bytes", "plain", ("node", "0")));
        }
    }

    [NeedsProgramFact("prometheus-node-exporter")]
    public async Task Node_exporter_serves_the_textfile_without_a_scrape_error()
    {
        Assert.True(Programs.Exists("qemu-system-x86_64"), "qemu-system-x86_64 is not installed (lab/install-deps installs it)");
        using var vm = new LiveQemu(QemuBinaries.Qemu10, Vm("fleet-scraped"));
        WaitPreallocated(vm);
        var dir = Scratch.Folder("hostmem-textfile-");
        var (code, _, stderr) = HostmemCli.Run("export", "prometheus", "--timeout", "30", "--output", Path.Combine(dir, "hostmem.prom"));
        Assert.True(code == 0, stderr);
        Assert.Equal([Path.Combine(dir, "hostmem.prom")], Directory.GetFiles(dir));
        using var exporter = NodeExporter.Start(dir);
        var scraped = await exporter.Scrape();
        Assert.Contains("\nnode_textfile_scrape_error 0\n", scraped, StringComparison.Ordinal);
        var samples = Sample.Parse(string.Join('\n', scraped.Split('\n').Where(l => l.StartsWith("hostmem_", StringComparison.Ordinal))));
        Assert.Contains(samples, s => s.Name == "hostmem_node_memory_capacity_bytes" && s.Has(("node", "0"), ("type", "dram")));
        Assert.Equal(64 * MiB, Assert.Single(samples, s => s.Name == "hostmem_vm_backend_resident_bytes"
            && s.Has(("vm", "fleet-scraped"), ("pid", vm.Pid.ToString(CultureInfo.InvariantCulture)), ("backend", "m"), ("node", "0"))).Value);
    }

    [Fact]
    public void Bad_input_is_one_line_and_a_hint()
    {
        var (code, stdout, stderr) = HostmemCli.Run("export", "prometheus", "--sysfs", Trees.Project("hmat-equal"), "--proc", "/nonexistent-proc");
        Assert.Equal((2, ""), (code, stdout));
        Assert.Equal(["hostmem: --proc /nonexistent-proc: no such folder", "hint: give a procfs, e.g. --proc /proc (the default)"], stderr.TrimEnd('\n').Split('\n'));
    }
}
