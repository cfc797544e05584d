using Xunit;

namespace Hostmem.Tests.Support;

/// <summary>
/// libvirt's own QEMU driver, run in process by virsh through <c>qemu:///embed?root=DIR</c> (no daemon, no system socket,
/// state in a private folder). libvirt checks a memnode's nodeset against the host's NUMA nodes (this machine has node 0
/// only), so virsh runs in a private mount namespace where the recorded host's <c>sys/devices/system/node</c> is bound
/// over the real one: libvirt then sees the recorded host's nodes, as on that host. Needs root (unshare -m, mount).
/// </summary>
public static class LibvirtQemuDriver
{
    const string Driver = "/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so";
    static readonly Lazy<string> Root = new(() => Scratch.Folder("hostmem-libvirt-embed-"));
    static readonly Lock Gate = new(); // one embedded driver per root at a time

    /// <summary>Why the driver cannot run here; null when it can.</summary>
    public static string? Missing =>
        !Programs.Exists("virsh") ? "virsh is not installed (lab/install-deps installs libvirt-clients)"
        : !File.Exists(Driver) ? "libvirt's QEMU driver is not installed (lab/install-deps installs libvirt-daemon-driver-qemu)"
        : !Programs.Exists("qemu-system-x86_64") ? "qemu-system-x86_64 is not installed"
        : !Programs.Exists("unshare") ? "unshare is missing"
        : Environment.UserName != "root" ? "needs root: a private mount namespace shows libvirt the recorded host's NUMA nodes"
        : null;

    /// <summary>virsh domxml-to-native qemu-argv, as argv (its environment assignments dropped).</summary>
    public static string[] ToNative(string domainXml, string hostTree) => ShellWords.Split(Virsh(hostTree, $"domxml-to-native qemu-argv {Quote(domainXml)}"))
        .SkipWhile(w => w.Contains('=', StringComparison.Ordinal) && !w.StartsWith('-')).ToArray();

    /// <summary>Defines the domain in the embedded driver and dumps it back: libvirt's own formatting of the XML.</summary>
    public static string DefineAndDump(string domainXml, string hostTree, string name)
    {
        string output = Virsh(hostTree, $"define {Quote(domainXml)}; dumpxml --inactive {Quote(name)}; undefine {Quote(name)}");
        int start = output.IndexOf("<domain", StringComparison.Ordinal), end = output.LastIndexOf("</domain>", StringComparison.Ordinal);
        return output[start..(end + "</domain>".Length)] + "\n";
    }

    public static string Version() => RunChecked("virsh", "--version").Trim();

    /// <summary>virsh commands (separated by ';') against the embedded driver, seeing the recorded host's NUMA nodes; their output.</summary>
    public static string Virsh(string hostTree, string commands)
    {
        string nodes = Path.Combine(hostTree, "sys", "devices", "system", "node");
        lock (Gate)
            return RunChecked("unshare", "-m", "--propagation", "private", "sh", "-c",
                "mount --bind \"$1\" /sys/devices/system/node && exec virsh -q -c \"qemu:///embed?root=$2\" \"$3\"",
                "sh", nodes, Root.Value, commands);
    }

    static string RunChecked(string file, params string[] args) => Tool.Output(file, args);

    static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}

/// <summary>A test that runs libvirt's QEMU driver (see <see cref="LibvirtQemuDriver"/>): skipped with the reason when it cannot.</summary>
public sealed class NeedsLibvirtQemuFactAttribute : FactAttribute
{
    public NeedsLibvirtQemuFactAttribute()
    {
        Skip = Prerequisites.Skip(LibvirtQemuDriver.Missing);
    }
}

public sealed class NeedsLibvirtQemuTheoryAttribute : TheoryAttribute
{
    public NeedsLibvirtQemuTheoryAttribute()
    {
        Skip = Prerequisites.Skip(LibvirtQemuDriver.Missing);
    }
}
