using System.Runtime.InteropServices;
using Hostmem.Sysfs;
using Hostmem.Topology;

namespace Hostmem.Planning;

/// <summary>
/// Which devdax devices belong to someone else, so that two VMs never write one device: a device a running process maps
/// (<c>proc/*/maps</c>: a VM started by anyone), and a device another <c>hostmem qemu</c> has claimed (an exclusive flock
/// on the device's sysfs folder). A claim made for a real start is kept: its descriptor stays open across execve, so
/// QEMU holds the lock for as long as it runs, and a hostmem started meanwhile passes the device over.
/// </summary>
public sealed partial class DevdaxClaims
{
    const int O_RDONLY = 0, O_DIRECTORY = 0x10000, O_CLOEXEC = 0x80000;
    const int LOCK_EX = 2, LOCK_NB = 4, EWOULDBLOCK = 11, EINTR = 4;

    /// <summary>No check at all (a plan for another machine, a library caller).</summary>
    public static DevdaxClaims None { get; } = new([], null, keep: false);

    readonly IReadOnlyList<MappedFile> mapped;
    readonly SysfsTree? tree;
    readonly bool keep;

    DevdaxClaims(IReadOnlyList<MappedFile> mapped, SysfsTree? tree, bool keep) => (this.mapped, this.tree, this.keep) = (mapped, tree, keep);

    /// <summary>Reads which devdax devices of <paramref name="host"/> are mapped now. <paramref name="keep"/>: a real start,
    /// whose claims stay held into QEMU; otherwise a claim is only tried (a dry run shows what a start would choose).</summary>
    public static DevdaxClaims Read(SysfsTree tree, HostTopology host, bool keep)
    {
        ArgumentNullException.ThrowIfNull(host);
        var devices = host.Dax.Where(d => d.Mode == DaxMode.Devdax).Select(d => d.DevicePath).ToHashSet(StringComparer.Ordinal);
        return new DevdaxClaims(ProcessMaps.Find(tree, devices), tree, keep);
    }

    /// <summary>The first of <paramref name="candidates"/> (free on this command line, large enough, in order) that no
    /// other process uses, claimed; a UserError when every one is in use.</summary>
    public DaxDevice Choose(string backend, IReadOnlyList<DaxDevice> candidates, List<string> why)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(why);
        var busy = new List<string>();
        foreach (var d in candidates)
        {
            var users = mapped.Where(m => m.Path == d.DevicePath).Select(m => $"pid {m.Pid} ({m.Command})").ToList();
            if (users.Count > 0) busy.Add($"{d.DevicePath} mapped by {string.Join(", ", users)}");
            else if (!TryClaim(d)) busy.Add($"{d.DevicePath} claimed by another hostmem qemu");
            else
            {
                if (busy.Count > 0) why.Add($"in use by another process: {string.Join("; ", busy)}");
                return d;
            }
        }
        throw new UserError($"{backend}: every devdax device that fits is in use by another process ({string.Join("; ", busy)})",
            "stop the VM that uses it, give another device with mem-path=, or make another devdax device (daxctl create-device)");
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(int fd, int operation);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    /// <summary>False only when another process holds the device's lock. A folder that cannot be opened (a recorded
    /// tree unpacked and gone) cannot be claimed by anyone else either.</summary>
    bool TryClaim(DaxDevice d)
    {
        if (tree is null) return true;
        // The device's folder in the tree read (/sys/bus/dax/devices/daxX.Y on a live host): one lock for every hostmem.
        int fd = Open(tree.Sys(Path.Combine("bus", "dax", "devices", d.Name)), O_RDONLY | O_DIRECTORY | (keep ? 0 : O_CLOEXEC)); // kept: no O_CLOEXEC, QEMU inherits it
        if (fd < 0) return true;
        while (true)
        {
            if (Flock(fd, LOCK_EX | LOCK_NB) == 0) break;
            int errno = Marshal.GetLastPInvokeError();
            if (errno == EINTR) continue;
            Close(fd);
            return errno != EWOULDBLOCK;
        }
        if (!keep) Close(fd); // a dry run: the device was free a moment ago
        return true; // kept: the descriptor is never closed by hostmem; exec hands it to QEMU
    }
}
