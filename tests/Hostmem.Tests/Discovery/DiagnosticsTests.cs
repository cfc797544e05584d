using Hostmem.Classification;
using Hostmem.Discovery;
using Hostmem.Tests.Support;
using Hostmem.Topology;
using Xunit;

namespace Hostmem.Tests.Discovery;

/// <summary>
/// Findings on real recorded trees edited the way real hosts go wrong (a file rewritten, a link moved).
/// Lab fixtures cover the states a guest can really reach (tests/fixtures, see FixtureTreeTests).
/// </summary>
public class DiagnosticsTests
{
    private static string CxlTree() => Trees.CopyOf(Trees.Sample("guestB-cxl"));
    private static string HmatTree() => Trees.CopyOf(Trees.Sample("guestA-slow"));
    private const string Region0 = "sys/devices/platform/ACPI0017:00/root0/decoder0.0/region0";
    private const string Node1Access1 = "sys/devices/system/node/node1/access1/initiators";
    private const string Node0Access1 = "sys/devices/system/node/node0/access1/initiators";

    private static ClassifiedHost Read(string tree) => ClassifiedHost.From(TopologyReader.Read(tree));

    [SharedFixtureFact("samples")]
    public void Uncommitted_region_is_reported_with_how_to_finish_it()
    {
        var tree = CxlTree();
        File.WriteAllText(Path.Combine(tree, Region0, "commit"), "0\n");
        var d = Assert.Single(Read(tree).Diagnostics, d => d.Code == "cxl-region-uncommitted");
        Assert.Equal("region0", d.Subject);
        Assert.Contains("commit", d.Hint);
    }

    [SharedFixtureFact("samples")]
    public void Memdev_whose_endpoint_decoder_has_no_region_is_reported()
    {
        var tree = CxlTree();
        File.WriteAllText(Path.Combine(tree, "sys/devices/platform/ACPI0017:00/root0/port1/endpoint2/decoder2.0/region"), "\n");
        var d = Assert.Single(Read(tree).Diagnostics, d => d.Code == "cxl-memdev-no-region");
        Assert.Equal("mem0", d.Subject);
        Assert.Contains("256 MiB volatile", d.Message);
        Assert.Contains("create_ram_region", d.Hint);
    }

    [SharedFixtureFact("samples")]
    public void Ram_region_left_as_devdax_is_explained()
    {
        var tree = CxlTree();
        var driver = Path.Combine(tree, Region0, "dax_region0/dax0.0/driver");
        File.Delete(driver);
        File.CreateSymbolicLink(driver, "../../../../../../../../bus/dax/drivers/device_dax");
        var host = Read(tree);
        var d = Assert.Single(host.Diagnostics, d => d.Code == "dax-devdax");
        Assert.Contains("/dev/dax0.0", d.Message);
        Assert.Contains("daxctl reconfigure-device --mode=system-ram dax0.0", d.Hint);
        Assert.Equal(DaxMode.Devdax, Assert.Single(host.Host.Dax).Mode);
    }

    [SharedFixtureFact("samples")]
    public void Dram_node_without_bandwidth_disables_tiering()
    {
        var tree = HmatTree();
        File.Delete(Path.Combine(tree, Node0Access1, "read_bandwidth"));
        File.Delete(Path.Combine(tree, Node0Access1, "write_bandwidth"));
        File.Delete(Path.Combine(tree, "sys/devices/system/node/node0/access0/initiators/read_bandwidth"));
        File.Delete(Path.Combine(tree, "sys/devices/system/node/node0/access0/initiators/write_bandwidth"));
        var d = Assert.Single(Read(tree).Diagnostics, d => d.Code == "hmat-dram-incomplete");
        Assert.Equal("node0", d.Subject);
        Assert.Contains("bandwidth", d.Message);
    }

    [SharedFixtureFact("samples")]
    public void Zero_latency_is_reported()
    {
        var tree = HmatTree();
        File.WriteAllText(Path.Combine(tree, Node1Access1, "read_latency"), "0\n");
        Assert.Single(Read(tree).Diagnostics, d => d.Code == "hmat-zero" && d.Subject == "node1");
    }

    [SharedFixtureFact("samples")]
    public void Microsecond_latency_is_flagged_as_a_unit_error()
    {
        var tree = HmatTree();
        File.WriteAllText(Path.Combine(tree, Node1Access1, "read_latency"), "17300\n");
        File.WriteAllText(Path.Combine(tree, Node1Access1, "write_latency"), "17400\n");
        var d = Assert.Single(Read(tree).Diagnostics, d => d.Code == "hmat-implausible-latency");
        Assert.Contains("17400 ns", d.Message);
    }

    [SharedFixtureFact("samples")]
    public void Node_without_figures_beside_nodes_with_figures_is_reported()
    {
        var tree = HmatTree();
        Directory.Delete(Path.Combine(tree, "sys/devices/system/node/node1/access0"), true);
        Directory.Delete(Path.Combine(tree, "sys/devices/system/node/node1/access1"), true);
        Assert.Single(Read(tree).Diagnostics, d => d.Code == "node-missing-hmat" && d.Subject == "node1");
    }

    [SharedFixtureFact("samples")]
    public void Memory_inside_a_cxl_window_without_a_device_is_cxl_onlined_by_firmware()
    {
        // What a server whose firmware onlined CXL memory shows: the node's blocks inside a CXL window,
        // no region, no dax device. Made from the CXL guest by removing the dax device and region.
        var tree = CxlTree();
        File.WriteAllText(Path.Combine(tree, "sys/devices/system/memory/block_size_bytes"), "8000000\n");
        File.Delete(Path.Combine(tree, "sys/bus/dax/devices/dax0.0"));
        File.Delete(Path.Combine(tree, "sys/bus/cxl/devices/region0"));
        var host = Read(tree);
        var c = host.ClassOf(1);
        Assert.Equal(HostMemType.CxlRam, c.Type);
        Assert.Equal(CxlWindowCheck.Inside, c.CxlWindow);
        Assert.Contains(c.Evidence, e => e.Contains("0x110000000-0x11fffffff") && e.Contains("firmware"));
        Assert.Equal(CxlWindowCheck.Outside, host.ClassOf(0).CxlWindow);
    }

    [SharedFixtureFact("samples")]
    public void Cxl_window_from_proc_iomem_counts_when_addresses_are_shown()
    {
        var tree = HmatTree();
        File.WriteAllText(Path.Combine(tree, "sys/devices/system/memory/block_size_bytes"), "8000000\n");
        File.WriteAllText(Path.Combine(tree, "proc/iomem"),
            "00000000-00000fff : Reserved\n100000000-1ffffffff : CXL Window 0\n  100000000-13fffffff : System RAM\n");
        // node1's blocks: rewrite them to lie inside the window.
        var node1 = Path.Combine(tree, "sys/devices/system/node/node1");
        foreach (var link in Directory.GetFileSystemEntries(node1, "memory*").Where(p => char.IsAsciiDigit(Path.GetFileName(p)[^1])))
            File.Delete(link);
        File.CreateSymbolicLink(Path.Combine(node1, "memory32"), "../../memory/memory32");
        var host = Read(tree);
        Assert.Equal(HostMemType.CxlRam, host.ClassOf(1).Type);
        Assert.Contains(host.ClassOf(1).Evidence, e => e.Contains("/proc/iomem CXL Window"));
    }

    [Fact]
    public void Iomem_read_without_root_shows_zeros_and_proves_nothing()
    {
        var (ranges, shown) = CxlWindowReader.ParseIomem("00000000-00000000 : Reserved\n00000000-00000000 : CXL Window 0\n");
        Assert.False(shown);
        Assert.Empty(ranges);
    }

    [Fact]
    public void Cedt_cfmws_entries_give_windows()
    {
        var table = new byte[36 + 40];
        "CEDT"u8.CopyTo(table);
        BitConverter.GetBytes((uint)table.Length).CopyTo(table, 4);
        table[36] = 1; // CFMWS
        BitConverter.GetBytes((ushort)40).CopyTo(table, 38);
        BitConverter.GetBytes(0x4_0000_0000UL).CopyTo(table, 36 + 8);
        BitConverter.GetBytes(0x1_0000_0000UL).CopyTo(table, 36 + 16);
        var w = Assert.Single(CxlWindowReader.ParseCedt(table));
        Assert.Equal(new AddressRange(0x4_0000_0000, 0x4_ffff_ffff), w);
    }
}
