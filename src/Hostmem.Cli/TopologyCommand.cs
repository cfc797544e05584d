using System.CommandLine;
using System.Text.Json;
using Hostmem.Classification;
using Hostmem.Cli.Output;
using Hostmem.Export;
using Hostmem.Probe;

namespace Hostmem.Cli;

/// <summary>`hostmem topology`: what memory this host has, what kind each node is, and why.</summary>
public static class TopologyCommand
{
    public static Command Create()
    {
        var sysfs = CommonOptions.Sysfs();
        var format = CommonOptions.Format();
        var json = CommonOptions.Json();
        var figures = new Option<string?>("--figures")
        {
            Description = "A 'hostmem probe' JSON file: show its measured latency and bandwidth beside the firmware's figures.",
            HelpName = "FILE",
        };
        var check = new Option<bool>("--check") { Description = "Exit 1 when there is a finding of warning level (a gate for scripts); without it a report that was printed exits 0." };
        var command = new Command("topology",
            """
            Discover and explain the host's memory: every NUMA node with its type (dram, cxl-ram, cxl-pmem,
            hbm, pmem, spm), kernel memory tier, CPUs, size, HMAT latency and bandwidth and the device behind
            it; then CXL regions, DAX devices, and findings with what to do about each.

            Reads only. Firmware-onlined CXL memory is recognised from the CXL windows (root decoders,
            /proc/iomem or the ACPI CEDT); without them hostmem says 'unknown' rather than guess.

            Exit status: 0 the report was printed (findings are in it), 2 bad input (e.g. --sysfs is not a sysfs
            tree). With --check: 1 when a finding is of warning level (e.g. CXL capacity not usable), so scripts can
            gate on it; 'hostmem topology --format json | jq ...' stays a success under 'set -o pipefail' without it.

            Examples:
              hostmem topology
              hostmem topology --format json | jq '.nodes[] | {node, type, tier}'
              hostmem topology --sysfs tests/fixtures/cxl-ram-kmem   (a recorded tree)
              hostmem topology --figures host-figures.json   (measured by 'hostmem probe --output host-figures.json')
              hostmem topology --check > /dev/null || echo "this host has memory findings"
            """)
        {
            sysfs, format, json, check, figures,
        };
        command.SetAction(parse =>
        {
            var analysed = ClassifiedHost.Discover(parse.GetValue(sysfs)!);
            var shownRoot = parse.GetValue(sysfs)!;
            var measured = parse.GetValue(figures) is { } file ? MeasuredReport.From(MeasuredFigures.Load(file, analysed.Host, LiveMachineId(shownRoot)), analysed.Host) : null;
            if (parse.GetValue(json) || parse.GetValue(format) == "json")
            {
                var report = TopologyReportBuilder.Build(analysed.Host, analysed.Classes, analysed.Diagnostics, Program.Version, shownRoot) with { Measured = measured };
                StandardStreams.WriteJsonLine(w => TopologyJson.Write(w, report), TopologyJson.Options, 65536);
            }
            else
            {
                TopologyTable.Write(Terminal.Stdout(), analysed, measured);
            }
            return parse.GetValue(check) && analysed.Diagnostics.Any(d => d.Severity >= Severity.Warning) ? 1 : 0;
        });
        return command;
    }

    /// <summary>This machine's id, only when reading the live host (a recorded tree is another machine).</summary>
    static string? LiveMachineId(string sysfs) =>
        Path.GetFullPath(sysfs).TrimEnd('/') == "/sys" && File.Exists("/etc/machine-id") ? File.ReadAllText("/etc/machine-id").Trim() : null;
}
