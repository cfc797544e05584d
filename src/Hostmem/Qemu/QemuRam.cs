namespace Hostmem.Qemu;

/// <summary>Main RAM as QEMU takes it from -m (system/vl.c, parse_memory_options): the size, QEMU's default when there is
/// none or it is 0, rounded up to 8 KiB; maxmem must be at least that.</summary>
public static class QemuRam
{
    /// <summary>QEMU's RAM without -m, or with -m 0 (x86 machines: 128 MiB).</summary>
    public const ulong DefaultBytes = 128UL << 20;

    /// <summary>QEMU rounds -m up to a multiple of this (QEMU_ALIGN_UP(sz, 8192)).</summary>
    public const ulong Align = 8192;

    /// <summary>The RAM QEMU gives the guest for this command line.</summary>
    public static ulong Bytes(QemuCommandLine command) => Rounded(command.Memory()?.Size is { } s && s > 0 ? s : DefaultBytes);

    /// <summary><paramref name="size"/> rounded up to 8 KiB as QEMU rounds -m (the multiple below at the top of 2^64).</summary>
    public static ulong Rounded(ulong size) => size > ulong.MaxValue - Align ? size / Align * Align : (size + Align - 1) / Align * Align;
}
