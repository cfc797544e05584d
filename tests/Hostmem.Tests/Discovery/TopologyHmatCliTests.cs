using System.Text.Json;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Discovery;

/// <summary>`hostmem topology` shows the ACPI HMAT's every initiator × target, or says why it cannot.</summary>
public class TopologyHmatCliTests
{
    [Fact]
    public void Json_has_the_cross_socket_figures()
    {
        var (code, stdout, stderr) = HostmemCli.Run("topology", "--sysfs", Trees.Project("two-socket-cxl"), "--format", "json");
        Assert.Equal((0, ""), (code, stderr)); // a report, though the tree's CXL nodes show 17450 ns (hmat-implausible-latency)
        using var doc = JsonDocument.Parse(stdout);
        var hmat = doc.RootElement.GetProperty("hmat");
        Assert.Equal(("readable", 2, true), (hmat.GetProperty("table").GetString(), hmat.GetProperty("revision").GetInt32(), hmat.GetProperty("nodes_proven").GetBoolean()));
        var cells = hmat.GetProperty("matrix").EnumerateArray().Select(c => (
            c.GetProperty("initiator_node").GetInt32(), c.GetProperty("target_pxm").GetUInt32(), c.GetProperty("target_kind").GetString(),
            c.GetProperty("read_latency_ns").GetUInt64(), c.GetProperty("read_bandwidth_mbps").GetUInt64())).ToList();
        Assert.Contains((1, 0u, "memory", 150UL, 131000UL), cells);
        Assert.Contains((1, 2u, "generic-port", 300UL, 16000UL), cells);
        Assert.Equal(8, cells.Count);
        var port = hmat.GetProperty("domains").EnumerateArray().Single(d => d.GetProperty("pxm").GetUInt32() == 3);
        Assert.Equal(("ACPI0016:222", JsonValueKind.Null), (port.GetProperty("port_handle").GetString(), port.GetProperty("node").ValueKind));
    }

    [Fact]
    public void Table_lists_every_initiator()
    {
        var (code, stdout, _) = HostmemCli.Run("topology", "--sysfs", Trees.Project("two-socket-cxl"));
        Assert.Equal(0, code);
        var lines = stdout.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("HMAT INITIATOR", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["node1", "node0", "150/150", "131000/131000"]);
        Assert.Contains(lines, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["node0", "port", "ACPI0016:222", "(pxm3)", "300/300", "16000/16000"]);
    }

    [Fact]
    public void Without_root_it_says_so_and_keeps_the_rest()
    {
        var tree = Trees.CopyOf(Trees.Project("hmat-two-tier"));
        var hmat = Path.Combine(tree, "sys/firmware/acpi/tables/HMAT");
        File.Delete(hmat);
        Directory.CreateDirectory(hmat); // fails the read as a root-only file does for a user (and for root too)
        var (code, stdout, _) = HostmemCli.Run("topology", "--sysfs", tree);
        Assert.Equal(0, code);
        Assert.Contains("HMAT: /sys/firmware/acpi/tables/HMAT is root-only; run as root", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("HMAT INITIATOR", stdout, StringComparison.Ordinal);
        Assert.Contains("270/270", stdout, StringComparison.Ordinal); // node1's sysfs figures still shown
        var (_, json, _) = HostmemCli.Run("topology", "--sysfs", tree, "--json");
        using var doc = JsonDocument.Parse(json);
        Assert.Equal("not-readable", doc.RootElement.GetProperty("hmat").GetProperty("table").GetString());
        Assert.Equal(0, doc.RootElement.GetProperty("hmat").GetProperty("matrix").GetArrayLength());
    }

    [Fact]
    public void A_host_without_hmat_shows_no_matrix()
    {
        var (_, stdout, _) = HostmemCli.Run("topology", "--sysfs", Trees.Project("cxl-ram-kmem"));
        Assert.DoesNotContain("HMAT INITIATOR", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("root-only", stdout, StringComparison.Ordinal);
        Assert.Contains("[no-hmat]", stdout, StringComparison.Ordinal); // the existing finding still explains the absence
    }
}
