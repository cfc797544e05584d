using Hostmem.Classification;
using Hostmem.Discovery;
using Hostmem.Tests.Support;
using Hostmem.Topology;
using Xunit;

namespace Hostmem.Tests.Discovery;

/// <summary>Discovery on the lab's own recordings (tests/fixtures, see INDEX.md for how each was made).</summary>
public class FixtureTreeTests
{
    private static ClassifiedHost Read(string fixture) => ClassifiedHost.From(TopologyReader.Read(Trees.Project(fixture)));

    private static void AssertNode(ClassifiedHost host, int id, HostMemType type, int tier, bool cpus)
    {
        var node = host.Host.Node(id);
        Assert.NotNull(node);
        Assert.Equal((id, type, tier, cpus), (id, host.ClassOf(id).Type, node.Tier!.Value, node.HasCpus));
    }

    [Fact]
    public void Every_fixture_reads_without_unreadable_findings()
    {
        var names = Trees.ProjectFixtureNames().ToList();
        Assert.True(names.Count >= 8, $"expected the lab's eight fixtures, found {names.Count}");
        foreach (var name in names)
        {
            var host = Read(name);
            Assert.NotEmpty(host.Host.Nodes);
            Assert.DoesNotContain(host.Diagnostics, d => d.Code == "unreadable");
            // Every recording was made as root with /proc/iomem: the CXL window check is never "unknown".
            Assert.DoesNotContain(host.Classes, c => c.CxlWindow == CxlWindowCheck.Unknown);
        }
    }

    [Fact]
    public void Hmat_two_tier_slow_node_is_dram_in_tier_106()
    {
        var host = Read("hmat-two-tier");
        AssertNode(host, 0, HostMemType.Dram, 4, cpus: true);
        AssertNode(host, 1, HostMemType.Dram, 106, cpus: false);
        var a = host.Host.Node(1)!.Access1!;
        Assert.Equal((270UL, 270UL, 30000UL, 30000UL), (a.ReadLatencyNs!.Value, a.WriteLatencyNs!.Value, a.ReadBandwidthMBps!.Value, a.WriteBandwidthMBps!.Value));
        Assert.Equal([0], a.Initiators);
        Assert.Equal(CxlWindowCheck.Outside, host.ClassOf(1).CxlWindow);
        Assert.Empty(host.Diagnostics);
    }

    [Fact]
    public void Hmat_equal_is_one_tier()
    {
        var host = Read("hmat-equal");
        AssertNode(host, 0, HostMemType.Dram, 4, cpus: true);
        AssertNode(host, 1, HostMemType.Dram, 4, cpus: false);
        Assert.Equal([0, 1], Assert.Single(host.Host.Tiers).Nodes);
        Assert.Empty(host.Diagnostics);
    }

    [Fact]
    public void Cxl_ram_kmem_node1_is_cxl_ram_in_default_dax_tier()
    {
        var host = Read("cxl-ram-kmem");
        AssertNode(host, 0, HostMemType.Dram, 4, cpus: true);
        AssertNode(host, 1, HostMemType.CxlRam, 22, cpus: false);
        Assert.Equal("dax0.0", host.ClassOf(1).BackingDevice);
        Assert.Equal(268435456UL, host.Host.Node(1)!.MemTotalBytes);
        Assert.Contains(host.Host.CxlWindows, w => w.Range == new AddressRange(0x110000000, 0x20fffffff));
        Assert.Equal(["no-hmat"], host.Diagnostics.Select(d => d.Code));
    }

    [Fact]
    public void Cxl_ram_genport_has_access_figures_flagged_as_picoseconds()
    {
        var host = Read("cxl-ram-genport");
        AssertNode(host, 1, HostMemType.CxlRam, 73, cpus: false);
        var a = host.Host.Node(1)!.Access1!;
        Assert.Equal((17350UL, 17450UL, 16000UL), (a.ReadLatencyNs!.Value, a.WriteLatencyNs!.Value, a.ReadBandwidthMBps!.Value));
        var d = Assert.Single(host.Diagnostics);
        Assert.Equal(("hmat-implausible-latency", "node1"), (d.Code, d.Subject));
    }

    [Fact]
    public void Cxl_no_region_explains_why_there_is_no_cxl_node()
    {
        var host = Read("cxl-no-region");
        Assert.Single(host.Host.Nodes);
        Assert.All(host.Classes, c => Assert.Equal(HostMemType.Dram, c.Type));
        var region = Assert.Single(host.Host.Cxl.Regions);
        Assert.False(region.Committed);
        Assert.Empty(region.DaxDevices);
        Assert.Equal(2, host.Host.Cxl.Memdevs.Count);
        // Which memN lacks a region follows probe order (INDEX.md): find it by its endpoint decoders.
        var unused = host.Host.Cxl.Memdevs.Single(m => !host.Host.Cxl.Decoders.Any(d => d.Port == m.Endpoint && d.Region is not null));
        Assert.Single(host.Diagnostics, d => d.Code == "cxl-memdev-no-region" && d.Subject == unused.Name);
        Assert.Single(host.Diagnostics, d => d.Code == "cxl-region-uncommitted" && d.Subject == region.Name);
    }

    [Fact]
    public void Two_socket_host_has_two_dram_and_two_cxl_nodes()
    {
        var host = Read("two-socket-cxl");
        AssertNode(host, 0, HostMemType.Dram, 4, cpus: true);
        AssertNode(host, 1, HostMemType.Dram, 4, cpus: true);
        AssertNode(host, 2, HostMemType.CxlRam, 73, cpus: false);
        AssertNode(host, 3, HostMemType.CxlRam, 73, cpus: false);
        Assert.Equal(2, host.Host.Cxl.Regions.Count);
        // Two fixed memory windows: the ACPI CEDT, /proc/iomem and the root decoders agree (one entry each).
        Assert.Equal(2, host.Host.CxlWindows.Count);
        Assert.All(host.Host.CxlWindows, w => Assert.Equal("ACPI CEDT CFMWS", w.Source));
        Assert.Equal([0, 1], host.Host.Cxl.Memdevs.Select(m => m.NumaNode!.Value).Order());
    }

    [Fact]
    public void Cxl_devdax_forms_no_node_and_says_how_to_use_it()
    {
        var host = Read("cxl-devdax");
        Assert.Single(host.Host.Nodes);
        var dax = Assert.Single(host.Host.Dax);
        Assert.Equal((DaxMode.Devdax, 1, DaxParentKind.CxlRegion, 2097152UL), (dax.Mode, dax.TargetNode!.Value, dax.ParentKind, dax.AlignBytes!.Value));
        Assert.Single(host.Diagnostics, d => d.Code == "dax-devdax" && d.Hint.Contains("mem-path=/dev/dax0.0"));
    }

    [Fact]
    public void Nvdimm_onlined_by_kmem_is_pmem()
    {
        var host = Read("nvdimm-kmem");
        AssertNode(host, 1, HostMemType.Pmem, 22, cpus: false);
        Assert.Equal(DaxParentKind.NvdimmRegion, Assert.Single(host.Host.Dax).ParentKind);
        Assert.Contains(host.ClassOf(1).Evidence, e => e.Contains("NVDIMM"));
    }
}
