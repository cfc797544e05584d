using Hostmem.Planning;

namespace Hostmem.Cxl;

/// <summary>A PCIe link as QEMU's cxl-rp and cxl-type3 negotiate it (x-speed, x-width: the lower of the two ends).</summary>
/// <param name="SpeedMbps">The per-lane rate as the kernel's pcie_link_speed_mbps gives it: 2500 ... 64000.</param>
public sealed record PcieLink(int SpeedMbps, int Width)
{
    /// <summary>QEMU 10's cxl-type3 defaults (32 GT/s x16; its cxl-rp defaults to 64 GT/s x32, so the device sets the link).</summary>
    public static PcieLink QemuDefault { get; } = new(32000, 16);

    /// <summary>cxl_pci_get_latency: a 68-byte flit over the link's per-lane bytes per µs, in picoseconds.</summary>
    public long FlitLatencyPs => 68L * 1_000_000 / (SpeedMbps / 8);

    /// <summary>pcie_bandwidth_available / 8: the per-lane rate after line coding (8b/10b to 5 GT/s, 128b/130b to 32 GT/s,
    /// none at 64 GT/s: PCIE_SPEED2MBS_ENC) times the width, in MB/s.</summary>
    public uint BandwidthMBps => (uint)(Encoded(SpeedMbps) * (long)Width / 8);

    static long Encoded(int mbps) => mbps switch
    {
        <= 5000 => mbps * 8L / 10,
        < 64000 => mbps * 128L / 130,
        _ => mbps,
    };

    /// <summary>QEMU's x-speed values (PCIELinkSpeed: 2_5, 5, 8, 16, 32, 64) in Mb/s per lane; null for anything else.</summary>
    public static int? SpeedOf(string text) => text switch
    {
        "2_5" => 2500, "5" => 5000, "8" => 8000, "16" => 16000, "32" => 32000, "64" => 64000, _ => null,
    };
}

/// <summary>
/// The access coordinates a Linux 6.12 guest gives a CXL RAM region over one direct-attached type-3 device
/// (drivers/cxl/core/cdat.c, port.c cxl_endpoint_get_perf_coordinates; Documentation/driver-api/cxl/linux/access-coordinates.rst):
/// latencies add (the device's CDAT, the link, the generic port's HMAT entry), bandwidths take the minimum (the CDAT, the
/// link's available bandwidth, the generic port's). 6.12 adds the link's flit time in picoseconds to figures in nanoseconds:
/// measured in the lab, 150 ns (CDAT) + 200 ns (generic port) + 17000 (68 B at 32 GT/s x16) = region read_latency 17350.
/// </summary>
public static class CxlRegionModel
{
    public static MemoryPerformance Region(MemoryPerformance cdat, MemoryPerformance genericPort, PcieLink link)
    {
        ArgumentNullException.ThrowIfNull(link);
        uint Lat(uint device, uint port) => (uint)Math.Min(uint.MaxValue, (long)device + port + link.FlitLatencyPs);
        uint Bw(uint device, uint port) => Math.Min(Math.Min(device, port), link.BandwidthMBps);
        return new MemoryPerformance(Lat(cdat.ReadLatencyNs, genericPort.ReadLatencyNs), Lat(cdat.WriteLatencyNs, genericPort.WriteLatencyNs),
            Bw(cdat.ReadBandwidthMBps, genericPort.ReadBandwidthMBps), Bw(cdat.WriteBandwidthMBps, genericPort.WriteBandwidthMBps));
    }
}
