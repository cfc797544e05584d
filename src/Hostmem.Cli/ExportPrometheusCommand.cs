using System.CommandLine;
using Hostmem.Export;

namespace Hostmem.Cli;

/// <summary>`hostmem export prometheus`: node_exporter textfile metrics of the host's nodes and its running QEMUs.</summary>
public static class ExportPrometheusCommand
{
    public static Command Create()
    {
        var sysfs = CommonOptions.Sysfs();
        var output = ExportCommand.Output("/var/lib/prometheus/node-exporter/hostmem.prom");
        var proc = new Option<string>("--proc")
        {
            Description = "Find running QEMUs under this procfs instead of /proc (in a container: the host's /proc, mounted with hostPID).",
            DefaultValueFactory = _ => "/proc",
            HelpName = "DIR",
        };
        var timeout = new Option<string>("--timeout")
        {
            Description = "Seconds to wait for each QEMU's QMP socket (from its command line); without an answer its backends come from its command line.",
            DefaultValueFactory = _ => "2",
            HelpName = "SECONDS",
        };
        var command = new Command("prometheus",
            """
            Write Prometheus metrics (text exposition format) for node_exporter's textfile collector
            (--collector.textfile.directory): the host's NUMA nodes, and where each running QEMU's memory is.

            Per host node, labels node, type (dram, cxl-ram, ...) and tier (the kernel's memory tier, or none):
              hostmem_node_memory_capacity_bytes       MemTotal of the node
              hostmem_node_memory_free_bytes           MemFree of the node
              hostmem_node_latency_seconds             HMAT latency from the nearest CPUs (access=read|write, source=hmat)
              hostmem_node_bandwidth_bytes_per_second  HMAT bandwidth (MB/s read as 2^20 bytes/s), same labels
            Per running QEMU (found in /proc as 'hostmem status --pid' reads one), labels vm (its -name, libvirt's
            guest name) and pid, and backend (the memory backend's id):
              hostmem_vm_backend_resident_bytes        resident bytes on each host node (label node)
              hostmem_vm_backend_outside_bytes         bytes on nodes outside the backend's host-nodes
              hostmem_vm_backend_size_bytes            the backend's size
              hostmem_vm_unreadable                    QEMUs that could not be read (no permission, ended)

            Reads only; needs the right to read the QEMUs' /proc files (root, or their user). QMP is asked only
            query-memdev and 'info ramblock', and only where the command line names a socket; libvirt's QEMUs are
            read from their command line (libvirt holds their only QMP connection).

            Exit status: 0 written, 2 bad input (nothing written).

            Examples:
              hostmem export prometheus
              hostmem export prometheus --output /var/lib/prometheus/node-exporter/hostmem.prom
              hostmem export prometheus --sysfs tests/fixtures/two-socket-cxl.tar.gz     (a recorded host, this host's QEMUs)
            """)
        {
            sysfs, output, proc, timeout,
        };
        command.SetAction(parse =>
        {
            var wait = ExportCommand.Seconds(parse.GetValue(timeout)!, "--timeout", 60);
            var host = HostInput.Read(parse.GetValue(sysfs)!, null).Host;
            string procRoot = parse.GetValue(proc)!;
            if (!Directory.Exists(procRoot)) throw new UserError($"--proc {procRoot}: no such folder", "give a procfs, e.g. --proc /proc (the default)");
            var text = new PrometheusText();
            HostMetrics.Write(text, host);
            VmMetrics.Write(text, VmReading.ReadAll(wait, procRoot));
            OutputFile.Write(parse.GetValue(output), text.ToString());
            return 0;
        });
        return command;
    }
}
