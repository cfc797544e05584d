using System.Runtime.InteropServices;
using Hostmem.Planning;

namespace Hostmem.Cli;

/// <summary>
/// Replaces this process with another program (execve: same PID, no shell, argv word for word, this process's environment
/// as the C library holds it). Resolves a bare name on PATH as execvp does. Returns only on failure, as a <see cref="UserError"/>.
/// </summary>
internal static partial class NativeExec
{
    const int SigPipe = 13, SigSetMask = 2, XOk = 1;

    [LibraryImport("libc", EntryPoint = "execve", SetLastError = true)]
    private static partial int Execve(IntPtr path, IntPtr[] argv, IntPtr envp);

    [LibraryImport("libc", EntryPoint = "access", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Access(string path, int mode);

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial IntPtr Signal(int signum, IntPtr handler);

    [LibraryImport("libc", EntryPoint = "sigprocmask")]
    private static partial int SigProcMask(int how, byte[] set, IntPtr oldset);

    /// <summary>Whether this process may create files in <paramref name="dir"/> (access(2) W_OK|X_OK: real uid, as the kernel checks it).</summary>
    public static bool CanWrite(string dir) => Access(dir, 2 | XOk) == 0;

    /// <summary>The file execvp would run for <paramref name="program"/>, or null.</summary>
    public static string? Resolve(string program)
    {
        if (program.Contains('/')) return program;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin").Split(':'))
        {
            var candidate = Path.Combine(dir.Length == 0 ? "." : dir, program);
            if (File.Exists(candidate) && Access(candidate, XOk) == 0) return candidate;
        }
        return null;
    }

    /// <param name="policy">A memory policy to set on this thread just before execve (weighted interleave), or null.</param>
    public static UserError Exec(IReadOnlyList<string> argv, TaskMemoryPolicy? policy = null)
    {
        var file = Resolve(argv[0]);
        if (file is null)
            return new UserError($"{argv[0]}: not found on PATH", $"give the QEMU binary's full path after '--', e.g. /usr/bin/{argv[0]}");
        Console.Out.Flush();
        Console.Error.Flush();

        var words = new IntPtr[argv.Count + 1];
        var path = Marshal.StringToCoTaskMemUTF8(file);
        for (int i = 0; i < argv.Count; i++) words[i] = Marshal.StringToCoTaskMemUTF8(argv[i]);
        // QEMU should start as a shell would start it: the .NET runtime ignores SIGPIPE and may block signals in this thread.
        Signal(SigPipe, IntPtr.Zero);
        SigProcMask(SigSetMask, new byte[128], IntPtr.Zero);
        // Same thread as the execve below: the policy is the task's, and only this thread survives the exec.
        if (policy is not null) ProcessMemPolicy.Set(policy);
        Execve(path, words, Environ());
        int errno = Marshal.GetLastPInvokeError();
        if (Directory.Exists(file))
            return new UserError($"cannot start {file}: a folder, not a program", "give the QEMU binary after '--', e.g. /usr/bin/qemu-system-x86_64");
        return new UserError($"cannot start {file}: {Marshal.GetPInvokeErrorMessage(errno)}",
            errno == 13 ? $"make {file} executable (chmod +x) or give another QEMU binary" : "check the QEMU binary after '--'");
    }

    /// <summary>The C library's environ (the environment exactly as this process received it).</summary>
    static IntPtr Environ()
    {
        var libc = NativeLibrary.Load("libc.so.6");
        return NativeLibrary.TryGetExport(libc, "environ", out var address) ? Marshal.ReadIntPtr(address) : IntPtr.Zero;
    }
}
