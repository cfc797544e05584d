namespace Hostmem.Qemu;

/// <summary>
/// A <c>-device virtio-mem-pci</c>: memory the guest gets on node <see cref="Node"/> after boot, up to its memdev's size,
/// as far as <c>requested-size</c> asks (QEMU: <c>hostmem resize</c>, libvirt: <c>virsh update-memory-device</c>).
/// </summary>
public sealed class VirtioMemDevice(int index, IQemuOptions options)
{
    public int Index { get; } = index;
    public IQemuOptions Options { get; } = options;
    public string Driver => Options.Get("driver") ?? "";
    public string? Id => Options.Get("id");
    public string? Memdev => Options.Get("memdev");
    /// <summary>The guest node (QEMU's default: 0).</summary>
    public ulong Node => OptionValues.UInt(Options.Get("node"), Where, "node") ?? 0;
    public string Where => $"-device '{Options.Render()}'";
    public string Name => Id is null ? Driver : $"{Driver} '{Id}'";

    /// <summary>The virtio-mem devices of a command line, in order (found through <see cref="DeviceUses"/>, the one reader
    /// of devices that name backends).</summary>
    public static IReadOnlyList<VirtioMemDevice> Of(QemuCommandLine command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return [.. DeviceUses.Of(command)
            .Where(u => u.Key == "memdev" && u.Driver.StartsWith("virtio-mem", StringComparison.Ordinal))
            .Select(u => new VirtioMemDevice(u.Index, command.Arguments[u.Index].ParseOptions()))];
    }
}
