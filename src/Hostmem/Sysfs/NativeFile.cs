using System.Runtime.InteropServices;

namespace Hostmem.Sysfs;

/// <summary>
/// Whole-file reads through libc (open/read/close), so the common outcomes of a sysfs read (the file is
/// there, or it is absent) cost three syscalls and no exception. Anything unusual is left to the caller.
/// </summary>
internal static partial class NativeFile
{
    private const int O_RDONLY = 0;
    private const int O_CLOEXEC = 0x80000; // Linux, all architectures .NET supports
    private const int EINTR = 4;
    private const int ENOENT = 2;
    private const int ENOTDIR = 20;
    private const int FirstRead = 4096;

    public enum Outcome { Read, Absent, Failed }

    [ThreadStatic] private static byte[]? t_buffer;

    private static byte[] GrowKeeping(byte[] buffer)
    {
        var larger = new byte[buffer.Length * 2];
        buffer.CopyTo(larger, 0);
        return larger;
    }

    /// <summary>
    /// Reads the whole file; Absent for ENOENT/ENOTDIR, Failed for any other error. <paramref name="bytes"/> is this
    /// thread's reusable buffer: use it before the next call.
    /// </summary>
    public static unsafe Outcome TryReadAll(string path, out byte[] bytes, out int length)
    {
        bytes = [];
        length = 0;
        int fd;
        do fd = Open(path, O_RDONLY | O_CLOEXEC);
        while (fd < 0 && Marshal.GetLastPInvokeError() == EINTR);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno is ENOENT or ENOTDIR ? Outcome.Absent : Outcome.Failed;
        }
        try
        {
            // One buffer per thread, reused: a fresh page per file was most of what a large topology allocated.
            var buffer = t_buffer ??= new byte[FirstRead];
            var used = 0;
            while (true)
            {
                if (used == buffer.Length) t_buffer = buffer = GrowKeeping(buffer);
                nint n;
                fixed (byte* p = &buffer[used])
                    n = Read(fd, p, (nuint)(buffer.Length - used));
                if (n < 0)
                {
                    if (Marshal.GetLastPInvokeError() == EINTR) continue;
                    return Outcome.Failed;
                }
                if (n == 0) break;
                used += (int)n;
                // A first read shorter than a page is the whole file: sysfs and procfs hand over an attribute
                // (at most a page) in one read, and a regular file reads short only at its end. Saves the
                // second read that would return 0, a third of the syscalls of a topology read.
                if (used == n && used < FirstRead) break;
            }
            bytes = buffer;
            length = used;
            return Outcome.Read;
        }
        finally
        {
            Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static unsafe partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
