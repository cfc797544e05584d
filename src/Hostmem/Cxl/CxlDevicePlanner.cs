using System.Globalization;
using Hostmem.Classification;
using Hostmem.Planning;
using Hostmem.Qemu;

namespace Hostmem.Cxl;

/// <summary>What hostmem gives one cxl-type3 device, and what the guest's CXL driver will make of it.</summary>
public sealed record CxlDevicePlan
{
    public required string Device { get; init; }
    public required int DeviceIndex { get; init; }
    public required string Backend { get; init; }
    public required string HostBridge { get; init; }
    public required int GenericPortNode { get; init; }
    public required bool GenericPortAdded { get; init; }
    public required PcieLink Link { get; init; }
    /// <summary>The host memory's figures (host, measured, --latency/--bandwidth), as the guest node route would get them.</summary>
    public required MemoryPerformance HostFigures { get; init; }
    public required FiguresSource FiguresFrom { get; init; }
    /// <summary>The table, as decoded back from <see cref="CdatBytes"/>.</summary>
    public required CdatTable Cdat { get; init; }
    public required byte[] CdatBytes { get; init; }
    public required string CdatPath { get; init; }
    /// <summary>The figures the kernel reads from the table (ns, MB/s).</summary>
    public required MemoryPerformance CdatFigures { get; init; }
    /// <summary>The generic port's HMAT figures read back from the line (the user's entries, else hostmem's).</summary>
    public required MemoryPerformance GenericPortFigures { get; init; }
    /// <summary>regionN/access0 and access1, and the kmem node's access1, as a Linux 6.12 guest computes them.</summary>
    public required MemoryPerformance PredictedRegion { get; init; }
    /// <summary>The guest node kmem onlines the region into (the lowest memoryless node, as booted guests showed).</summary>
    public required int KmemNode { get; init; }
    public required uint PredictedTier { get; init; }
    public IReadOnlyList<string> Why { get; init; } = [];
}

/// <summary>
/// Gives each planned cxl-type3 device a CDAT and its host bridge a generic port. The kernel adds the generic port's HMAT
/// latency, the link's and the CDAT's (<see cref="CxlRegionModel"/>), and a Linux 6.12 guest tiers the kmem node by the
/// generic port node's own HMAT figures (measured: memory_tier73 from 200 ns, 32000 MB/s beside DRAM's 100 ns, 262100 MB/s,
/// whatever the CDAT says). So the generic port carries the host memory's figures (that sets the tier the guest node route
/// would give), and the CDAT the host's bandwidth with the smallest latency the kernel reads as a figure (1 ns), which keeps
/// the region's latency nearest the host's: it can only exceed it by the link term.
/// </summary>
public static class CxlDevicePlanner
{
    /// <summary>What the CDAT path reads before `hostmem qemu` knows the descriptor (see docs/qemu.md).</summary>
    public const string MemfdPath = "/proc/self/fd/N";

    /// <param name="output">The line's tables read back after the layout was written (what this adds, generic port objects
    /// and cdat=, does not change them).</param>
    public static IReadOnlyList<CxlDevicePlan> Apply(QemuCommandLine command, GuestLayout layout, IReadOnlyList<CxlDeviceIntent> devices,
        GuestTables output, PlanOptions options, List<PlanNote> notes)
    {
        var plans = new List<CxlDevicePlan>();
        var tail = new List<QemuArgument>();
        foreach (var d in devices)
        {
            int gp = d.GenericPortNode ?? throw new InvalidOperationException("the guest intent gives every device a generic port node");
            if (d.AddsGenericPort)
                tail.Add(QemuArgument.Option("object", $"acpi-generic-port,id=hostmem-gp{gp},pci-bus={d.HostBridge},node={gp}"));
            var node = layout.Node(gp);
            if (node?.Figures is not { } host)
            {
                notes.Add(PlanNote.Warning(NoteCodes.CxlNoFigures, $"{d.Name}: no figures for the memory of {d.Backend.Id}: its CDAT stays QEMU's (150/250 ns, 16 GB/s); give --latency {d.Backend.Type?.Name()}=NS --bandwidth {d.Backend.Type?.Name()}=MBPS"));
                continue;
            }
            var plan = Plan(d, command.CxlType3Devices()[d.Ordinal].Index, gp, host, node.FiguresFrom, output, options);
            plans.Add(plan);
            if (plan.PredictedRegion.ReadLatencyNs > host.ReadLatencyNs)
                notes.Add(PlanNote.Info(NoteCodes.CxlLinkLatency, $"{d.Name}: the guest's region will read {plan.PredictedRegion.ReadLatencyNs}/{plan.PredictedRegion.WriteLatencyNs} ns where the host memory has {host.ReadLatencyNs}/{host.WriteLatencyNs} ns: "
                    + $"Linux 6.12 adds the link's flit time ({d.Link.FlitLatencyPs} ps at {LinkName(d.Link)}) as nanoseconds; its tier is still the host memory's (memory_tier{plan.PredictedTier}, from the generic port's figures)"));
        }
        command.Add([.. tail]);
        foreach (var p in plans) SetCdatPath(command, p.DeviceIndex, p.CdatPath);
        return plans;
    }

    static CxlDevicePlan Plan(CxlDeviceIntent d, int deviceIndex, int gp, MemoryPerformance host, FiguresSource from, GuestTables output, PlanOptions options)
    {
        ulong size = d.Backend.SizeBytes ?? 0;
        var wanted = new MemoryPerformance(1, 1, host.ReadBandwidthMBps, host.WriteBandwidthMBps);
        var bytes = CdatEncoder.Encode(CdatFigures.Volatile(size, wanted, d.Name));
        var table = CdatDecoder.Decode(bytes); // what QEMU will read, and what the prediction is made from
        var cdat = CdatFigures.Of(table)!.Value;
        var port = output.FiguresOf(gp);
        var region = CxlRegionModel.Region(cdat, port, d.Link);
        // Where kmem onlines the region and what tiers it, as 6.12 guests under QEMU 10.0 showed (QEMU's default CDAT,
        // DRAM node0 100 ns, 262100 MB/s): guest nodes 0-1, generic port on 1 (200 ns, 32000 MB/s): dax0.0 on node1,
        // memory_tier73 = the generic port's figures; nodes 0-2, port on 1 (400 ns, 8000 MB/s): node1, memory_tier589 =
        // the port's; nodes 0-2, port on 2, node1 with entries of its own (400 ns, 8000 MB/s): node1, memory_tier12900 =
        // the region's 17450/17550 ns, 16000 MB/s, not node1's entries. So: the lowest memoryless node, tiered by the
        // port's HMAT figures when it is the port's node, else by the region's (the CXL driver's own notifier).
        int kmem = output.Nodes.Where(n => !n.HasCpus && !n.HasMemory).Select(n => n.Id).DefaultIfEmpty(gp).Min();
        var tierFigures = kmem == gp ? port : region;
        var reference = KernelTierModel.Reference(output.KernelNodes()).Reference;
        int adist = reference is { } r && KernelTierModel.PerfToAdistance(tierFigures, r) is { } a ? a : KernelTierModel.DaxDefaultAdistance;
        string id = d.Device.Id ?? $"cxl-type3-{d.Device.Index}";
        string path = options.CdatDir is { } dir ? Path.Combine(dir, FileName(id)) : MemfdPath;
        return new CxlDevicePlan
        {
            Device = id, DeviceIndex = deviceIndex, Backend = d.Backend.Id, HostBridge = d.HostBridge, GenericPortNode = gp,
            GenericPortAdded = d.AddsGenericPort,
            Link = d.Link, HostFigures = host, FiguresFrom = from, Cdat = table, CdatBytes = bytes, CdatPath = path, CdatFigures = cdat,
            GenericPortFigures = port, PredictedRegion = region, KmemNode = kmem, PredictedTier = (uint)KernelTierModel.TierOf(adist),
            Why =
            [
                $"generic port node{gp} for {d.HostBridge} carries the host memory's figures ({GuestHmatFill.Show(host)}, {from.Name()}): a Linux 6.12 guest tiers the kmem node by them",
                $"CDAT: {cdat.ReadLatencyNs}/{cdat.WriteLatencyNs} ns (the least the kernel reads as a figure), {cdat.ReadBandwidthMBps}/{cdat.WriteBandwidthMBps} MB/s (the host's)",
                $"region: {GuestHmatFill.Show(region)} = CDAT + generic port + {d.Link.FlitLatencyPs} for the link ({LinkName(d.Link)}; Linux 6.12 adds its 68-byte flit time in ps to ns), bandwidth the least of CDAT, generic port and link ({d.Link.BandwidthMBps} MB/s)",
            ],
        };
    }

    public static string LinkName(PcieLink l) => string.Create(CultureInfo.InvariantCulture, $"{l.SpeedMbps / 1000.0:0.#} GT/s x{l.Width}");

    /// <summary>A file name from a device id (QEMU ids are letters, digits, '-', '.', '_').</summary>
    public static string FileName(string id) => $"hostmem-{new string([.. id.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')])}.cdat";

    /// <summary>Writes cdat=PATH into the device's options (the CLI sets the real descriptor path before it execs QEMU).</summary>
    public static void SetCdatPath(QemuCommandLine command, int deviceIndex, string path)
    {
        ArgumentNullException.ThrowIfNull(command);
        var options = command.Arguments[deviceIndex].ParseOptions();
        options.Set("cdat", path);
        command.SetOptions(deviceIndex, options);
    }
}
