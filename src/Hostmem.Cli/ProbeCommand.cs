using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Hostmem.Cli.Output;
using Hostmem.Discovery;
using Hostmem.Export;
using Hostmem.Planning;
using Hostmem.Probe;
using Hostmem.Qemu;
using Hostmem.Sysfs;
using Hostmem.Topology;

namespace Hostmem.Cli;

/// <summary>`hostmem probe`: measure each initiator/target node pair's idle latency and read/write bandwidth.</summary>
public static class ProbeCommand
{
    public static Command Create()
    {
        var nodes = new Option<string?>("--nodes") { Description = "Target nodes to measure (memory); default: every node with memory.", HelpName = "LIST" };
        var initiators = new Option<string?>("--initiators") { Description = "Initiator nodes whose CPUs run the loads; default: every node with CPUs.", HelpName = "LIST" };
        var quick = new Option<bool>("--quick") { Description = "Shorter sampling: under 1 s a pair, figures a few percent noisier." };
        var thorough = new Option<bool>("--thorough") { Description = "Longer sampling and a buffer of at least 1 GiB: steadier figures, several seconds a pair." };
        var buffer = new Option<string?>("--buffer")
        {
            Description = "Buffer size per pair (e.g. 512M, 2G); default: 4x the initiator's last-level cache from sysfs, at least 256 MiB (1 GiB with --thorough).",
            HelpName = "SIZE",
        };
        var maxShare = new Option<string>("--max-share")
        {
            Description = "The most of a target node's free memory one buffer may take, in percent; a larger buffer is refused for that pair.",
            DefaultValueFactory = _ => "50",
            HelpName = "PERCENT",
        };
        var output = new Option<string?>("--output") { Description = "Also write the JSON to FILE (for --figures), whatever --format shows on stdout.", HelpName = "FILE" };
        var format = CommonOptions.Format();
        var json = CommonOptions.Json();
        var command = new Command("probe",
            """
            Measure the memory of this host: for each initiator node (a node with CPUs) and each target node (a node
            with memory), the idle read latency and the read and write bandwidth, as Intel MLC's latency and
            bandwidth matrices do, beside the firmware's HMAT figures where the host has any (and their ratio, so
            wrong firmware shows at a glance).

            Latency: a thread pinned to one CPU of the initiator follows a random cyclic chain through every cache
            line of a buffer at least 4x the last-level cache, bound to the target node (mbind MPOL_BIND) on
            transparent huge pages where the kernel grants them (the output says how much it did). Bandwidth: a
            thread per CPU of the initiator, vector loads (read) and non-temporal stores (write), best round.
            Bandwidth is in MB/s as the kernel's HMAT figures and QEMU's bandwidth=NM: 2^20 bytes per second.
            Write latency is not measured (no honest dependent chain exists for stores); readers use the read one.

            Needs no root. Each pair's buffer may take at most --max-share of the target's free memory; a pair that
            cannot get its memory or CPUs (node full, cpuset, mbind refused) is one line on stderr and the rest
            go on. Progress shows on a terminal only; Ctrl-C stops cleanly and writes nothing.

            Exit status: 0 every pair measured, 1 some pair could not be, 2 bad input, 130 interrupted.

            Examples:
              hostmem probe
              hostmem probe --nodes 0,2 --initiators 0 --quick
              hostmem probe --output host-figures.json      (table on stdout, the JSON for --figures in the file)
              hostmem probe --format json | jq '.measurements[] | {initiator_node, target_node, read_latency_ns}'
              hostmem topology --figures host-figures.json  (measured beside firmware figures)
            """)
        {
            nodes, initiators, quick, thorough, buffer, maxShare, output, format, json,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(quick) && parse.GetValue(thorough))
                throw new UserError("--quick and --thorough contradict each other", "give one of them, or neither for the default");
            var mode = parse.GetValue(quick) ? ProbeMode.Quick : parse.GetValue(thorough) ? ProbeMode.Thorough : ProbeMode.Default;
            var bufferBytes = parse.GetValue(buffer) is { } b ? ParseBuffer(b) : (ulong?)null;
            var share = ParseShare(parse.GetValue(maxShare)!);
            var outputPath = parse.GetValue(output);
            if (outputPath is not null) CheckWritable(outputPath);

            var tree = SysfsTree.Open("/sys");
            var host = TopologyReader.Read(tree);
            var request = new ProbeRequest(
                NodeList(parse.GetValue(initiators), "--initiators", host, n => n.HasCpus, "has no CPUs") ?? [.. host.Nodes.Where(n => n.HasCpus).Select(n => n.Id)],
                NodeList(parse.GetValue(nodes), "--nodes", host, n => n.HasMemory, "has no memory") ?? [.. host.Nodes.Where(n => n.HasMemory).Select(n => n.Id)],
                mode, bufferBytes, share, ProcessAffinity.Read(tree).Cpus);
            if (request.Initiators.Count == 0 || request.Targets.Count == 0)
                throw new UserError("this host shows no node with both CPUs and memory to measure", "check 'hostmem topology'");

            var results = Measure(new MemoryProber(host, tree), request);
            if (results is null) return 130;
            var report = ProbeReportBuilder.Build(host, HostIdentity.Read(tree, host), request, results, Program.Version);
            var jsonText = JsonSerializer.Serialize(report, ProbeJson.Default.ProbeReport);
            if (outputPath is not null) WriteAtomically(outputPath, jsonText + "\n");
            foreach (var r in report.Refusals)
            {
                Console.Error.WriteLine($"hostmem: node{r.InitiatorNode} -> node{r.TargetNode}: {r.Reason}");
                Console.Error.WriteLine($"hint: {r.Hint}");
            }
            if (parse.GetValue(json) || parse.GetValue(format) == "json") Console.Out.WriteLine(jsonText);
            else ProbeTable.Write(Terminal.Stdout(), report);
            return report.Refusals.Count > 0 ? 1 : 0;
        });
        return command;
    }

    /// <summary>Runs the probe with a progress line on a terminal; null when Ctrl-C stopped it (after freeing its memory).</summary>
    static IReadOnlyList<PairResult>? Measure(MemoryProber prober, ProbeRequest request)
    {
        using var cancel = new CancellationTokenSource();
        // A signal handler, not Console.CancelKeyPress: that one sets the terminal up and writes its keypad-mode escape
        // sequence to it, even with NO_COLOR.
        using var onCtrlC = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT,
            c => { c.Cancel = true; cancel.Cancel(); });
        var progress = Output.Progress.OnTerminal();
        try
        {
            return prober.Run(request, p => progress.Show(
                $"probe: node{p.Initiator} -> node{p.Target} ({p.Pair}/{p.Pairs}): {p.Phase} {p.Fraction * 100:0}%"), cancel.Token);
        }
        catch (OperationCanceledException)
        {
            progress.Clear();
            Console.Error.WriteLine("hostmem: probe interrupted; nothing written");
            return null;
        }
        finally
        {
            progress.Clear();
        }
    }

    static IReadOnlyList<int>? NodeList(string? text, string option, HostTopology host, Func<NumaNode, bool> usable, string unusable)
    {
        if (text is null) return null;
        var ids = CpuList.TryParse(text) is { Count: > 0 } list ? list
            : throw new UserError($"{option} {text}: not a node list", $"write it as the kernel does, e.g. {option} 0-1,3");
        foreach (var id in ids)
        {
            var node = host.Node(id) ?? throw new UserError($"{option}: node {id} does not exist on this host (nodes: {CpuList.Format(host.Nodes.Select(n => n.Id))})",
                "see 'hostmem topology' for the host's nodes");
            if (!usable(node)) throw new UserError($"{option}: node {id} {unusable}", $"leave node {id} out of {option}; see 'hostmem topology'");
        }
        return ids;
    }

    static ulong ParseBuffer(string text)
    {
        const ulong huge = 2UL << 20;
        var bytes = QemuSize.TryParse(text) ?? throw new UserError($"--buffer {text}: not a size", "give bytes with a suffix, e.g. --buffer 512M or --buffer 2G");
        if (bytes < 16 * huge)
            throw new UserError($"--buffer {text}: smaller than 32 MiB, the probe would measure the caches", "give at least 4x the last-level cache, e.g. --buffer 512M");
        return (bytes + huge - 1) / huge * huge;
    }

    static double ParseShare(string text) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var p) && p > 0 && p <= 100 ? p / 100
            : throw new UserError($"--max-share {text}: not a percentage", "give a number above 0 and at most 100, e.g. --max-share 80");

    /// <summary>Fails before measuring, not after, when the output file cannot be written.</summary>
    static void CheckWritable(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (Directory.Exists(path)) throw new UserError($"--output {path}: a directory", "give a file name, e.g. --output figures.json");
        if (!Directory.Exists(dir)) throw new UserError($"--output {path}: no such directory {dir}", "create the directory, or write the file elsewhere");
        if (!NativeExec.CanWrite(dir)) throw new UserError($"--output {path}: cannot create files in {dir}", "write the file in a directory you may write to");
    }

    /// <summary>A temporary file beside the target, renamed over it: a reader never sees half a file.</summary>
    static void WriteAtomically(string path, string text)
    {
        var temp = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            File.WriteAllText(temp, text);
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(temp);
            throw new UserError($"--output {path}: cannot write it ({e.Message.Split('\n')[0]})", "write the file where there is room and permission");
        }
    }
}
