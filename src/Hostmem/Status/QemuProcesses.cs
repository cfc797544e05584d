using System.Globalization;
using Hostmem.Qemu;

namespace Hostmem.Status;

/// <summary>A QEMU running on the host: its PID and the VM's name (<c>-name</c>, which is also how libvirt names the
/// guest: <c>-name guest=NAME,debug-threads=on</c>); the name is empty when QEMU was started without one.</summary>
public sealed record RunningQemu(int Pid, string Name);

/// <summary>
/// Finds the QEMU processes under /proc (a root the tests may replace) as <c>hostmem status --pid</c> recognises one:
/// a process whose program is a qemu-system (or a distribution's qemu-kvm). Reading a process's cmdline needs no
/// privilege; a process that ends while it is read is skipped.
/// </summary>
public static class QemuProcesses
{
    public static IReadOnlyList<RunningQemu> Find(string procRoot = "/proc")
    {
        var found = new List<RunningQemu>();
        foreach (var dir in Directory.EnumerateDirectories(procRoot))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) continue;
            IReadOnlyList<string> argv;
            try { argv = new ProcessFiles(pid, procRoot).CommandLine(); }
            catch (UserError) { continue; } // ended, or a kernel thread's empty cmdline
            if (argv.Count == 0 || !IsQemu(argv[0])) continue;
            found.Add(new RunningQemu(pid, VmName(argv)));
        }
        return [.. found.OrderBy(q => q.Pid)];
    }

    /// <summary>qemu-system-x86_64, qemu-system-aarch64, ... and qemu-kvm (RHEL's /usr/libexec/qemu-kvm).</summary>
    public static bool IsQemu(string program)
    {
        var name = Path.GetFileName(program);
        return name.StartsWith("qemu-system-", StringComparison.Ordinal) || name == "qemu-kvm";
    }

    /// <summary>The VM's name from <c>-name [guest=]NAME[,process=...][,debug-threads=on]</c> (QEMU's qemu-options.hx);
    /// empty without one.</summary>
    public static string VmName(IReadOnlyList<string> argv)
    {
        try
        {
            var line = QemuCommandLine.Parse(argv);
            var name = line.Find("name").Select(f => f.Argument.Value).LastOrDefault(v => v is not null);
            if (name is null) return "";
            return OptionString.Parse(name, QemuOptionSyntax.QemuOpts, "guest").Get("guest") ?? "";
        }
        catch (UserError)
        {
            return ""; // a line QEMU would not have parsed either: no name to show
        }
    }
}
