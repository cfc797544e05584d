using CsCheck;
using Hostmem.Discovery;
using Hostmem.Tests.Support;
using Hostmem.Topology;
using Xunit;

namespace Hostmem.Tests.Discovery;

/// <summary>
/// The ACPI HMAT read whole, on the tables the lab's QEMU wrote: every figure below is a <c>-numa hmat-lb</c> of the
/// tree's meta/qemu-cmdline.txt (latency in ns, bandwidth in MB/s).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // Unix file modes
public class AcpiHmatReaderTests
{
    static HmatMatrix Matrix(string fixture)
    {
        var host = TopologyReader.Read(Trees.Project(fixture));
        Assert.Equal(AcpiTableEvidence.Readable, host.HmatEvidence);
        return host.Hmat!;
    }

    static (uint, uint, int?, int?, bool, ulong?, ulong?, ulong?, ulong?) Cell(HmatLocality l) =>
        (l.InitiatorPxm, l.TargetPxm, l.InitiatorNode, l.TargetNode, l.TargetIsPort, l.ReadLatencyNs, l.WriteLatencyNs, l.ReadBandwidthMBps, l.WriteBandwidthMBps);

    [Fact]
    public void Two_socket_cxl_gives_every_initiator_to_every_target()
    {
        var m = Matrix("two-socket-cxl");
        Assert.Empty(m.Diagnostics);
        Assert.True(m.NodesProven);
        Assert.Equal(2, m.Revision);
        Assert.Equal(
        [
            (0u, 0u, 0, 0, false, 100UL, 100UL, 262100UL, 262100UL),
            (0u, 1u, 0, 1, false, 150UL, 150UL, 131000UL, 131000UL),
            (0u, 2u, 0, null, true, 200UL, 200UL, 32000UL, 32000UL),
            (0u, 3u, 0, null, true, 300UL, 300UL, 16000UL, 16000UL),
            (1u, 0u, 1, 0, false, 150UL, 150UL, 131000UL, 131000UL),
            (1u, 1u, 1, 1, false, 100UL, 100UL, 262100UL, 262100UL),
            (1u, 2u, 1, null, true, 300UL, 300UL, 16000UL, 16000UL),
            (1u, 3u, 1, null, true, 200UL, 200UL, 32000UL, 32000UL),
        ], m.Localities.Select(Cell).ToList<(uint, uint, int?, int?, bool, ulong?, ulong?, ulong?, ulong?)>());
        // The generic ports are the two pxb-cxl host bridges (bus_nr 12 and 222 are their UIDs).
        Assert.Equal(["ACPI0016:12", "ACPI0016:222"], m.Domains.Where(d => d.IsGenericPort).Select(d => d.PortHandle!));
        Assert.Equal([(0u, (int?)0, true, true), (1u, 1, true, true)],
            m.Domains.Where(d => !d.IsGenericPort).Select(d => (d.Pxm, d.Node, d.HasCpus, d.HasMemory)));
        Assert.Equal(150UL, m.Between(1, 0)!.ReadLatencyNs);
        Assert.Null(m.Between(0, 2)); // node2 is the CXL window's node, not the port's domain 2
    }

    [Theory]
    [InlineData("hmat-two-tier", 270UL, 30000UL)]
    [InlineData("hmat-equal", 100UL, 262100UL)]
    public void One_initiator_two_memory_nodes(string fixture, ulong latency, ulong bandwidth)
    {
        var m = Matrix(fixture);
        Assert.Empty(m.Diagnostics);
        Assert.True(m.NodesProven);
        Assert.Equal(
        [
            (0u, 0u, 0, 0, false, 100UL, 100UL, 262100UL, 262100UL),
            (0u, 1u, 0, 1, false, latency, latency, bandwidth, bandwidth),
        ], m.Localities.Select(Cell).ToList<(uint, uint, int?, int?, bool, ulong?, ulong?, ulong?, ulong?)>());
    }

    [Fact]
    public void Cxl_ram_genport_targets_the_port_not_the_cxl_node()
    {
        var m = Matrix("cxl-ram-genport");
        Assert.Empty(m.Diagnostics);
        Assert.True(m.NodesProven);
        Assert.Equal(
        [
            (0u, 0u, 0, 0, false, 100UL, 100UL, 262100UL, 262100UL),
            (0u, 1u, 0, null, true, 200UL, 200UL, 32000UL, 32000UL),
        ], m.Localities.Select(Cell).ToList<(uint, uint, int?, int?, bool, ulong?, ulong?, ulong?, ulong?)>());
        Assert.Null(m.Between(0, 1)); // sysfs node1 is the CXL memory (17350 ns), not the port's 200 ns
    }

    [Fact]
    public void Trees_without_hmat_say_absent()
    {
        var host = TopologyReader.Read(Trees.Project("cxl-ram-kmem"));
        Assert.Equal((AcpiTableEvidence.Absent, (HmatMatrix?)null), (host.HmatEvidence, host.Hmat));
    }

    [Fact]
    public void A_table_the_process_may_not_read_is_not_readable()
    {
        var tree = Trees.CopyOf(Trees.Project("two-socket-cxl"));
        var hmat = Path.Combine(tree, "sys/firmware/acpi/tables/HMAT");
        if (Environment.UserName == "root")
        {
            // root reads a mode-0000 file anyway; a folder in its place fails the read the same way (access denied)
            File.Delete(hmat);
            Directory.CreateDirectory(hmat);
        }
        else File.SetUnixFileMode(hmat, UnixFileMode.None);
        var host = TopologyReader.Read(tree);
        Assert.Equal((AcpiTableEvidence.NotReadable, (HmatMatrix?)null), (host.HmatEvidence, host.Hmat));
    }

    [Fact]
    public void A_bad_checksum_is_a_diagnostic_and_the_figures_still_read()
    {
        var (hmat, srat, nodes) = Tables("two-socket-cxl");
        hmat[9] ^= 0x55; // the checksum byte
        var m = AcpiHmatReader.Parse(hmat, srat, nodes);
        Assert.Contains(m.Diagnostics, d => d.Contains("bad checksum", StringComparison.Ordinal));
        Assert.Equal(8, m.Localities.Count);
    }

    [Fact]
    public void A_truncated_table_keeps_the_structures_that_are_whole()
    {
        var (hmat, srat, nodes) = Tables("two-socket-cxl");
        var m = AcpiHmatReader.Parse(hmat.AsSpan(0, hmat.Length - 4), srat, nodes); // cuts the bandwidth structure
        Assert.Contains(m.Diagnostics, d => d.Contains("truncated", StringComparison.Ordinal));
        Assert.Equal(8, m.Localities.Count);
        Assert.All(m.Localities, l => Assert.Equal((ulong?)null, l.ReadBandwidthMBps));
        Assert.Equal(100UL, m.Between(0, 0)!.ReadLatencyNs);
    }

    [Fact]
    public void Without_an_srat_the_matrix_keeps_domain_numbers()
    {
        var (hmat, _, nodes) = Tables("hmat-two-tier");
        var m = AcpiHmatReader.Parse(hmat, null, nodes);
        Assert.False(m.NodesProven);
        Assert.Contains(m.Diagnostics, d => d.Contains("no readable SRAT", StringComparison.Ordinal));
        Assert.All(m.Localities, l => Assert.Null(l.TargetNode));
        Assert.Equal(270UL, m.Localities.Single(l => l.TargetPxm == 1).ReadLatencyNs);
        Assert.Null(m.Between(0, 1));
    }

    [Fact]
    public void An_srat_order_sysfs_contradicts_is_not_trusted()
    {
        // The SRAT says domain 0 has CPUs; a sysfs whose node0 has none contradicts the SRAT-order numbering.
        var (hmat, srat, nodes) = Tables("hmat-two-tier");
        var noCpus = nodes.Select(n => n with { Cpus = [] }).ToList();
        var m = AcpiHmatReader.Parse(hmat, srat, noCpus);
        Assert.False(m.NodesProven);
        Assert.Contains(m.Diagnostics, d => d.Contains("does not match the nodes sysfs shows", StringComparison.Ordinal));
    }

    static readonly string[] WithHmat = ["two-socket-cxl", "hmat-two-tier", "hmat-equal", "cxl-ram-genport"];

    static (byte[] Hmat, byte[] Srat, IReadOnlyList<NumaNode> Nodes) Tables(string fixture)
    {
        var root = Trees.Project(fixture);
        return (File.ReadAllBytes(Path.Combine(root, "sys/firmware/acpi/tables/HMAT")),
            File.ReadAllBytes(Path.Combine(root, "sys/firmware/acpi/tables/SRAT")),
            TopologyReader.Read(root).Nodes);
    }

    [Theory]
    [InlineData(0xFFFF_FFFFu, 0xFFFF_FFFFu)]
    [InlineData(0x8000_0000u, 0x8000_0000u)]
    [InlineData(1u, 0xFFFF_FFFFu)]
    public void Locality_counts_that_cannot_fit_are_skipped_with_a_diagnostic(uint initiators, uint targets)
    {
        // Found by Garbage_never_throws (seed csIQy1hzz7e1): two garbage counts whose product overflowed a long passed
        // the length check. Structures start at byte 40: type u16, then length u32 at +4.
        var (hmat, srat, nodes) = Tables("hmat-two-tier");
        int at = 40;
        while (BitConverter.ToUInt16(hmat, at) != 1) at += (int)BitConverter.ToUInt32(hmat, at + 4);
        BitConverter.TryWriteBytes(hmat.AsSpan(at + 12), initiators);
        BitConverter.TryWriteBytes(hmat.AsSpan(at + 16), targets);
        var m = AcpiHmatReader.Parse(hmat, srat, nodes);
        Assert.Contains(m.Diagnostics, d => d.Contains($"locality structure at offset {at}") && d.Contains("skipped"));
    }

    [Fact]
    public void Garbage_never_throws()
    {
        var tables = WithHmat.Select(Tables).ToArray();
        // Truncations and byte flips of the real tables, and random bytes behind a real header.
        var gen =
            from t in Gen.Int[0, tables.Length - 1]
            from which in Gen.Int[0, 2]
            from cut in Gen.Int[0, 400]
            from flips in Gen.Select(Gen.Int[0, 399], Gen.Byte).Array[0, 8]
            from random in Gen.Byte.Array[0, 300]
            select (t, which, cut, flips, random);
        gen.Sample(c =>
        {
            var (hmat, srat, nodes) = tables[c.t];
            byte[] Mangle(byte[] table)
            {
                var b = c.which == 2 ? [.. table.AsSpan(0, Math.Min(40, table.Length)).ToArray(), .. c.random] : table.ToArray();
                foreach (var (at, v) in c.flips) if (at < b.Length) b[at] = v;
                return b[..Math.Min(b.Length, c.cut)];
            }
            var m = c.which == 1 ? AcpiHmatReader.Parse(hmat, Mangle(srat), nodes) : AcpiHmatReader.Parse(Mangle(hmat), srat, nodes);
            Assert.All(m.Localities, l => Assert.True(l.ReadLatencyNs is null or > 0)); // the property: no throw, no zero latency
        }, iter: 20000);
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        Gen.Byte.Array[0, 600].Select(Gen.Byte.Array[0, 600]).Sample((h, s) =>
        {
            var m = AcpiHmatReader.Parse(h, s, []);
            Assert.False(m.NodesProven);
        }, iter: 20000);
    }
}
