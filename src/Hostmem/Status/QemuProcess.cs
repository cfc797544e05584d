namespace Hostmem.Status;

/// <summary>
/// Whether a process is a running QEMU system emulator: its program (argv[0], and the executable /proc/PID/exe links
/// to, where readable) is a qemu-system-* or qemu-kvm, and it has not exited. A name that merely contains "qemu"
/// (qemu-storage-daemon, qemu-img, a script called qemu-watch) is not one.
/// </summary>
public static class QemuProcess
{
    public static bool IsSystemEmulator(string program)
    {
        var name = Path.GetFileName(program);
        if (name.EndsWith(" (deleted)", StringComparison.Ordinal)) name = name[..^" (deleted)".Length]; // upgraded under it
        return name.StartsWith("qemu-system-", StringComparison.Ordinal) || name == "qemu-kvm";
    }

    public static void MustBeRunningQemu(ProcessFiles files, IReadOnlyList<string> argv)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(argv);
        if (files.State() is { } state && state.StartsWith('Z'))
            throw new UserError($"process {files.Pid} ({files.Command()}) has exited: a zombie its parent has not reaped yet",
                "it has no memory left to show; give the PID of a running QEMU (pgrep -a qemu-system lists them)");
        var program = argv.Count > 0 ? argv[0] : "";
        var exe = files.Executable();
        if (IsSystemEmulator(program) || (exe is not null && IsSystemEmulator(exe))) return;
        var shown = program.Length > 0 ? Path.GetFileName(program) : exe is null ? "no command line" : Path.GetFileName(exe);
        throw new UserError($"process {files.Pid} ({Shorten(shown)}) is not QEMU (a qemu-system-* program)",
            "give the PID of a qemu-system process (pgrep -a qemu-system lists them)");
    }

    static string Shorten(string s) => s.Length <= 60 ? s : s[..57] + "...";
}
