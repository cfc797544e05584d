using Hostmem.Classification;
using Hostmem.Planning;
using Hostmem.Qemu;

namespace Hostmem.Lint;

/// <summary>
/// Checks a QEMU command line for the traps of tiered guest memory (the seed thread's and the lab's): emulated CXL used as
/// RAM, HMAT that leaves the guest in one tier, NUMA layouts QEMU refuses, and host nodes that cannot hold what is bound
/// to them. Pure: a parsed command line (and, for the host checks, a classified host and the process's CPUs) in, findings
/// out, in command-line order. Malformed option arguments throw <see cref="UserError"/>.
/// </summary>
public static class QemuLinter
{
    static readonly Dictionary<string, int> RuleOrder = LintRules.All.Select((r, i) => (r.Code, i)).ToDictionary(x => x.Code, x => x.i, StringComparer.Ordinal);

    /// <param name="command">The command line as QEMU would get it.</param>
    /// <param name="host">The host QEMU will run on; null skips the checks that need one (<see cref="LintRule.NeedsHost"/>).</param>
    /// <param name="options">The CPUs QEMU may run on (for distances) and the cpuset's memory nodes; null: every CPU, every node.</param>
    public static IReadOnlyList<LintFinding> Lint(QemuCommandLine command, ClassifiedHost? host = null, PlanOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(command);
        var context = new LintContext(command, host, options ?? PlanOptions.Default);
        MemdevChecks.Run(context);
        ObjectChecks.Run(context);
        HugePageChecks.Run(context);
        MemoryChecks.Run(context);
        CxlChecks.Run(context);
        NumaChecks.Run(context);
        HmatChecks.Run(context);
        BackendChecks.Run(context);
        VirtioMemChecks.Run(context);
        if (host is not null) HostNodeChecks.Run(context);
        WeightedInterleaveChecks.Run(context);
        return [.. context.Findings.OrderBy(f => f.ArgumentIndex ?? int.MaxValue).ThenBy(f => RuleOrder[f.Code])];
    }

    /// <summary>Lints the line a plan writes, as 'hostmem qemu' does: against the host it was planned for. For the backends
    /// hostmem placed, the planner has already judged size against the nodes (an error, or a warning of its own), and
    /// host-mem-nodes=all asks for far nodes knowingly: those findings are not repeated.</summary>
    public static IReadOnlyList<LintFinding> LintPlan(MemoryPlan plan, ClassifiedHost host, PlanOptions options)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var placed = plan.Backends.Select(b => b.ArgumentIndex).ToHashSet();
        var all = plan.Backends.Where(b => b.Rule == NodeRule.All).Select(b => b.ArgumentIndex).ToHashSet();
        var command = plan.Command ?? throw new ArgumentException("a libvirt plan has no command line to lint", nameof(plan));
        // The final line has policy=default where weighted interleave was asked for: the plan knows its nodes.
        var weighted = new LintContext(command, host, options);
        WeightedInterleaveChecks.Check(weighted, plan.Backends, host.Host.InterleaveWeights);
        return [.. Lint(command, host, options).Where(f => f.ArgumentIndex is not { } i
            || !((f.Rule == LintRules.HostNodeFar && all.Contains(i))
                 || ((f.Rule == LintRules.HostNodeLowFree || f.Rule == LintRules.HostNodeTooSmall) && placed.Contains(i))))
            .Concat(weighted.Findings).OrderBy(f => f.ArgumentIndex ?? int.MaxValue).ThenBy(f => RuleOrder[f.Code])];
    }

    /// <summary>Findings that count against a command line (exit 1, --strict): warnings and errors.</summary>
    public static bool Counts(LintFinding finding) => finding.Severity >= Severity.Warning;
}

/// <summary>The command line's views, parsed once, and the findings so far.</summary>
sealed class LintContext
{
    readonly int[] argvIndex;

    public LintContext(QemuCommandLine command, ClassifiedHost? host, PlanOptions options)
    {
        Command = command;
        Host = host;
        Options = options;
        Backends = command.MemoryBackends();
        Numa = NumaLayout.Of(command);
        Machine = command.Machine();
        Devices = DeviceUses.Of(command);
        argvIndex = new int[command.Arguments.Count];
        int at = 1;
        for (int i = 0; i < command.Arguments.Count; i++)
        {
            argvIndex[i] = at;
            at += command.Arguments[i].Words().Count();
        }
    }

    public QemuCommandLine Command { get; }
    public ClassifiedHost? Host { get; }
    public PlanOptions Options { get; }
    public IReadOnlyList<MemoryBackend> Backends { get; }
    public NumaLayout Numa { get; }
    public MachineOptions Machine { get; }
    /// <summary>Every -device that names a memory backend (memdev=, volatile-memdev=, ...), and every pxb-cxl.</summary>
    public IReadOnlyList<DeviceUse> Devices { get; }
    public List<LintFinding> Findings { get; } = [];

    public MemoryBackend? Backend(string id) => Backends.FirstOrDefault(b => b.Id == id);

    /// <summary>The argv position (the program is argv[0]) of the option at <paramref name="index"/>.</summary>
    public int ArgvIndex(int index) => argvIndex[index];

    /// <summary>The machine type QEMU will use: -machine type=, else x86's default (pc).</summary>
    public string MachineType => Machine.Type ?? "pc";

    public void Add(LintRule rule, int? index, string message, string? fix = null, string? qemuSays = null,
        bool? qemuAccepts = null, Severity? severity = null, string? why = null)
    {
        bool accepts = qemuAccepts ?? rule.Qemu switch
        {
            QemuBehaviour.Accepts => true,
            QemuBehaviour.Rejects => false,
            _ => throw new ArgumentException($"{rule.Code}: say whether QEMU accepts this instance", nameof(qemuAccepts)),
        };
        Findings.Add(new LintFinding
        {
            Rule = rule, Severity = severity ?? rule.Severity, ArgumentIndex = index,
            ArgvIndex = index is { } i ? argvIndex[i] : null,
            Argument = index is { } j ? Command.Arguments[j].Display : null,
            Message = message, Why = why ?? rule.Why, Fix = fix ?? rule.Fix,
            QemuAccepts = accepts, QemuSays = accepts ? null : qemuSays,
        });
    }
}
