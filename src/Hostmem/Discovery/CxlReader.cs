using System.Globalization;
using Hostmem.Sysfs;
using Hostmem.Topology;

namespace Hostmem.Discovery;

/// <summary>Reads /sys/bus/cxl/devices: memdevs, decoders, regions (and the dax region under each).</summary>
internal static class CxlReader
{
    public static CxlTopology Read(SysfsTree fs)
    {
        var devices = fs.Sys("bus/cxl/devices");
        var memdevs = new List<CxlMemdev>();
        var decoders = new List<CxlDecoder>();
        var regions = new List<CxlRegion>();
        var endpointOf = new Dictionary<string, string>(StringComparer.Ordinal); // memdev -> endpoint port
        var deferredRegions = new List<(string Name, string Dir)>();

        foreach (var name in fs.List(devices))
        {
            var dir = fs.ResolveDeviceLink(Path.Combine(devices, name));
            if (dir is null) continue;
            if (name.StartsWith("endpoint", StringComparison.Ordinal))
            {
                var uport = fs.LinkName(Path.Combine(dir, "uport"));
                if (uport is not null) endpointOf[uport] = name;
            }
            else if (name.StartsWith("decoder", StringComparison.Ordinal))
                decoders.Add(ReadDecoder(fs, name, dir));
            else if (name.StartsWith("region", StringComparison.Ordinal))
                deferredRegions.Add((name, dir));
            else if (name.StartsWith("mem", StringComparison.Ordinal) && name.Length > 3 && char.IsAsciiDigit(name[3]))
                memdevs.Add(ReadMemdev(fs, name, dir));
        }

        for (var i = 0; i < memdevs.Count; i++)
            if (endpointOf.TryGetValue(memdevs[i].Name, out var ep)) memdevs[i] = memdevs[i] with { Endpoint = ep };
        foreach (var (name, dir) in deferredRegions)
            regions.Add(ReadRegion(fs, name, dir));

        return new CxlTopology { Memdevs = memdevs, Decoders = decoders, Regions = regions };
    }

    private static CxlMemdev ReadMemdev(SysfsTree fs, string name, string dir)
    {
        var numa = fs.ReadInt(Path.Combine(dir, "numa_node"));
        return new CxlMemdev
        {
            Name = name,
            RamBytes = fs.ReadUInt(Path.Combine(dir, "ram", "size")) ?? 0,
            PmemBytes = fs.ReadUInt(Path.Combine(dir, "pmem", "size")) ?? 0,
            Serial = fs.ReadText(Path.Combine(dir, "serial")),
            NumaNode = numa is >= 0 ? (int)numa : null,
            FirmwareVersion = fs.ReadText(Path.Combine(dir, "firmware_version")),
        };
    }

    private static CxlDecoder ReadDecoder(SysfsTree fs, string name, string dir)
    {
        var kind = fs.ReadText(Path.Combine(dir, "devtype")) switch
        {
            "cxl_decoder_root" => CxlDecoderKind.Root,
            "cxl_decoder_switch" => CxlDecoderKind.Switch,
            "cxl_decoder_endpoint" => CxlDecoderKind.Endpoint,
            _ => CxlDecoderKind.Unknown,
        };
        // Each kind has its own attributes (drivers/cxl/core/port.c; the recorded 6.12 trees): only root decoders have
        // cap_ram/cap_pmem, root decoders no region, only endpoint decoders mode and dpa_size. Asking a decoder for
        // the others is a failed open each: 480 of the generated 8-socket tree's 3,618 opens. A decoder of unknown kind is asked everything.
        bool root = kind is CxlDecoderKind.Root or CxlDecoderKind.Unknown;
        bool endpoint = kind is CxlDecoderKind.Endpoint or CxlDecoderKind.Unknown;
        string? Read(string attribute, bool has) => has ? fs.ReadText(Path.Combine(dir, attribute)) : null;
        ulong? ReadNumber(string attribute, bool has) => has ? fs.ReadUInt(Path.Combine(dir, attribute)) : null;
        var region = Read("region", kind != CxlDecoderKind.Root);
        return new CxlDecoder
        {
            Name = name,
            Kind = kind,
            Start = fs.ReadUInt(Path.Combine(dir, "start")),
            Size = fs.ReadUInt(Path.Combine(dir, "size")),
            Mode = Read("mode", endpoint),
            DpaSize = ReadNumber("dpa_size", endpoint),
            InterleaveWays = ToInt(fs.ReadUInt(Path.Combine(dir, "interleave_ways"))),
            InterleaveGranularity = ToInt(fs.ReadUInt(Path.Combine(dir, "interleave_granularity"))),
            Region = string.IsNullOrEmpty(region) ? null : region,
            Port = Path.GetFileName(Path.GetDirectoryName(dir)),
            CanRam = Read("cap_ram", root) == "1",
            CanPmem = Read("cap_pmem", root) == "1",
        };
    }

    private static CxlRegion ReadRegion(SysfsTree fs, string name, string dir)
    {
        var ways = ToInt(fs.ReadUInt(Path.Combine(dir, "interleave_ways")));
        var targets = new List<string>();
        for (var i = 0; i < (ways ?? 0) && i < 64; i++)
        {
            var t = fs.ReadText(Path.Combine(dir, "target" + i.ToString(CultureInfo.InvariantCulture)));
            if (!string.IsNullOrEmpty(t)) targets.Add(t);
        }
        // dax_regionN/ holds daxX.Y folders and an attribute folder named "dax_region"; only folders
        // with a target_node are devices.
        string? daxRegion = fs.List(dir).FirstOrDefault(n => n.StartsWith("dax_region", StringComparison.Ordinal));
        var daxDevices = daxRegion is null
            ? []
            : fs.List(Path.Combine(dir, daxRegion))
                .Where(n => n.StartsWith("dax", StringComparison.Ordinal) && fs.Exists(Path.Combine(dir, daxRegion, n, "target_node")))
                .ToList();
        var resource = fs.ReadText(Path.Combine(dir, "resource"));
        return new CxlRegion
        {
            Name = name,
            Mode = fs.ReadText(Path.Combine(dir, "mode")) switch { "ram" => RegionMode.Ram, "pmem" => RegionMode.Pmem, _ => RegionMode.Unknown },
            SizeBytes = fs.ReadUInt(Path.Combine(dir, "size")),
            Resource = resource is not null && SysfsTree.TryParseUInt(resource, out var r) && r != ulong.MaxValue ? r : null,
            Committed = fs.ReadText(Path.Combine(dir, "commit")) == "1",
            InterleaveWays = ways,
            InterleaveGranularity = ToInt(fs.ReadUInt(Path.Combine(dir, "interleave_granularity"))),
            Targets = targets,
            RootDecoder = Path.GetFileName(Path.GetDirectoryName(dir)),
            Access0 = ReadRegionAccess(fs, dir, "access0"),
            Access1 = ReadRegionAccess(fs, dir, "access1"),
            DaxRegion = daxRegion,
            DaxDevices = daxDevices,
            HasDriver = fs.LinkName(Path.Combine(dir, "driver")) == "cxl_region",
        };
    }

    private static AccessCoordinates? ReadRegionAccess(SysfsTree fs, string regionDir, string accessClass)
    {
        var dir = Path.Combine(regionDir, accessClass);
        if (!Directory.Exists(dir)) return null;
        var figures = NodeReader.ReadFigures(fs, dir, accessClass);
        return figures.HasLatency || figures.HasBandwidth ? figures : null;
    }

    private static int? ToInt(ulong? v) => v is null or > int.MaxValue ? null : (int)v.Value;
}
