using Hostmem.Qemu;

namespace Hostmem.Cli;

/// <summary>
/// The virtio-mem properties the QEMU binary of a command line knows, asked of that binary (<c>-device DRIVER,help</c>):
/// QEMU 7.2 has virtio-mem-pci but not <c>dynamic-memslots</c> (QEMU 8.2), and would stop at start with "Property
/// 'virtio-mem-pci.dynamic-memslots' not found"; hostmem says so before it plans or execs. A binary that is not here
/// (a plan made for another machine) is not asked.
/// </summary>
public static class VirtioMemSupport
{
    /// <summary>virtio-mem's own properties (hw/virtio/virtio-mem.c); other -device keys (id, bus, addr) are QEMU's.</summary>
    static readonly string[] DeviceKeys = ["memdev", "node", "requested-size", "block-size", "memaddr", "prealloc", "unplugged-inaccessible",
        "dynamic-memslots", "early-migration"];

    public static void Check(IReadOnlyList<string> argv)
    {
        if (argv.Count == 0) return;
        var devices = VirtioMemDevice.Of(QemuCommandLine.Parse(argv));
        if (devices.Count == 0 || NativeExec.Resolve(argv[0]) is not { } binary || !File.Exists(binary)) return;
        foreach (var group in devices.GroupBy(d => d.Driver))
        {
            var known = Properties(binary, group.Key);
            if (known is null) continue; // the binary did not answer: QEMU itself will say what it lacks
            foreach (var d in group)
                foreach (var key in DeviceKeys.Where(k => d.Options.Contains(k) && !known.Contains(k)))
                    throw new UserError($"{d.Where}: {binary} has no {d.Driver} property '{key}'{Since(key)}",
                        $"remove {key}= from the device, or run a QEMU that has it (qemu-system-x86_64 -device {d.Driver},help lists what it has)");
        }
    }

    static string Since(string key) => key switch
    {
        "dynamic-memslots" => " (QEMU 8.2 added it; QEMU 7.2 has one memslot per device)",
        "early-migration" => " (QEMU 8.0 added it)",
        _ => "",
    };

    /// <summary>"  dynamic-memslots=&lt;bool&gt; - on/off (default: off)": the names before '='; null when QEMU does not answer.</summary>
    static HashSet<string>? Properties(string binary, string driver) =>
        QemuHelp.Ask(binary, "-device", $"{driver},help") is { Ok: true } answer
            ? [.. answer.Output.Split('\n').Select(l => l.Trim()).Where(l => l.Contains('=', StringComparison.Ordinal)).Select(l => l[..l.IndexOf('=', StringComparison.Ordinal)])]
            : null;
}
