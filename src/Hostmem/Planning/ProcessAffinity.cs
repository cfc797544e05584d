using Hostmem.Sysfs;

namespace Hostmem.Planning;

/// <summary>
/// The CPUs and memory nodes this process may use, as taskset/numactl/cgroups left them before hostmem: QEMU, started by
/// execve, inherits exactly these. Read from <c>proc/self/status</c> beside the sysfs root (for a recorded tree, the
/// tree's own <c>proc/self/status</c> stands in).
/// </summary>
public static class ProcessAffinity
{
    public const string StatusSource = "proc/self/status Cpus_allowed_list";

    /// <summary>Reads <c>Cpus_allowed_list</c> and <c>Mems_allowed_list</c> from the procfs beside <paramref name="tree"/>;
    /// both null when absent or garbled.</summary>
    public static PlanOptions Read(SysfsTree tree)
    {
        ArgumentNullException.ThrowIfNull(tree);
        return Parse(tree.ReadProc(Path.Combine("self", "status")));
    }

    /// <summary>Parses the text of /proc/self/status.</summary>
    public static PlanOptions Parse(string? status)
    {
        IReadOnlyList<int>? cpus = null, mems = null;
        foreach (var line in (status ?? "").Split('\n'))
        {
            int colon = line.IndexOf(':');
            if (colon < 0) continue;
            var key = line[..colon];
            if (key == "Cpus_allowed_list") cpus = CpuList.TryParse(line[(colon + 1)..]) is { Count: > 0 } c ? c : null;
            else if (key == "Mems_allowed_list") mems = CpuList.TryParse(line[(colon + 1)..]) is { Count: > 0 } m ? m : null;
        }
        return new PlanOptions(cpus, cpus is null ? "unknown: no proc/self/status" : StatusSource, mems);
    }
}
