using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Hostmem.Cli;

/// <summary>
/// The domain file that <c>--in-place</c> replaces, locked (flock, exclusive) from before it is read until the new file is
/// renamed over it, so two hostmem runs on one file take turns instead of one losing the other's update. A run that waits
/// gets the file the other one wrote. Anyone else who changes the file meanwhile (an editor, virsh) is caught before the
/// rename by its identity (inode, size, modification time), and the run refuses.
/// </summary>
public sealed partial class DomainFileClaim : IDisposable
{
    const int LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8, EWOULDBLOCK = 11, EINTR = 4;
    const int O_RDONLY = 0, O_CLOEXEC = 0x80000;
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public string Path { get; }
    /// <summary>The file replaced (a symlink's final target).</summary>
    public string Target { get; }
    public UnixFileMode Mode { get; }
    public FileIdentity Identity { get; }
    public byte[] Bytes { get; }
    readonly SafeFileHandle handle;

    DomainFileClaim(string path, string target, UnixFileMode mode, SafeFileHandle handle, FileIdentity identity, byte[] bytes) =>
        (Path, Target, Mode, this.handle, Identity, Bytes) = (path, target, mode, handle, identity, bytes);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(int fd, int operation);

    /// <summary>Checks that the file can be replaced, waits for another hostmem holding it (saying so once through
    /// <paramref name="waiting"/>, as apt says it waits for its lock), and reads it.</summary>
    public static DomainFileClaim Take(string path, Action<string> waiting)
    {
        ArgumentNullException.ThrowIfNull(waiting);
        DomainFile.MustBeAFile(path);
        var deadline = DateTime.UtcNow + Patience;
        bool said = false;
        while (true)
        {
            var (target, mode) = DomainFile.CheckReplaceable(path);
            int fd = Open(target, O_RDONLY | O_CLOEXEC);
            if (fd < 0) throw new UserError($"{path}: cannot open it ({Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())})", "give a readable domain XML file");
            var handle = new SafeFileHandle(fd, ownsHandle: true);
            if (!TryLock(fd))
            {
                handle.Dispose();
                if (!said)
                {
                    waiting($"hostmem: {path} is locked by another process (another hostmem libvirt apply --in-place?): waiting up to {Patience.TotalSeconds:0} s");
                    said = true;
                }
                if (DateTime.UtcNow > deadline)
                    throw new UserError($"{path}: another process has held it locked for {Patience.TotalSeconds:0} s (another hostmem libvirt apply --in-place?): not replaced",
                        "wait for it to finish (fuser -v FILE shows who holds it), then run again");
                Thread.Sleep(20);
                continue;
            }
            // The one that held the lock may have renamed its new file over the path: then this is the old file; start again.
            var held = FileIdentity.Of(handle);
            if (FileIdentity.Of(target) != held) { handle.Dispose(); continue; }
            return new DomainFileClaim(path, target, mode, handle, held, ReadAll(handle));
        }
    }

    static bool TryLock(int fd)
    {
        while (true)
        {
            if (Flock(fd, LOCK_EX | LOCK_NB) == 0) return true;
            int errno = Marshal.GetLastPInvokeError();
            if (errno == EINTR) continue;
            if (errno == EWOULDBLOCK) return false;
            return true; // a file system without flock: the identity check before the rename still guards it
        }
    }

    /// <summary>The whole file through the locked descriptor (a FileStream over it would close it, and the lock, when done).</summary>
    static byte[] ReadAll(SafeFileHandle handle)
    {
        using var copy = new MemoryStream();
        var buffer = new byte[64 * 1024];
        for (int n; (n = RandomAccess.Read(handle, buffer, copy.Length)) > 0;) copy.Write(buffer, 0, n);
        return copy.ToArray();
    }

    public void Dispose()
    {
        if (!handle.IsInvalid && !handle.IsClosed) Flock((int)handle.DangerousGetHandle(), LOCK_UN);
        handle.Dispose();
    }
}

/// <summary>What tells a file's version apart, and whose it is (statx: the same layout on every architecture).</summary>
public readonly partial record struct FileIdentity(ulong Device, ulong Inode, ulong Size, long ModifiedSeconds, uint ModifiedNanoseconds, uint Uid, uint Gid)
{
    const int AT_FDCWD = -100, AT_EMPTY_PATH = 0x1000, STATX_BASIC_STATS = 0x7ff;

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    public static FileIdentity? Of(string path) => Read(AT_FDCWD, path, 0);

    public static FileIdentity Of(SafeFileHandle handle) =>
        Read((int)handle.DangerousGetHandle(), "", AT_EMPTY_PATH) ?? throw new IOException("statx on an open file failed");

    static unsafe FileIdentity? Read(int dirfd, string path, int flags)
    {
        byte* b = stackalloc byte[256];
        if (Statx(dirfd, path, flags, STATX_BASIC_STATS, b) != 0) return null;
        // struct statx: uid 20, gid 24, ino 32, size 40, mtime 112 (sec) / 120 (nsec), dev_major 136, dev_minor 140
        ulong device = ((ulong)*(uint*)(b + 136) << 32) | *(uint*)(b + 140);
        return new FileIdentity(device, *(ulong*)(b + 32), *(ulong*)(b + 40), *(long*)(b + 112), *(uint*)(b + 120), *(uint*)(b + 20), *(uint*)(b + 24));
    }
}
