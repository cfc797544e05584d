using Hostmem.Qemu;

namespace Hostmem.Planning;

/// <summary>One entry of the guest's SLIT: the distance from one guest node to another.</summary>
public sealed record GuestDistance(int From, int To, int Value);

/// <summary>HMAT data types, as QEMU's hmat-lb data-type= names them.</summary>
public enum HmatDataType { AccessLatency, ReadLatency, WriteLatency, AccessBandwidth, ReadBandwidth, WriteBandwidth }

/// <summary>One memory-hierarchy HMAT entry the guest gets: latency in ns, or bandwidth in MB/s as the guest's sysfs shows it.</summary>
public sealed record GuestHmatEntry(int Initiator, int Target, HmatDataType DataType, ulong Value)
{
    public bool IsLatency => DataType is HmatDataType.AccessLatency or HmatDataType.ReadLatency or HmatDataType.WriteLatency;
}

/// <summary>The guest's SLIT and HMAT tables as data, read from the planned command line (the user's entries and hostmem's alike).</summary>
public static class GuestTables
{
    public static IReadOnlyList<GuestDistance> Distances(QemuCommandLine command) =>
        [.. command.Numa("dist").Where(d => d.Src is not null && d.Dst is not null && d.Val is not null)
            .Select(d => new GuestDistance((int)d.Src!.Value, (int)d.Dst!.Value, (int)d.Val!.Value))];

    public static IReadOnlyList<GuestHmatEntry> Hmat(QemuCommandLine command)
    {
        var result = new List<GuestHmatEntry>();
        foreach (var e in command.Numa("hmat-lb"))
        {
            if (e.Hierarchy is not "memory" || e.Initiator is not { } i || e.Target is not { } t || Parse(e.DataType) is not { } type) continue;
            ulong? value = type is HmatDataType.AccessLatency or HmatDataType.ReadLatency or HmatDataType.WriteLatency
                ? e.Latency
                : e.Bandwidth / QemuSize.MiB;
            if (value is { } v) result.Add(new GuestHmatEntry((int)i, (int)t, type, v));
        }
        return result;
    }

    public static HmatDataType? Parse(string? dataType) => dataType switch
    {
        "access-latency" => HmatDataType.AccessLatency,
        "read-latency" => HmatDataType.ReadLatency,
        "write-latency" => HmatDataType.WriteLatency,
        "access-bandwidth" => HmatDataType.AccessBandwidth,
        "read-bandwidth" => HmatDataType.ReadBandwidth,
        "write-bandwidth" => HmatDataType.WriteBandwidth,
        _ => null,
    };
}
