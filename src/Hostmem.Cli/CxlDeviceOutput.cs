using System.Globalization;
using Hostmem.Cli.Output;
using Hostmem.Cxl;
using Hostmem.Planning;

namespace Hostmem.Cli;

/// <summary>The cxl-type3 half of a plan: as a table with each CDAT decoded (`qemu --dry-run`), and as JSON (`plan`).</summary>
internal static class CxlDeviceOutput
{
    public static void WriteTable(Terminal t, MemoryPlan plan)
    {
        if (plan.CxlDevices.Count == 0) return;
        var w = t.Writer;
        var table = new Table("CXL DEVICE", "BACKEND", "GENERIC PORT", "LINK", "CDAT R/W", "REGION LATENCY R/W", "REGION BANDWIDTH R/W", "KMEM NODE TIER");
        foreach (var d in plan.CxlDevices)
            table.Add(d.Device, d.Backend, $"node{d.GenericPortNode}{(d.GenericPortAdded ? " (added)" : "")}", CxlDevicePlanner.LinkName(d.Link),
                $"{d.CdatFigures.ReadLatencyNs}/{d.CdatFigures.WriteLatencyNs} ns, {d.CdatFigures.ReadBandwidthMBps}/{d.CdatFigures.WriteBandwidthMBps} MB/s",
                $"{d.PredictedRegion.ReadLatencyNs}/{d.PredictedRegion.WriteLatencyNs} ns", $"{d.PredictedRegion.ReadBandwidthMBps}/{d.PredictedRegion.WriteBandwidthMBps} MB/s",
                $"node{d.KmemNode} memory_tier{d.PredictedTier}");
        table.Write(t);
        foreach (var d in plan.CxlDevices)
        {
            w.WriteLine($"{d.Device}: cdat={d.CdatPath} ({d.CdatBytes.Length} bytes, checksum 0x{d.CdatBytes[5]:x2})");
            foreach (var s in Describe(d.Cdat)) w.WriteLine(t.Dim($"  {s}"));
            foreach (var why in d.Why) w.WriteLine(t.Dim($"  - {why}"));
        }
    }

    /// <summary>One line per CDAT structure, as decoded from the bytes QEMU reads.</summary>
    public static IEnumerable<string> Describe(CdatTable table) => table.Structures().Select(s => s switch
    {
        CdatDsmas m => string.Create(CultureInfo.InvariantCulture, $"DSMAS  handle {m.Handle} flags 0x{m.Flags:x2} DPA 0x{m.DpaBase:x}+0x{m.DpaLength:x}"),
        CdatDslbis l => string.Create(CultureInfo.InvariantCulture, $"DSLBIS handle {l.Handle} {Name(l.DataType)} entry {l.Entry} x base {l.BaseUnit} = {l.Value} {(l.IsLatency ? $"ps ({(l.Value + 999) / 1000} ns)" : "MB/s")}"),
        CdatDsemts e => string.Create(CultureInfo.InvariantCulture, $"DSEMTS handle {e.Handle} EFI type {e.EfiMemoryTypeAttribute} DPA 0x{e.DpaOffset:x}+0x{e.DpaLength:x}"),
        _ => "?",
    });

    static string Name(CdatDataType t) => t switch
    {
        CdatDataType.AccessLatency => "access-latency",
        CdatDataType.ReadLatency => "read-latency",
        CdatDataType.WriteLatency => "write-latency",
        CdatDataType.AccessBandwidth => "access-bandwidth",
        CdatDataType.ReadBandwidth => "read-bandwidth",
        _ => "write-bandwidth",
    };

    public static IReadOnlyList<CxlDeviceJson> Json(MemoryPlan plan) => [.. plan.CxlDevices.Select(d => new CxlDeviceJson(
        d.Device, d.Backend, d.HostBridge, d.GenericPortNode, d.GenericPortAdded, d.Link.SpeedMbps, d.Link.Width,
        Figures(d.HostFigures), d.FiguresFrom.Name(), d.CdatPath, Convert.ToHexStringLower(d.CdatBytes), [.. Describe(d.Cdat)],
        Figures(d.CdatFigures), Figures(d.GenericPortFigures), Figures(d.PredictedRegion), d.KmemNode, d.PredictedTier, d.Why))];

    static CxlFiguresJson Figures(MemoryPerformance p) => new(p.ReadLatencyNs, p.WriteLatencyNs, p.ReadBandwidthMBps, p.WriteBandwidthMBps);
}

public sealed record CxlFiguresJson(uint ReadLatencyNs, uint WriteLatencyNs, uint ReadBandwidthMbps, uint WriteBandwidthMbps);

/// <summary>One cxl-type3 device of `hostmem plan`: its CDAT (hex and decoded) and the region a Linux 6.12 guest computes.</summary>
public sealed record CxlDeviceJson(string Device, string Backend, string HostBridge, int GenericPortNode, bool GenericPortAdded,
    int LinkSpeedMbps, int LinkWidth, CxlFiguresJson HostFigures, string FiguresFrom, string CdatPath, string CdatHex,
    IReadOnlyList<string> Cdat, CxlFiguresJson CdatFigures, CxlFiguresJson GenericPortFigures, CxlFiguresJson PredictedRegion,
    int KmemNode, uint PredictedTier, IReadOnlyList<string> Why);
