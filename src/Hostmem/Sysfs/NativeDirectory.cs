using System.Runtime.InteropServices;
using System.Text;

namespace Hostmem.Sysfs;

/// <summary>
/// Directory listing through libc (opendir/readdir/closedir). .NET's enumerator stat()s and lstat()s every
/// symlink it meets, and sysfs folders are mostly symlinks (node0/memory42, bus/cxl/devices/decoder0.0):
/// on a 40-node tree that was 3,000 of its 9,000 syscalls. Names only, as readdir gives them.
/// </summary>
internal static partial class NativeDirectory
{
    private const int ENOENT = 2;
    private const int ENOTDIR = 20;
    // struct dirent on 64-bit Linux (glibc and musl): d_ino 8, d_off 8, d_reclen 2, d_type 1, then d_name.
    private const int NameOffset = 19;

    public enum Outcome { Listed, Absent, Failed }

    /// <summary>True where the dirent layout above holds.</summary>
    public static bool Supported { get; } = OperatingSystem.IsLinux()
        && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    /// <summary>Adds the names in <paramref name="path"/> (without . and ..) to <paramref name="names"/>.</summary>
    public static unsafe Outcome TryList(string path, List<string> names)
    {
        var dir = OpenDir(path);
        if (dir == 0)
            return Marshal.GetLastPInvokeError() is ENOENT or ENOTDIR ? Outcome.Absent : Outcome.Failed;
        try
        {
            while (true)
            {
                var entry = ReadDir(dir);
                if (entry == null) return Marshal.GetLastPInvokeError() == 0 ? Outcome.Listed : Outcome.Failed;
                var name = entry + NameOffset;
                var length = 0;
                while (name[length] != 0) length++;
                if (name[0] == '.' && (length == 1 || (length == 2 && name[1] == '.'))) continue;
                names.Add(Encoding.UTF8.GetString(name, length));
            }
        }
        finally
        {
            CloseDir(dir);
        }
    }

    [LibraryImport("libc", EntryPoint = "opendir", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial nint OpenDir(string path);

    [LibraryImport("libc", EntryPoint = "readdir", SetLastError = true)]
    private static unsafe partial byte* ReadDir(nint dir);

    [LibraryImport("libc", EntryPoint = "closedir")]
    private static partial int CloseDir(nint dir);
}
