using System.Runtime.InteropServices;

namespace Hostmem.Cli;

/// <summary>
/// SIGINT, SIGTERM and SIGHUP remove hostmem's temporary files and folders (<see cref="TemporaryPaths"/>: an unpacked
/// --sysfs archive, the new domain file of --in-place, which may hold a graphics password), then end the process by
/// that signal as if hostmem had not caught it, so a shell or a supervisor sees the usual status (130, 143, ...).
/// </summary>
internal static partial class Interrupts
{
    static readonly List<PosixSignalRegistration> Registrations = [];

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial IntPtr Signal(int signum, IntPtr handler);

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signum);

    public static void Install()
    {
        foreach (var (signal, number) in new[] { (PosixSignal.SIGINT, 2), (PosixSignal.SIGTERM, 15), (PosixSignal.SIGHUP, 1) })
            Registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                TemporaryPaths.RemoveAll();
                Signal(number, IntPtr.Zero); // SIG_DFL: the runtime's own handler would only set a flag
                Kill(Environment.ProcessId, number); // to the process: any thread that does not block it takes it
            }));
    }
}
