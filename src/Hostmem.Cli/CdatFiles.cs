using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Hostmem.Cxl;
using Hostmem.Planning;

namespace Hostmem.Cli;

/// <summary>
/// Where the CDAT tables live. `hostmem qemu` puts each in a memfd without close-on-exec, so QEMU inherits it across
/// execve as the same descriptor and reads <c>cdat=/proc/self/fd/N</c> (its g_file_get_contents opens that path); nothing
/// is left on disk and no two VMs share a file. <c>--cdat-dir DIR</c> writes real files instead (libvirt starts QEMU itself).
/// </summary>
internal static partial class CdatFiles
{
    [LibraryImport("libc", EntryPoint = "memfd_create", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int MemfdCreate(string name, uint flags);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint Write(int fd, byte[] buffer, nint count);

    public static string CheckDir(string dir)
    {
        if (!Directory.Exists(dir))
            throw new UserError($"--cdat-dir {dir}: no such folder", "create it first (e.g. /var/lib/libvirt/qemu/hostmem), or leave --cdat-dir out for a memfd");
        return Path.GetFullPath(dir);
    }

    /// <summary>Writes each table to its file (a dot-file renamed over it, readable by the QEMU user).</summary>
    public static void WriteFiles(MemoryPlan plan)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("hostmem runs on Linux");
        foreach (var d in plan.CxlDevices.Where(d => d.CdatPath != CxlDevicePlanner.MemfdPath))
        {
            string temp = Path.Combine(Path.GetDirectoryName(d.CdatPath)!, $".{Path.GetFileName(d.CdatPath)}.{Environment.ProcessId}.tmp");
            try
            {
                File.WriteAllBytes(temp, d.CdatBytes);
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
                File.Move(temp, d.CdatPath, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                throw new UserError($"--cdat-dir: cannot write {d.CdatPath} ({e.Message.Split('\n')[0]})", "give a folder this user can write");
            }
        }
    }

    /// <summary>Puts each memfd-bound table into a new memfd QEMU will inherit and names it on the line.</summary>
    public static void OpenMemfds(MemoryPlan plan)
    {
        foreach (var d in plan.CxlDevices.Where(d => d.CdatPath == CxlDevicePlanner.MemfdPath))
        {
            int fd = MemfdCreate($"hostmem-cdat-{d.Device}", 0); // no MFD_CLOEXEC: the descriptor survives execve
            if (fd < 0 || Write(fd, d.CdatBytes, d.CdatBytes.Length) != d.CdatBytes.Length)
                throw new UserError($"{d.Device}: cannot make a memfd for its CDAT ({Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())})",
                    "give --cdat-dir DIR to write the table to a file instead");
            CxlDevicePlanner.SetCdatPath(plan.Command!, d.DeviceIndex, $"/proc/self/fd/{fd}");
        }
    }

    /// <summary>QEMU older than 9.2 has no acpi-generic-port: said in one line before anything starts.</summary>
    public static void CheckQemu(MemoryPlan plan)
    {
        if (plan.CxlDevices.Count == 0 || NativeExec.Resolve(plan.ToArgv()[0]) is not { } qemu || !File.Exists(qemu)) return;
        if (QemuHelp.Ask(qemu, "-object", "acpi-generic-port,help") is not { Ok: false }) return; // no answer: execve or QEMU says why
        string v = Regex.Match(QemuHelp.Ask(qemu, "-version")?.Output ?? "", @"version (\S+)").Groups[1].Value;
        throw new UserError($"{qemu}{(v.Length > 0 ? $" is QEMU {v}: it" : "")} has no acpi-generic-port object (QEMU 9.2 added it), which a cxl-type3 device's CDAT needs to reach the guest's region figures",
            "use QEMU >= 9.2, or run with --cdat off (the device keeps QEMU's default CDAT)");
    }
}
