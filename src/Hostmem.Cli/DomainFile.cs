using System.Runtime.InteropServices;
using System.Text;

namespace Hostmem.Cli;

/// <summary>Reading a domain file as text and replacing it atomically: a temporary file beside it, then rename(2).</summary>
public static partial class DomainFile
{
    static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];

    /// <summary>The file's text (without a byte order mark) and whether it had one.</summary>
    public static (string Text, bool Bom) Read(string path)
    {
        byte[] bytes;
        try
        {
            MustBeAFile(path);
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException) { throw new UserError($"{path}: no such file", "give the domain's XML file: virsh dumpxml DOMAIN > DOMAIN.xml"); }
        catch (DirectoryNotFoundException) { throw new UserError($"{path}: no such file", "give the domain's XML file: virsh dumpxml DOMAIN > DOMAIN.xml"); }
        catch (UnauthorizedAccessException) { throw new UserError($"{path}: permission denied", "run as a user who can read it, or give a copy"); }
        catch (IOException e) { throw new UserError($"{path}: cannot read it ({e.Message})", "give a readable domain XML file"); }
        return Decode(bytes, path);
    }

    /// <summary>A folder or a missing file said as such (before --in-place calls it "not a regular file").</summary>
    public static void MustBeAFile(string path)
    {
        if (Directory.Exists(path)) throw new UserError($"{path}: a folder, not a domain file", "give the domain's XML file: virsh dumpxml DOMAIN > DOMAIN.xml");
        if (!Path.Exists(path)) throw new UserError($"{path}: no such file", "give the domain's XML file: virsh dumpxml DOMAIN > DOMAIN.xml");
    }

    /// <summary>The text of a domain file's bytes (without a byte order mark) and whether it had one.</summary>
    public static (string Text, bool Bom) Decode(byte[] bytes, string path)
    {
        bool bom = bytes.AsSpan().StartsWith(Bom);
        try
        {
            return (Strict.GetString(bytes, bom ? 3 : 0, bytes.Length - (bom ? 3 : 0)), bom);
        }
        catch (DecoderFallbackException)
        {
            throw new UserError($"{path}: not UTF-8 text, so not a libvirt domain", "give the domain's XML: virsh dumpxml DOMAIN > DOMAIN.xml");
        }
    }

    /// <summary>The file --in-place would replace (a symlink's target) and its mode; a read-only file is refused, even for root.</summary>
    public static (string Target, UnixFileMode Mode) CheckReplaceable(string path)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("hostmem runs on Linux");
        // A pipe (--in-place <(virsh dumpxml vm1)) or a device has nothing to replace: say so before anything is printed.
        if (Sysfs.FileKind.IsRegular(path) is not true)
            throw new UserError($"{path}: not a regular file, so --in-place cannot replace it",
                "leave out --in-place and redirect stdout to a file: hostmem libvirt apply DOMAIN.xml > NEW.xml");
        string target;
        UnixFileMode mode;
        try
        {
            target = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);
            mode = File.GetUnixFileMode(target);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserError($"{path}: cannot replace it ({e.Message.Split('\n')[0]})", "leave out --in-place and redirect stdout to another file");
        }
        if ((mode & (UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) == 0)
            throw new UserError($"{path}: read-only (mode {Convert.ToString((int)mode, 8)}): not replaced",
                $"make it writable first (chmod u+w {path}), or leave out --in-place and redirect stdout to another file");
        // The new file is written beside it and renamed over it: the folder must take a new file (checked now, not after the plan).
        string dir = Path.GetDirectoryName(target)!;
        if (!NativeExec.CanWrite(dir))
            throw new UserError($"{path}: its folder {dir} is not writable: not replaced",
                $"hostmem writes a temporary file in {dir} and renames it over the original; or leave out --in-place and redirect stdout");
        return (target, mode);
    }

    public static byte[] Encode(string text, bool bom) => bom ? [.. Bom, .. Strict.GetBytes(text)] : Strict.GetBytes(text);

    /// <summary>
    /// Replaces the claimed file (the target of a symlink, not the link) with <paramref name="bytes"/>: a temporary file in
    /// the same folder, created 0600 and given the original's mode, owner and group before a byte is written, flushed, then
    /// renamed over it, so a reader sees the old file or the new one, never half of it. Refused, with the original left as
    /// it was, when the file changed since it was read or its owner cannot be kept. Extended attributes (ACLs, SELinux
    /// labels) are not copied: the new file gets the folder's default ACL and the label policy gives new files there.
    /// An interrupt removes the temporary file (<see cref="TemporaryPaths"/>).
    /// </summary>
    public static void ReplaceAtomically(DomainFileClaim claim, byte[] bytes)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("hostmem runs on Linux");
        string path = claim.Path, target = claim.Target;
        string dir = Path.GetDirectoryName(target)!;
        string temp = Path.Combine(dir, $".{Path.GetFileName(target)}.hostmem-{Environment.ProcessId}.tmp");
        try
        {
            var privately = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
            using (var f = TemporaryPaths.Guard(() =>
            {
                var created = new FileStream(temp, privately);
                TemporaryPaths.Add(temp);
                return created;
            }))
            {
                KeepOwner(f.SafeFileHandle, claim);
                File.SetUnixFileMode(f.SafeFileHandle, claim.Mode);
                f.Write(bytes);
                f.Flush(flushToDisk: true);
            }
            TemporaryPaths.Guard(() =>
            {
                if (FileIdentity.Of(target) != claim.Identity)
                    throw new UserError($"{path}: changed by another program while hostmem planned: not replaced",
                        "run hostmem libvirt apply --in-place again on the file as it is now");
                File.Move(temp, target, overwrite: true);
                TemporaryPaths.Forget(temp);
                return 0;
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or UserError)
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            TemporaryPaths.Forget(temp);
            if (e is UserError) throw;
            throw new UserError($"{path}: cannot replace it ({e.Message}); the original is unchanged",
                $"hostmem writes a temporary file in {dir} and renames it: that folder must be writable; or leave out --in-place and redirect stdout");
        }
    }

    [LibraryImport("libc", EntryPoint = "fchown", SetLastError = true)]
    private static partial int Fchown(int fd, uint uid, uint gid);

    /// <summary>The new file gets the original's owner and group (as root, it would otherwise be root's).</summary>
    static void KeepOwner(Microsoft.Win32.SafeHandles.SafeFileHandle handle, DomainFileClaim claim)
    {
        var made = FileIdentity.Of(handle);
        if (made.Uid == claim.Identity.Uid && made.Gid == claim.Identity.Gid) return;
        if (Fchown((int)handle.DangerousGetHandle(), claim.Identity.Uid, claim.Identity.Gid) != 0)
            throw new UserError($"{claim.Path}: the new file cannot keep its owner {claim.Identity.Uid} and group {claim.Identity.Gid} ({Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}): not replaced",
                "run as its owner or as root, or leave out --in-place and redirect stdout to another file");
    }
}
