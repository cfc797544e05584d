using Hostmem.Sysfs;
using Hostmem.Topology;

namespace Hostmem.Probe;

/// <summary>Enough of the host to tell whether a figures file was measured on it: names, ids, CPUs and nodes.</summary>
public sealed record HostIdentity(string? Hostname, string? MachineId, string? BootId, string? Kernel, int CpuCount, IReadOnlyList<int> NodeIds)
{
    /// <summary>The CPUs the kernel lists under the nodes (online CPUs), the only count a topology snapshot and a file share.</summary>
    public static int CpuCountOf(HostTopology host) => host.Nodes.Sum(n => n.Cpus.Count);

    public static HostIdentity Read(SysfsTree tree, HostTopology host) => new(
        tree.ReadProc("sys/kernel/hostname"),
        tree.ReadText("/etc/machine-id"),
        tree.ReadProc("sys/kernel/random/boot_id"),
        tree.ReadProc("sys/kernel/osrelease"),
        CpuCountOf(host),
        [.. host.Nodes.Select(n => n.Id)]);
}
