using System.Globalization;
using Hostmem.Status;

namespace Hostmem.Export;

/// <summary>
/// Running QEMUs as Prometheus gauges, labelled vm (the VM's -name, libvirt's guest name) and pid: each backend's
/// resident bytes per host node, the bytes outside the backend's host nodes, and its size; plus how many QEMUs could not
/// be read. A backend without an id (no QMP, mapping found by its policy) is named by its address.
/// </summary>
public static class VmMetrics
{
    public static void Write(PrometheusText text, IReadOnlyList<VmReading> vms)
    {
        var read = vms.Where(v => v.Report is not null).ToList();
        text.Gauge("hostmem_vm_backend_resident_bytes", "Resident bytes of a running QEMU's memory backend on a host NUMA node (/proc/PID/numa_maps).");
        foreach (var (vm, b) in Backends(read))
            foreach (var share in b.Nodes)
                text.Sample(share.Bytes, [.. Labels(vm, b), ("node", share.Node.ToString(CultureInfo.InvariantCulture))]);
        text.Gauge("hostmem_vm_backend_outside_bytes",
            "Resident bytes of a running QEMU's memory backend on host nodes outside its host-nodes (0 when every page is where it was asked to be).");
        foreach (var (vm, b) in Backends(read).Where(x => x.Backend.Match != BackendMatch.Unmatched)) text.Sample(b.OutsideBytes, Labels(vm, b));
        text.Gauge("hostmem_vm_backend_size_bytes", "Size of a running QEMU's memory backend (QMP query-memdev, or its command line, or its mapping).");
        foreach (var (vm, b) in Backends(read).Where(x => x.Backend.SizeBytes is not null)) text.Sample(b.SizeBytes!.Value, Labels(vm, b));
        text.Gauge("hostmem_vm_unreadable", "Running QEMU processes whose memory placement could not be read (permission, or the process ended).");
        text.Sample(vms.Count(v => v.Report is null));
    }

    static IEnumerable<(RunningQemu Vm, BackendPlacement Backend)> Backends(List<VmReading> read) =>
        read.SelectMany(v => v.Report!.Backends.Select(b => (v.Qemu, b)));

    static (string, string)[] Labels(RunningQemu vm, BackendPlacement b) =>
    [
        ("vm", vm.Name),
        ("pid", vm.Pid.ToString(CultureInfo.InvariantCulture)),
        ("backend", b.Id ?? (b.HostAddress is { } a ? $"0x{a:x}" : "unknown")),
    ];
}
