namespace Hostmem.Qemu;

/// <summary>What hostmem knows about one QEMU command-line option.</summary>
/// <param name="Name">Name without dashes, as in qemu-options.hx (<c>object</c>, <c>M</c>).</param>
/// <param name="HasArgument">HAS_ARG: the next argv word is its argument, whatever it starts with.</param>
/// <param name="Canonical">The name aliases fold to (<c>M</c> → <c>machine</c>).</param>
/// <param name="Syntax">The parser QEMU uses for the argument, when it is a KEY=VALUE string; null when opaque.</param>
/// <param name="ImpliedKey">The key a bare first element stands for.</param>
/// <param name="AcceptsJson">QEMU reads the argument as JSON when it starts with '{'.</param>
/// <param name="Removed">Not a QEMU 10 option (QEMU 10 rejects it); listed so old command lines split correctly.</param>
public sealed record QemuOptionInfo(
    string Name, bool HasArgument, string Canonical, QemuOptionSyntax? Syntax = null, string? ImpliedKey = null,
    bool AcceptsJson = false, bool Removed = false);

/// <summary>
/// QEMU 10's option table. Arity was derived from qemu-system-x86_64 10.0.2 itself: for every name from <c>-help</c>
/// plus hidden and other-target names, <c>qemu-system-x86_64 -NAME -zzzq</c> reports "-zzzq: invalid option" exactly
/// when NAME takes no argument (QEMU's first pass over argv, lookup_opt, consumes the next word for HAS_ARG options
/// whatever it looks like, and rejects unknown names). Options of other targets (<c>-g</c>, <c>-prom-env</c>,
/// <c>-semihosting</c>...) are in the same table. QEMU accepts <c>-name</c> and <c>--name</c> alike; it has no
/// <c>-name=value</c> form.
/// </summary>
public static class QemuOptionTable
{
    static readonly Dictionary<string, QemuOptionInfo> Table = Build();

    static Dictionary<string, QemuOptionInfo> Build()
    {
        var t = new Dictionary<string, QemuOptionInfo>(StringComparer.Ordinal);
        string[] withArg =
        [
            "D", "L", "M", "accel", "acpitable", "action", "add-fd", "append", "audio", "audiodev", "bios", "blockdev",
            "boot", "cdrom", "chardev", "compat", "cpu", "d", "debugcon", "device", "dfilter", "display", "drive", "dtb",
            "dump-vmstate", "echr", "fda", "fdb", "fsdev", "fw_cfg", "g", "gdb", "global", "hda", "hdb", "hdc", "hdd",
            "icount", "incoming", "initrd", "iscsi", "k", "kernel", "loadvm", "m", "machine", "mem-path", "mon", "monitor",
            "msg", "mtdblock", "name", "net", "netdev", "nic", "numa", "object", "option-rom", "overcommit", "parallel",
            "pflash", "pidfile", "plugin", "prom-env", "qmp", "qmp-pretty", "qtest", "qtest-log", "readconfig", "rtc",
            "run-with", "sandbox", "sd", "seed", "semihosting-config", "serial", "set", "shim", "smbios", "smp", "spice",
            "tpmdev", "trace", "usbdevice", "uuid", "vga", "virtfs", "vnc", "watchdog-action", "xen-domid",
        ];
        string[] flags =
        [
            "preconfig", "S", "daemonize", "enable-kvm", "enable-sync-profile", "full-screen", "h", "help", "jitdump",
            "mem-prealloc", "no-fd-bootchk", "no-reboot", "no-shutdown", "no-user-config", "nodefaults", "nographic",
            "old-param", "only-migratable", "perfmap", "s", "semihosting", "snapshot", "usb", "version", "win2k-hack",
            "xen-attach", "xen-domid-restrict",
        ];
        // Options of older QEMUs that QEMU 10 rejects, with the arity they had.
        string[] removedWithArg = ["realtime", "tb-size", "soundhw", "watchdog", "chroot", "runas", "clock", "tftp", "bootp", "redir", "smb", "writeconfig", "balloon"];
        string[] removedFlags = ["no-acpi", "no-hpet", "singlestep", "no-quit", "alt-grab", "ctrl-grab", "sdl", "curses", "enable-fips", "nodefconfig", "no-kvm", "localtime", "xen-create", "async-teardown", "no-kvm-irqchip", "no-kvm-pit", "show-cursor", "no-frame", "rtc-td-hack"];

        foreach (string n in withArg) t[n] = new QemuOptionInfo(n, true, n);
        foreach (string n in flags) t[n] = new QemuOptionInfo(n, false, n);
        foreach (string n in removedWithArg) t[n] = new QemuOptionInfo(n, true, n, Removed: true);
        foreach (string n in removedFlags) t[n] = new QemuOptionInfo(n, false, n, Removed: true);

        // Argument syntaxes hostmem reads (checked against QEMU 10.0.2, see QemuOptionSyntax).
        var q = QemuOptionSyntax.QemuOpts;
        var k = QemuOptionSyntax.Keyval;
        t["object"] = t["object"] with { Syntax = q, ImpliedKey = "qom-type", AcceptsJson = true };
        t["device"] = t["device"] with { Syntax = q, ImpliedKey = "driver", AcceptsJson = true };
        t["netdev"] = t["netdev"] with { Syntax = q, ImpliedKey = "type", AcceptsJson = true };
        t["numa"] = t["numa"] with { Syntax = q, ImpliedKey = "type" };
        t["m"] = t["m"] with { Syntax = q, ImpliedKey = "size" };
        t["smp"] = t["smp"] with { Syntax = q, ImpliedKey = "cpus" };
        t["accel"] = t["accel"] with { Syntax = q, ImpliedKey = "accel" };
        t["machine"] = t["machine"] with { Syntax = k, ImpliedKey = "type" };
        t["M"] = t["M"] with { Canonical = "machine", Syntax = k, ImpliedKey = "type" };
        t["chardev"] = t["chardev"] with { Syntax = q, ImpliedKey = "backend" };
        t["drive"] = t["drive"] with { Syntax = q };
        t["msg"] = t["msg"] with { Syntax = q };
        t["name"] = t["name"] with { Syntax = q, ImpliedKey = "guest" };
        t["blockdev"] = t["blockdev"] with { Syntax = k, AcceptsJson = true };
        t["audiodev"] = t["audiodev"] with { AcceptsJson = true };
        t["display"] = t["display"] with { AcceptsJson = true };
        t["h"] = t["h"] with { Canonical = "help" };
        return t;
    }

    /// <summary>Looks up a name without dashes (<c>object</c>, <c>M</c>); null when QEMU 10 does not know it.</summary>
    public static QemuOptionInfo? Lookup(string name) => Table.GetValueOrDefault(name);

    static readonly Dictionary<string, QemuOptionInfo>.AlternateLookup<ReadOnlySpan<char>> BySpan = Table.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The option an option word (<c>-numa</c>, <c>--numa</c>) names, looked up without cutting the dashes off
    /// into a new string (every item of a command line asks); null for an unknown name or a word without a dash.</summary>
    public static QemuOptionInfo? LookupWord(string word)
    {
        if (word.Length == 0 || word[0] != '-') return null;
        var bare = word.AsSpan(word.Length > 1 && word[1] == '-' ? 2 : 1);
        return BySpan.TryGetValue(bare, out var info) ? info : null;
    }

    /// <summary>Every known option name.</summary>
    public static IEnumerable<QemuOptionInfo> All => Table.Values;

    /// <summary>The canonical name for a user-supplied name with or without dashes (<c>-M</c> → <c>machine</c>).</summary>
    public static string Canonical(string name)
    {
        string bare = StripDashes(name) ?? name;
        return Lookup(bare)?.Canonical ?? bare;
    }

    /// <summary><c>-x</c> and <c>--x</c> → <c>x</c>; null for a word that is not an option (does not start with '-').</summary>
    public static string? StripDashes(string word)
    {
        if (word.Length == 0 || word[0] != '-') return null;
        return word.Length > 1 && word[1] == '-' ? word[2..] : word[1..];
    }
}
