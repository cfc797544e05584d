using Hostmem.Sysfs;
using Hostmem.Topology;

namespace Hostmem.Discovery;

/// <summary>Reads /sys/bus/dax/devices and /sys/bus/nd regions.</summary>
internal static class DaxReader
{
    public static IReadOnlyList<DaxDevice> Read(SysfsTree fs)
    {
        var devices = fs.Sys("bus/dax/devices");
        var result = new List<DaxDevice>();
        foreach (var name in fs.List(devices))
        {
            var dir = fs.ResolveDeviceLink(Path.Combine(devices, name));
            if (dir is null) continue;
            var target = fs.ReadInt(Path.Combine(dir, "target_node"));
            var numa = fs.ReadInt(Path.Combine(dir, "numa_node"));
            var driver = fs.LinkName(Path.Combine(dir, "driver"));
            var (parentKind, parent) = Parent(dir);
            result.Add(new DaxDevice
            {
                Name = name,
                SizeBytes = fs.ReadUInt(Path.Combine(dir, "size")),
                TargetNode = target is >= 0 ? (int)target : null,
                NumaNode = numa is >= 0 ? (int)numa : null,
                AlignBytes = fs.ReadUInt(Path.Combine(dir, "align")),
                Resource = ReadResource(fs, dir),
                Driver = driver,
                Mode = driver switch
                {
                    "kmem" => DaxMode.SystemRam,
                    "device_dax" => DaxMode.Devdax,
                    null => DaxMode.Unbound,
                    _ => DaxMode.Other,
                },
                ParentKind = parentKind,
                Parent = parent,
                Path = fs.Show(dir),
            });
        }
        return result;
    }

    private static ulong? ReadResource(SysfsTree fs, string dir)
    {
        var text = fs.ReadText(Path.Combine(dir, "resource"));
        return text is not null && SysfsTree.TryParseUInt(text, out var r) ? r : null;
    }

    /// <summary>
    /// What the device sits under, from its real path: .../decoderX.Y/regionN/dax_regionN/daxN.M is CXL,
    /// .../ndbusN/regionN/daxN.M/daxN.0 is NVDIMM
    /// (CXL pmem when the ndbus hangs off a CXL nvdimm-bridge), .../hmem.N/daxN.0 is soft-reserved (EFI_MEMORY_SP) memory.
    /// </summary>
    internal static (DaxParentKind, string?) Parent(string dir)
    {
        var parts = dir.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = parts.Length - 2; i >= 0; i--)
        {
            var p = parts[i];
            if (p.StartsWith("hmem", StringComparison.Ordinal)) return (DaxParentKind.Hmem, p);
            if (p.StartsWith("region", StringComparison.Ordinal))
            {
                if (i > 0 && parts[i - 1].StartsWith("ndbus", StringComparison.Ordinal))
                    return (i > 1 && parts[i - 2].StartsWith("nvdimm-bridge", StringComparison.Ordinal)
                        ? DaxParentKind.CxlPmemRegion : DaxParentKind.NvdimmRegion, p);
                if (i > 0 && parts[i - 1].StartsWith("decoder", StringComparison.Ordinal)) return (DaxParentKind.CxlRegion, p);
                return (DaxParentKind.Unknown, p);
            }
        }
        return (DaxParentKind.Unknown, null);
    }

    public static IReadOnlyList<NvdimmRegion> ReadNvdimm(SysfsTree fs)
    {
        var devices = fs.Sys("bus/nd/devices");
        var result = new List<NvdimmRegion>();
        foreach (var name in fs.List(devices))
        {
            if (!name.StartsWith("region", StringComparison.Ordinal)) continue;
            var dir = fs.ResolveDeviceLink(Path.Combine(devices, name));
            if (dir is null) continue;
            var numa = fs.ReadInt(Path.Combine(dir, "numa_node"));
            var target = fs.ReadInt(Path.Combine(dir, "target_node"));
            result.Add(new NvdimmRegion(name, fs.ReadUInt(Path.Combine(dir, "size")),
                numa is >= 0 ? (int)numa : null, target is >= 0 ? (int)target : null));
        }
        return result;
    }
}
