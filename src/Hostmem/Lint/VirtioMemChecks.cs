using Hostmem.Planning;
using Hostmem.Qemu;
using Hostmem.Topology;

namespace Hostmem.Lint;

/// <summary>virtio-mem devices: room for their memory, and a guest node the guest kernel will know when it is plugged.</summary>
static class VirtioMemChecks
{
    public static void Run(LintContext c)
    {
        var devices = VirtioMemDevice.Of(c.Command);
        if (devices.Count == 0) return;
        var mem = c.Command.Memory();
        ulong ram = QemuRam.Bytes(c.Command);
        ulong plugged = devices.Aggregate(0UL, (s, d) => s + (d.Memdev is { } id ? c.Backend(id)?.Size ?? 0 : 0));
        if (mem?.MaxMem is not { } maxMem)
            c.Add(LintRules.VirtioMemNoMaxmem, devices[0].Index, $"{devices[0].Name} needs device memory, and -m has no maxmem=",
                fix: $"give -m {QemuSize.FormatMemory(ram)},maxmem={QemuSize.Format(ram + plugged)}",
                qemuSays: "the configuration is not prepared for memory devices (e.g., for memory hotplug), consider specifying the maxmem option");
        else if (maxMem < ram + plugged)
            NoRoom(c, devices, maxMem, ram, plugged);

        var unknown = GuestTables.FromQemu(c.Command).PlugNodesUnknownToGuest();
        foreach (var d in devices.Where(d => unknown.Contains((int)d.Node)))
            c.Add(LintRules.VirtioMemNodeUnknown, d.Index,
                $"{d.Name} plugs into guest node {d.Node}, which has no memory at boot and is not the last node: the guest will put the memory on node 0");
    }

    /// <summary>The first device that does not fit, with QEMU's words for it (hw/mem/memory-device.c; x86 q35/pc without
    /// slots=: the region is maxmem minus -m, devices placed in order, each at its memdev's size).</summary>
    static void NoRoom(LintContext c, IReadOnlyList<VirtioMemDevice> devices, ulong maxMem, ulong ram, ulong plugged)
    {
        ulong total = maxMem > ram ? maxMem - ram : 0, used = 0;
        foreach (var d in devices)
        {
            ulong size = d.Memdev is { } id ? c.Backend(id)?.Size ?? 0 : 0;
            if (used + size > total)
            {
                c.Add(LintRules.VirtioMemNoMaxmem, d.Index,
                    $"maxmem={Bytes.Format(maxMem)} leaves {Bytes.Format(total)} for device memory, and the virtio-mem memdevs are {Bytes.Format(plugged)}",
                    fix: $"give maxmem={QemuSize.Format(ram + plugged)} or more",
                    qemuSays: $"not enough space, currently 0x{used:x} in use of total space for memory devices 0x{total:x}");
                return;
            }
            used += size;
        }
    }
}
