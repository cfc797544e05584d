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
    private const int O_NONBLOCK = 0x800;  // same; a FIFO opens at once instead of waiting for a writer
    private const int EAGAIN = 11;
    private const int AT_EMPTY_PATH = 0x1000;
    private const int AT_FDCWD = -100;
    private const int STATX_TYPE = 0x1;
    private const ushort S_IFMT = 0xF000, S_IFREG = 0x8000;
    private const int EINTR = 4;
    private const int ENOENT = 2;
    private const int ENOTDIR = 20;
    private const int FirstRead = 4096;

    /// <summary>NotRegular: a FIFO, socket or device where a file should be (a damaged or hostile tree), not read: it could
    /// block for ever or never end.</summary>
    public enum Outcome { Read, Absent, Failed, NotRegular }

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
        do fd = Open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
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
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == EINTR) continue;
                    return errno == EAGAIN && !IsRegular(fd) ? Outcome.NotRegular : Outcome.Failed;
                }
                // Sysfs attributes and procfs files are regular files; the type is asked only where a FIFO or a device
                // would show (nothing read, or more than a page), so the common small read costs no extra syscall.
                if ((n == 0 && used == 0) || used + n == buffer.Length)
                    if (!IsRegular(fd)) return Outcome.NotRegular;
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

    private static bool IsRegular(int fd) => TypeIsRegular(fd, "", AT_EMPTY_PATH) ?? true; // cannot tell: read as before

    /// <summary>Whether <paramref name="path"/> (symlinks followed) is a regular file; null when it cannot be told (absent).</summary>
    public static bool? IsRegularFile(string path) => TypeIsRegular(AT_FDCWD, path, 0);

    private static unsafe bool? TypeIsRegular(int dirfd, string path, int flags)
    {
        // statx's layout is the same on every architecture (fstat's is not): stx_mode is the u16 at offset 28.
        byte* buffer = stackalloc byte[256];
        if (Statx(dirfd, path, flags, STATX_TYPE, buffer) != 0) return null;
        return (*(ushort*)(buffer + 28) & S_IFMT) == S_IFREG;
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static unsafe partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
