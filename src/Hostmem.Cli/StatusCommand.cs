using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Hostmem.Cli.Output;
using Hostmem.Status;

namespace Hostmem.Cli;

/// <summary>`hostmem status --pid PID | --qmp SOCKET`: where a running QEMU's backend memory really is, per host node.</summary>
public static class StatusCommand
{
    public static Command Create()
    {
        var pid = new Option<string?>("--pid") { Description = "The QEMU process to look at.", HelpName = "PID" };
        var qmp = new Option<string?>("--qmp")
        {
            Description = "QEMU's QMP socket (the PATH of -qmp unix:PATH,server=on,wait=off); the PID is the socket's owner.",
            HelpName = "SOCKET",
        };
        var timeout = new Option<string>("--timeout")
        {
            Description = "Seconds to wait for QMP to connect, greet and answer (QEMU greets only after preallocating memory).",
            DefaultValueFactory = _ => "10",
            HelpName = "SECONDS",
        };
        var format = CommonOptions.Format();
        var json = CommonOptions.Json();
        var command = new Command("status",
            """
            Show where a running QEMU's memory really is: for each memory backend its id, size, policy and host
            nodes (QMP query-memdev), and its resident pages per host NUMA node (/proc/PID/numa_maps) in bytes
            and percent. Pages on a node outside the backend's host-nodes are flagged.

            --qmp SOCKET: the backends come from QMP; the process is the one listening on SOCKET.
            --pid PID: QEMU's QMP socket is taken from its command line (-qmp unix:..., or -chardev socket,path=...
            with -mon mode=control). Without one (or when it does not answer: QMP serves one client at a time,
            e.g. libvirt's), the backends come from the command line's -object memory-backend-* and are tied to
            mappings by size and policy; other mappings with an explicit policy (bind, prefer, interleave) are
            listed without an id.

            Backends are tied to mappings through QEMU's RAM blocks (HMP 'info ramblock' over QMP): a block's host
            address is where numa_maps shows the backend's mapping. A block named after the backend is exact; an
            unnamed one (cxl-type3 volatile-memdev) is tied by the memfd QEMU names after a share=on backend, else
            by size, then by size and policy; else the placement is reported unknown, never guessed. QEMU 7.2
            shows no block addresses: its backends are tied by their mapping's size. See docs/status.md.

            Reads only. Needs no more privilege than reading that process's /proc files (its user, or root) and
            connecting to its QMP socket; QMP is asked only query-memdev and 'info ramblock'.

            Exit status: 0 every page checked and on its backend's nodes, 1 pages outside their backend's host-nodes
            (or a mapping whose policy is not what QEMU asked for, or a backend whose placement is unknown), 2 bad input (no such process, not QEMU, no
            permission, not a QMP socket).

            Examples:
              hostmem status --qmp /run/vm1.qmp
              hostmem status --pid $(pgrep -nf 'qemu-system.*vm1')
              hostmem status --qmp /run/vm1.qmp --format json | jq '.backends[] | {id, nodes}'
              hostmem qemu -- qemu-system-x86_64 ... -qmp unix:/run/vm1.qmp,server=on,wait=off &
              hostmem status --qmp /run/vm1.qmp      (after 'hostmem qemu': is the memory on the CXL node?)
            """)
        {
            pid, qmp, timeout, format, json,
        };
        command.SetAction(parse =>
        {
            var pidText = parse.GetValue(pid);
            var socket = parse.GetValue(qmp);
            if (pidText is null && socket is null)
                throw new UserError("give --pid PID or --qmp SOCKET", "e.g. hostmem status --qmp /run/vm1.qmp, or hostmem status --pid $(pgrep -n qemu-system)");
            int? processId = null;
            if (pidText is not null)
            {
                if (!int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p <= 0)
                    throw new UserError($"--pid '{pidText}' is not a process id", "give a number, e.g. --pid $(pgrep -n qemu-system)");
                processId = p;
            }
            var timeoutText = parse.GetValue(timeout)!;
            if (!double.TryParse(timeoutText, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) || seconds <= 0 || seconds > 3600)
                throw new UserError($"--timeout '{timeoutText}' is not a number of seconds", "give seconds between 0 and 3600, e.g. --timeout 30");
            var report = QemuStatus.Read(processId, socket, TimeSpan.FromSeconds(seconds));
            if (parse.GetValue(json) || parse.GetValue(format) == "json")
                Console.Out.WriteLine(JsonSerializer.Serialize(ToJson(report), StatusJsonContext.Default.StatusJson));
            else
                StatusTable.Write(Terminal.Stdout(), report);
            return report.HasProblem || report.HasUnknownPlacement ? 1 : 0;
        });
        return command;
    }

    public static string MatchName(BackendMatch m) => m switch
    {
        BackendMatch.RamBlockName => "ramblock-name",
        BackendMatch.MemfdName => "memfd-name",
        BackendMatch.RamBlockSize => "ramblock-size",
        BackendMatch.RamBlockSizeAndPolicy => "ramblock-size-policy",
        BackendMatch.MappingSize => "mapping-size",
        BackendMatch.MappingSizeAndPolicy => "mapping-size-policy",
        BackendMatch.NumaMapsOnly => "numa-maps-only",
        _ => "unmatched",
    };

    public static string SourceName(BackendSource s) => s switch
    {
        BackendSource.Qmp => "qmp",
        BackendSource.CommandLine => "command-line",
        _ => "none",
    };

    public static StatusJson ToJson(QemuStatusReport r) => new(
        r.Pid, r.QmpSocket, r.QemuVersion, SourceName(r.Source), r.HasProblem,
        [.. r.Backends.Select(b => new BackendStatusJson(
            b.Id, b.SizeBytes, b.Policy, b.HostNodes, b.Prealloc, MatchName(b.Match),
            b.HostAddress is { } a ? $"0x{a:x}" : null, b.MappingPolicy?.ToString(), b.File, b.Huge, b.PageSizeBytes,
            b.ResidentBytes, b.SizeBytes is > 0 && b.Match != BackendMatch.Unmatched ? Math.Round(100.0 * b.ResidentBytes / b.SizeBytes.Value, 2) : null,
            [.. b.Nodes.Select(n => new NodeShareJson(n.Node, n.Bytes, n.Percent, n.Intended))],
            b.IntendedNodes, b.OutsideBytes, b.OutsideBytes > 0, b.PolicyMismatch, b.Notes))],
        r.Notes);
}

public sealed record NodeShareJson(int Node, ulong Bytes, double Percent, bool Intended);

public sealed record BackendStatusJson(
    string? Id, ulong? SizeBytes, string? Policy, IReadOnlyList<int> HostNodes, bool? Prealloc, string Match,
    string? HostAddress, string? MappingPolicy, string? File, bool Huge, ulong? PageSizeBytes,
    ulong ResidentBytes, double? ResidentPercent, IReadOnlyList<NodeShareJson> Nodes,
    IReadOnlyList<int> IntendedNodes, ulong OutsideBytes, bool PagesOutside, bool PolicyMismatch, IReadOnlyList<string> Notes);

public sealed record StatusJson(int Pid, string? QmpSocket, string? QemuVersion, string BackendsFrom, bool Problem,
    IReadOnlyList<BackendStatusJson> Backends, IReadOnlyList<string> Notes);

[JsonSourceGenerationOptions(GenerationMode = JsonSourceGenerationMode.Serialization, WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(StatusJson))]
internal sealed partial class StatusJsonContext : JsonSerializerContext;
