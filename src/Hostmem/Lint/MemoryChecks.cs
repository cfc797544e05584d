using System.Globalization;
using Hostmem.Qemu;
using Hostmem.Topology;

namespace Hostmem.Lint;

/// <summary>-m as QEMU reads it (system/vl.c, parse_memory_options): maxmem at least the RAM size, slots only with a
/// larger maxmem, and a size QEMU rounds up to 8 KiB.</summary>
static class MemoryChecks
{
    public static void Run(LintContext c)
    {
        if (c.Command.Memory() is not { } m) return;
        int at = m.Occurrences[^1].Index;
        ulong ram = QemuRam.Bytes(c.Command);
        if (m.Size is { } size && size > 0 && size != ram)
            c.Add(LintRules.MemorySizeRounded, at, $"-m {size} bytes is not a multiple of 8 KiB: QEMU gives the guest {ram} bytes ({Bytes.Format(ram)})",
                fix: $"write -m {QemuSize.FormatMemory(ram)} (what QEMU uses), so that node sizes can add up to it");
        if (m.MaxMem is { } max && max < ram)
            c.Add(LintRules.MemoryMaxmemBelowSize, at, $"maxmem={Bytes.Format(max)} is below the RAM size {Bytes.Format(ram)}",
                qemuSays: string.Create(CultureInfo.InvariantCulture, $"invalid value of maxmem: maximum memory size (0x{max:x}) must be at least the initial memory size (0x{ram:x})"));
        else if (m.Slots is > 0 && m.MaxMem is null)
            c.Add(LintRules.MemorySlotsWithoutMaxmem, at, $"slots={m.Slots} without maxmem=", qemuSays: "slots specified but no max-size");
        else if (m.Slots is > 0 && m.MaxMem == ram)
            c.Add(LintRules.MemorySlotsWithoutMaxmem, at, $"slots={m.Slots} with maxmem= equal to the RAM size: nothing left to plug",
                qemuSays: string.Create(CultureInfo.InvariantCulture, $"invalid value of maxmem: memory slots were specified but maximum memory size (0x{ram:x}) is equal to the initial memory size (0x{ram:x})"));
    }
}
