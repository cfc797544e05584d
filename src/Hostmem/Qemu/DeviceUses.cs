namespace Hostmem.Qemu;

/// <summary>A <c>-device</c> naming a memory backend with <see cref="Key"/> (empty Key: a device noted for itself, like pxb-cxl).</summary>
public sealed record DeviceUse(int Index, string Driver, string? Id, string Key, string Memdev)
{
    public string Name => Id is null ? Driver : $"{Driver} '{Id}'";
}

/// <summary>The devices of a command line that use memory backends: the one list of device properties that name one.</summary>
public static class DeviceUses
{
    /// <summary>Every -device property whose value is a memory backend's id (pc-dimm/nvdimm/virtio-mem memdev=, cxl-type3's
    /// volatile-memdev=, persistent-memdev=, lsa= (label storage) and volatile-dc-memdev= (dynamic capacity)).</summary>
    public static readonly IReadOnlyList<string> MemdevKeys = ["memdev", "volatile-memdev", "persistent-memdev", "lsa", "volatile-dc-memdev"];

    /// <summary>Each device's use of a backend, in command-line order; pxb-cxl bridges appear once each with an empty key.</summary>
    public static IReadOnlyList<DeviceUse> Of(QemuCommandLine command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var result = new List<DeviceUse>();
        foreach (var (i, a) in command.Find("device"))
        {
            // Only parse what can matter: other devices' arguments are not ours to judge.
            if (!a.IsJson && !(a.Value!.Contains("memdev", StringComparison.Ordinal) || a.Value.Contains("lsa", StringComparison.Ordinal)
                || a.Value.Contains("pxb-cxl", StringComparison.Ordinal))) continue;
            var o = a.ParseOptions();
            string driver = o.Get("driver") ?? "";
            if (driver == "pxb-cxl") result.Add(new DeviceUse(i, driver, o.Get("id"), "", ""));
            foreach (var key in MemdevKeys)
                if (o.Get(key) is { } id) result.Add(new DeviceUse(i, driver, o.Get("id"), key, id));
        }
        return result;
    }
}
