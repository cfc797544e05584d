using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Hostmem.Tests.Support;

/// <summary>Catches a running hostmem in the moment a path it makes exists, and signals it there.</summary>
public static class Signals
{
    public const int SIGHUP = 1, SIGINT = 2, SIGKILL = 9, SIGTERM = 15, SIGCONT = 18, SIGSTOP = 19;

#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code in the test project for one call
    [DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);
#pragma warning restore SYSLIB1054

    public static void Send(Process p, int signal) => Kill(p.Id, signal);

    /// <summary>
    /// Starts hostmem with SIGHUP, SIGINT and SIGTERM in their default handling (or, with <paramref name="ignore"/>,
    /// that one ignored), whatever this test run inherited: a test run started in the background of a script or under
    /// nohup ignores SIGINT and SIGHUP, the ignored handling passes through exec, and hostmem rightly keeps it (nohup's
    /// contract), so a signal test would otherwise depend on how the suite was started (found by scripts/soak).
    /// coreutils' env sets the handling and execs hostmem in the same process.
    /// </summary>
    public static Process StartHostmem(IEnumerable<string> args, IDictionary<string, string>? environment = null, string? ignore = null)
    {
        var psi = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("--default-signal=HUP,INT,TERM");
        if (ignore is not null) psi.ArgumentList.Add($"--ignore-signal={ignore}");
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "hostmem"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) psi.Environment[key] = value;
        return Process.Start(psi)!;
    }

    /// <summary>
    /// Starts <paramref name="start"/> until a run is stopped (SIGSTOP) while <paramref name="present"/> says its path exists,
    /// then sends <paramref name="signal"/> and lets it go on. Returns that run, ended; null if no run was caught in
    /// <paramref name="attempts"/> tries (the window is short and the machine has 2 cores).
    /// </summary>
    public static Process? CatchAndSignal(Func<Process> start, Func<Process, bool> present, int signal, int attempts = 40, Action<Process>? whileStopped = null)
    {
        for (int i = 0; i < attempts; i++)
        {
            var p = start();
            while (!p.HasExited && !present(p)) { }
            if (p.HasExited) { p.WaitForExit(); p.Dispose(); continue; }
            Send(p, SIGSTOP);
            if (!present(p)) { Send(p, SIGCONT); p.WaitForExit(); p.Dispose(); continue; } // it had moved on already
            whileStopped?.Invoke(p);
            Send(p, signal);
            Send(p, SIGCONT);
            if (!p.WaitForExit(60_000)) { Send(p, SIGKILL); throw new TimeoutException("hostmem did not end after the signal"); }
            return p;
        }
        return null;
    }
}
