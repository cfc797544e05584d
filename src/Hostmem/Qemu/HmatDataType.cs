namespace Hostmem.Qemu;

/// <summary>HMAT data types, as QEMU's <c>-numa hmat-lb,data-type=</c> and libvirt's <c>&lt;latency|bandwidth type=&gt;</c> name them.</summary>
public enum HmatDataType { AccessLatency, ReadLatency, WriteLatency, AccessBandwidth, ReadBandwidth, WriteBandwidth }

public static class HmatDataTypes
{
    public static bool IsLatency(this HmatDataType t) => t is HmatDataType.AccessLatency or HmatDataType.ReadLatency or HmatDataType.WriteLatency;

    /// <summary>The guest kernel's hmat_update_target_access: an access figure sets both read and write.</summary>
    public static bool SetsRead(this HmatDataType t) => t is HmatDataType.AccessLatency or HmatDataType.ReadLatency or HmatDataType.AccessBandwidth or HmatDataType.ReadBandwidth;

    public static bool SetsWrite(this HmatDataType t) => t is HmatDataType.AccessLatency or HmatDataType.WriteLatency or HmatDataType.AccessBandwidth or HmatDataType.WriteBandwidth;

    /// <summary>The type that sets exactly the given directions of one kind (both: access).</summary>
    public static HmatDataType For(bool latency, bool read, bool write) => (latency, read, write) switch
    {
        (true, true, true) => HmatDataType.AccessLatency,
        (true, true, false) => HmatDataType.ReadLatency,
        (true, false, true) => HmatDataType.WriteLatency,
        (false, true, true) => HmatDataType.AccessBandwidth,
        (false, true, false) => HmatDataType.ReadBandwidth,
        (false, false, true) => HmatDataType.WriteBandwidth,
        _ => throw new ArgumentException("a data type sets at least one direction"),
    };

    /// <summary>QEMU's name (<c>access-latency</c>, ...).</summary>
    public static string QemuName(this HmatDataType t) => t switch
    {
        HmatDataType.AccessLatency => "access-latency",
        HmatDataType.ReadLatency => "read-latency",
        HmatDataType.WriteLatency => "write-latency",
        HmatDataType.AccessBandwidth => "access-bandwidth",
        HmatDataType.ReadBandwidth => "read-bandwidth",
        HmatDataType.WriteBandwidth => "write-bandwidth",
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    /// <summary>libvirt's type attribute (access, read, write) of a &lt;latency&gt; or &lt;bandwidth&gt;.</summary>
    public static string Direction(this HmatDataType t) => t switch
    {
        HmatDataType.AccessLatency or HmatDataType.AccessBandwidth => "access",
        HmatDataType.ReadLatency or HmatDataType.ReadBandwidth => "read",
        _ => "write",
    };

    public static HmatDataType? ParseQemu(string? text) => text switch
    {
        "access-latency" => HmatDataType.AccessLatency,
        "read-latency" => HmatDataType.ReadLatency,
        "write-latency" => HmatDataType.WriteLatency,
        "access-bandwidth" => HmatDataType.AccessBandwidth,
        "read-bandwidth" => HmatDataType.ReadBandwidth,
        "write-bandwidth" => HmatDataType.WriteBandwidth,
        _ => null,
    };

    /// <summary>libvirt's element (latency, bandwidth) and type (access, read, write).</summary>
    public static HmatDataType? ParseLibvirt(string element, string? type) => (element, type ?? "access") switch
    {
        ("latency", "access") => HmatDataType.AccessLatency,
        ("latency", "read") => HmatDataType.ReadLatency,
        ("latency", "write") => HmatDataType.WriteLatency,
        ("bandwidth", "access") => HmatDataType.AccessBandwidth,
        ("bandwidth", "read") => HmatDataType.ReadBandwidth,
        ("bandwidth", "write") => HmatDataType.WriteBandwidth,
        _ => null,
    };
}
