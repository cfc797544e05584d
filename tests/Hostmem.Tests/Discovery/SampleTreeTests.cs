using Hostmem.Classification;
using Hostmem.Discovery;
using Hostmem.Tests.Support;
using Hostmem.Topology;
using Xunit;

namespace Hostmem.Tests.Discovery;

/// <summary>Discovery on the two trees recorded in Linux 6.12 guests (../shared/fixtures/samples).</summary>
public class SampleTreeTests
{
    [SharedFixtureFact("samples")]
    public void Hmat_guest_has_slow_cpuless_node_in_a_lower_tier()
    {
        var host = ClassifiedHost.From(TopologyReader.Read(Trees.Sample("guestA-slow")));
        var n0 = host.Host.Node(0)!;
        var n1 = host.Host.Node(1)!;

        Assert.Equal([0, 1], n0.Cpus);
        Assert.Empty(n1.Cpus);
        Assert.Equal(4, n0.Tier);
        Assert.Equal(106, n1.Tier);
        Assert.Equal(100UL, n0.Access1!.ReadLatencyNs);
        Assert.Equal(262100UL, n0.Access1.ReadBandwidthMBps);
        Assert.Equal([0], n1.Access1!.Initiators);
        Assert.Equal(270UL, n1.Access1.WriteLatencyNs);
        Assert.Equal(30000UL, n1.Access1.WriteBandwidthMBps);
        Assert.Equal(20, n0.Distances[1]);
        Assert.Equal(HostMemType.Dram, host.ClassOf(0).Type);
        Assert.Equal(HostMemType.Dram, host.ClassOf(1).Type);
        // No CXL bus and no /proc/iomem in the recording: hostmem cannot rule out firmware-onlined CXL.
        Assert.Equal(CxlWindowCheck.Unknown, host.ClassOf(1).CxlWindow);
        Assert.Contains(host.Diagnostics, d => d.Code == "cxl-window-unknown" && d.Subject == "node1");
        Assert.DoesNotContain(host.Diagnostics, d => d.Severity >= Severity.Warning);
    }

    [SharedFixtureFact("samples")]
    public void Cxl_guest_node1_is_cxl_ram_from_region_dax_kmem()
    {
        var host = ClassifiedHost.From(TopologyReader.Read(Trees.Sample("guestB-cxl")));
        var c1 = host.ClassOf(1);

        Assert.Equal(HostMemType.CxlRam, c1.Type);
        Assert.Equal("dax0.0", c1.BackingDevice);
        Assert.Contains(c1.Evidence, e => e.Contains("region0") && e.Contains("mode ram"));
        Assert.Equal(22, host.Host.Node(1)!.Tier);
        Assert.Equal(268435456UL, host.Host.Node(1)!.MemTotalBytes);

        var region = Assert.Single(host.Host.Cxl.Regions);
        Assert.Equal(("region0", RegionMode.Ram, true, 268435456UL), (region.Name, region.Mode, region.Committed, region.SizeBytes!.Value));
        Assert.Equal(["decoder2.0"], region.Targets);
        Assert.Equal("decoder0.0", region.RootDecoder);
        Assert.Equal(["dax0.0"], region.DaxDevices);

        var dax = Assert.Single(host.Host.Dax);
        Assert.Equal((1, DaxMode.SystemRam, DaxParentKind.CxlRegion, "region0"), (dax.TargetNode!.Value, dax.Mode, dax.ParentKind, dax.Parent));

        var mem = Assert.Single(host.Host.Cxl.Memdevs);
        Assert.Equal(("mem0", 268435456UL, 0UL, "endpoint2"), (mem.Name, mem.RamBytes, mem.PmemBytes, mem.Endpoint));
        // The root decoder is a CXL window readable without root.
        Assert.Equal(WindowEvidence.Readable, host.Host.CxlWindowEvidence);
        Assert.Contains(host.Host.CxlWindows, w => w.Range.Start == 0x110000000 && w.Range.Length == 0x100000000);
        Assert.Contains(host.Diagnostics, d => d.Code == "no-hmat");
        Assert.DoesNotContain(host.Diagnostics, d => d.Code.StartsWith("cxl-", StringComparison.Ordinal));
    }
}
