using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json;
using Hostmem.Cli.Output;
using Hostmem.Export;
using Hostmem.Lint;
using Hostmem.Planning;
using Hostmem.Qemu;
using Hostmem.Sysfs;

namespace Hostmem.Cli;

/// <summary>`hostmem lint -- QEMU ARGS...`: the traps of tiered guest memory, found before QEMU starts.</summary>
public static class LintCommand
{
    // Messages quote QEMU options ('...'): keep the quotes readable instead of \u0027 (still valid JSON).
    static readonly JsonSerializerOptions Readable = new(LintJson.Default.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = LintJson.Default,
    };

    public static Command Create()
    {
        var sysfs = CommonOptions.Sysfs();
        var format = CommonOptions.Format();
        var json = CommonOptions.Json();
        var cpus = new Option<string?>("--cpus")
        {
            Description = "The CPUs QEMU will run on (e.g. 0-47,96-143), for the distance check; default: this process's affinity (proc/self/status Cpus_allowed_list).",
            HelpName = "LIST",
        };
        var figures = new Option<string?>("--figures")
        {
            Description = "Figures 'hostmem probe --output FILE' measured on this host: your hmat-lb entries are checked against them where they measure the memory (firmware's elsewhere), as 'hostmem qemu --figures' would fill them in.",
            HelpName = "FILE",
        };
        var noHost = new Option<bool>("--no-host") { Description = "Skip the checks against the host (host-nodes= that do not exist, are too small or far): lint a line meant for another machine." };
        var qemu = new Argument<string[]>("QEMU_BINARY ARG...")
        {
            Description = "The QEMU command line, after '--', exactly as you would run it.",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("lint",
            """
            Check a QEMU command line for the traps of tiered guest memory before QEMU starts: a backend that is both
            a guest NUMA node and a cxl-type3 device's memory, emulated CXL memory used as RAM (and under KVM),
            HMAT entries that leave the guest kernel with one memory tier or put a node into another tier than the
            host's figures for its memory (firmware's, or --figures measured ones), distance tables and node memory QEMU
            refuses, and host-nodes= that do not exist, are offline, empty, too small or far from QEMU's CPUs.

            Each finding has a code, a severity, the argument it concerns (argv[N], the program is argv[0]), why it
            matters and how to fix it, and says whether QEMU itself would refuse the line or start silently with
            it. 'hostmem qemu' runs the same checks on the line it execs. docs/lint.md describes every code.

            Exit status: 0 no findings, 1 findings (warnings or errors), 2 bad input (e.g. a malformed option).

            Examples:
              hostmem lint -- qemu-system-x86_64 -M q35,hmat=on -m 8G -smp 4 \
                -object memory-backend-ram,id=ram0,size=4G -numa node,nodeid=0,cpus=0-3,memdev=ram0 \
                -object memory-backend-ram,id=cxl0,size=4G,host-nodes=2,policy=bind -numa node,nodeid=1,memdev=cxl0,initiator=0 \
                -numa hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=access-latency,latency=270
                (finds: node 0 has no latency and bandwidth to itself and node 1 no bandwidth, so the guest keeps
                both in one tier; and whether host node 2 exists and holds 4G)
              hostmem lint --cpus 0-47 --format json -- qemu-system-x86_64 ... | jq '.findings[] | select(.qemu_accepts)'
              hostmem lint --no-host -- qemu-system-x86_64 ...          (a line for another host)
              hostmem lint --sysfs tests/fixtures/two-socket-cxl.tar.gz --cpus 0 -- qemu-system-x86_64 ...
              hostmem lint --figures host-figures.json -- qemu-system-x86_64 ...
                (hmat-lb-host-differs: your hmat-lb figures against what 'hostmem probe --output host-figures.json'
                measured for the host nodes each guest node's memory is bound to)
            """)
        {
            sysfs, cpus, figures, noHost, format, json, qemu,
        };
        command.SetAction(parse =>
        {
            var argv = parse.GetValue(qemu) ?? [];
            int dash = parse.Tokens.ToList().FindIndex(t => t.Type == TokenType.DoubleDash);
            if (dash < 0 || parse.Tokens.Count - dash - 1 != argv.Length)
                throw new UserError(dash < 0 ? "no '--' before the QEMU command line" : "words between 'hostmem lint' and '--' that are not hostmem options",
                    "write hostmem's options, then '--', then the QEMU command line: hostmem lint -- qemu-system-x86_64 -m 8G ...");
            var cmd = QemuCommandLine.Parse(argv);
            if (HelpRequest.Find(cmd) is { } help)
            {
                // QEMU prints the help and starts nothing: nothing to lint, nothing wrong.
                Console.Error.WriteLine($"hostmem: {help.Display} asks QEMU for help: nothing to lint");
                return 0;
            }
            string? cpuText = parse.GetValue(cpus);
            string root = parse.GetValue(sysfs)!;
            string? figuresFile = parse.GetValue(figures);
            if (figuresFile is not null && parse.GetValue(noHost))
                throw new UserError("--figures with --no-host: measured figures are checked against the host's nodes and CPUs",
                    "drop --no-host (and give --sysfs for another host's recorded tree), or drop --figures");
            HostInput? input = parse.GetValue(noHost) ? null : HostInput.Read(root, cpuText);
            var options = input?.Options ?? (cpuText is null ? PlanOptions.Default : new PlanOptions(HostInput.ParseCpus(cpuText), "--cpus"));
            if (figuresFile is not null) options = options with { Measured = Hostmem.Probe.MeasuredFigures.Load(figuresFile, input!.Host.Host) };
            var findings = QemuLinter.Lint(cmd, input?.Host, options);

            if (parse.GetValue(json) || parse.GetValue(format) == "json")
            {
                var report = LintReport.Build(findings, Program.Version, input is null ? null : root, options.Cpus, options.CpusSource);
                Console.Out.WriteLine(JsonSerializer.Serialize(report, Readable.GetTypeInfo(typeof(LintReport))));
            }
            else
            {
                string what = input is null ? "host checks off (--no-host)"
                    : $"host {root}, CPUs {(options.Cpus is null ? "all" : CpuList.Format(options.Cpus))} ({options.CpusSource})"
                      + (figuresFile is null ? "" : $", figures measured in {figuresFile}");
                LintOutput.WriteBlocks(Terminal.Stdout(), findings, what);
            }
            return findings.Any(QemuLinter.Counts) ? 1 : 0;
        });
        return command;
    }
}
