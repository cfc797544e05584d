using Hostmem.Qemu;
using Hostmem.Topology;

namespace Hostmem.Planning;

/// <summary>
/// Room for memory devices: QEMU places pc-dimm, nvdimm and virtio-mem memory in a device-memory region of
/// <c>maxmem - size</c> (x86: hw/i386/pc.c, plus 1 GiB per slot= for DIMM alignment), and refuses a virtio-mem device
/// without it ("memory devices (e.g. for memory hotplug) are not enabled, please specify the maxmem option"). Once
/// hostmem has written -m, maxmem= must hold main RAM and every device's memory.
/// </summary>
public static class DeviceMemoryRoom
{
    /// <summary>The devices whose memdev= QEMU maps into the device-memory region.</summary>
    static bool InDeviceMemory(string driver) => driver is "pc-dimm" or "nvdimm" || driver.StartsWith("virtio-mem", StringComparison.Ordinal)
        || driver.StartsWith("virtio-pmem", StringComparison.Ordinal);

    public static void Apply(QemuCommandLine command, List<PlanNote> notes)
    {
        ArgumentNullException.ThrowIfNull(command);
        var sizes = command.MemoryBackends().Where(b => b.Id is not null).GroupBy(b => b.Id!).ToDictionary(g => g.Key, g => g.First().Size ?? 0, StringComparer.Ordinal);
        ulong devices = DeviceUses.Of(command).Where(u => u.Key == "memdev" && InDeviceMemory(u.Driver))
            .Aggregate(0UL, (s, u) => s + sizes.GetValueOrDefault(u.Memdev));
        if (devices == 0) return;
        ulong ram = QemuRam.Bytes(command);
        ulong needed = ram + devices;
        var mem = command.Memory();
        if (mem?.MaxMem is { } maxMem)
        {
            if (maxMem < needed)
                throw new UserError($"-m maxmem={Bytes.Format(maxMem)} has no room for the memory devices: main RAM {Bytes.Format(ram)} + {Bytes.Format(devices)} of device memory (pc-dimm, nvdimm, virtio-mem memdev=) is {Bytes.Format(needed)}",
                    $"give maxmem={QemuSize.Format(needed)} or more, or smaller device memdevs");
            return;
        }
        if (mem is { Occurrences.Count: > 0 })
        {
            var (index, _, options) = mem.Occurrences[^1];
            options.Set("maxmem", QemuSize.Format(needed));
            command.SetOptions(index, options);
        }
        else command.Add(QemuArgument.Option("m", $"{QemuSize.FormatMemory(ram)},maxmem={QemuSize.Format(needed)}"));
        notes.Add(PlanNote.Info(NoteCodes.MaxmemSet, $"-m maxmem={QemuSize.Format(needed)}: room for main RAM ({Bytes.Format(ram)}) and the memory devices' {Bytes.Format(devices)}, which QEMU maps above it"));
    }
}
