using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json;
using System.Text.Json.Serialization;
using Hostmem.Classification;
using Hostmem.Cli.Output;
using Hostmem.Planning;
using Hostmem.Qemu;

namespace Hostmem.Cli;

/// <summary>`hostmem plan -- QEMU ARGS...`: the plan `hostmem qemu` would carry out, as JSON.</summary>
public static class PlanCommand
{
    public static Command Create()
    {
        var sysfs = CommonOptions.Sysfs();
        var cpus = new Option<string?>("--cpus") { Description = "Plan for these CPUs instead of this process's affinity.", HelpName = "LIST" };
        var guest = new GuestNumaOptions();
        var qemu = new Argument<string[]>("QEMU_BINARY ARG...") { Description = "The QEMU command line, after '--'.", Arity = ArgumentArity.OneOrMore };
        var command = new Command("plan",
            """
            Print, as JSON, what 'hostmem qemu' would do with this QEMU command line: the host nodes of each
            host-mem-type backend, the guest NUMA nodes with their latency, bandwidth, where the figures came from and
            the memory tier a Linux >= 6.10 guest will put each in, and the final argv. QEMU is not started.
            """)
        { sysfs, cpus, qemu };
        foreach (var o in guest.All) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var argv = parse.GetValue(qemu) ?? [];
            int dash = parse.Tokens.ToList().FindIndex(t => t.Type == TokenType.DoubleDash);
            if (dash < 0 || parse.Tokens.Count - dash - 1 != argv.Length)
                throw new UserError(dash < 0 ? "no '--' before the QEMU command line" : "words between 'hostmem plan' and '--' that are not hostmem options",
                    "write hostmem's options, then '--', then the QEMU command line: hostmem plan -- qemu-system-x86_64 -m 8G ...");
            if (HelpRequest.Find(QemuCommandLine.Parse(argv)) is { } help)
                throw new UserError($"{help.Display} asks QEMU for help: there is nothing to plan",
                    "run the line with QEMU itself, or with 'hostmem qemu --' (which passes a help request on unchanged)");
            var plan = QemuCommand.Plan(parse.GetValue(sysfs)!, parse.GetValue(cpus), argv, (o, h) => guest.WithMeasured(guest.Apply(o, parse), parse, h.Host));
            CdatFiles.WriteFiles(plan);
            // The final argv is most of the JSON (its words, quoted and indented); each guest node's entry, HMAT figures and
            // backend take about 1.5 KB more (measured: 583 KB for 128 nodes, 387 KB of it the argv). A buffer too small
            // grows on the large-object heap, and that allocation set off the run's only GC: a tenth of a 128-node plan.
            var json = ToJson(plan);
            var hint = 65536 + json.Argv.Sum(a => a.Length + 12) + 2048 * plan.GuestNodes.Count;
            StandardStreams.WriteJsonLine(json, PlanJsonContext.Default.PlanJson, hint);
            return 0;
        });
        return command;
    }

    public static PlanJson ToJson(MemoryPlan plan, IEnumerable<PlanNote>? moreNotes = null) => new(
        [.. plan.Backends.Select(b => new BackendJson(b.Id, b.Type is null && b.Types.Count == 0 ? null : b.TypeName, b.HostNodes, b.Policy?.Name(), b.Rule.Name(), b.Devdax?.DevicePath, b.SizeBytes,
            [.. b.Interleave.Select(s => new InterleaveShareJson(s.Node, s.Type.Name(), s.Weight, Math.Round(s.Share * 100, 2), s.ExpectedBytes))]))],
        [.. plan.GuestNodes.Select(n => new GuestNodeJson(n.GuestNode, n.Backend, n.HostNodes, n.Type?.Name(), n.HasCpus, n.SizeBytes,
            n.ReadLatencyNs, n.WriteLatencyNs, n.ReadBandwidthMBps, n.WriteBandwidthMBps, n.FiguresFromName, n.PredictedTier, n.TierOverflow, n.Why, n.PlugDevice, n.PlugBytes))],
        [.. plan.Hmat.Select(h => new HmatEntryJson(h.Initiator, h.Target, h.DataType.QemuName(), h.IsLatency ? h.Value : null, h.IsLatency ? null : h.Value, h.Source.Name()))],
        [.. plan.Conflicts.Select(c => new ConflictJson(c.Node, Figures(c.User), Figures(c.Host), c.HostSource.Name(), "user"))],
        [.. plan.Notes.Concat(moreNotes ?? []).Select(n => new NoteJson(n.Severity == NoteSeverity.Warning ? "warning" : "info", n.Code, n.Text))],
        plan.ToArgv())
    {
        TaskPolicy = plan.TaskPolicy is { } t ? new TaskPolicyJson("weighted-interleave", t.Nodes, t.Backends) : null,
        CxlDevices = CxlDeviceOutput.Json(plan),
    };

    /// <summary>0 where no figure is given (the kernel's own reading of a missing entry) comes out as null.</summary>
    static FiguresJson Figures(MemoryPerformance p) => new(Nz(p.ReadLatencyNs), Nz(p.WriteLatencyNs), Nz(p.ReadBandwidthMBps), Nz(p.WriteBandwidthMBps));

    static uint? Nz(uint v) => v == 0 ? null : v;
}

/// <param name="Interleave">Weighted interleave: each host node's kernel weight and expected part (empty otherwise).</param>
public sealed record BackendJson(string Id, string? Type, IReadOnlyList<int> HostNodes, string? Policy, string Rule, string? MemPath, ulong? SizeBytes,
    IReadOnlyList<InterleaveShareJson> Interleave);

public sealed record InterleaveShareJson(int Node, string Type, int Weight, double Percent, ulong ExpectedBytes);

/// <summary>The policy hostmem sets on itself before it execs QEMU (set_mempolicy), and the backends that follow it.</summary>
public sealed record TaskPolicyJson(string Mode, IReadOnlyList<int> Nodes, IReadOnlyList<string> Backends);

public sealed record GuestNodeJson(int GuestNode, string? Backend, IReadOnlyList<int> HostNodes, string? Type, bool HasCpus, ulong SizeBytes,
    uint? ReadLatencyNs, uint? WriteLatencyNs, uint? ReadBandwidthMbps, uint? WriteBandwidthMbps, string FiguresFrom, uint? PredictedTier,
    bool TierOverflow, IReadOnlyList<string> Why, string? PlugDevice = null, ulong PlugBytes = 0);

public sealed record HmatEntryJson(int Initiator, int Target, string DataType, ulong? LatencyNs, ulong? BandwidthMbps, string From);

public sealed record FiguresJson(uint? ReadLatencyNs, uint? WriteLatencyNs, uint? ReadBandwidthMbps, uint? WriteBandwidthMbps);

/// <summary>A guest node whose figures the user wrote differently from the host's; <see cref="GuestGets"/> says whose win.</summary>
public sealed record ConflictJson(int GuestNode, FiguresJson User, FiguresJson Host, string HostFrom, string GuestGets);

public sealed record NoteJson(string Severity, string Code, string Text);

public sealed record PlanJson(IReadOnlyList<BackendJson> Backends, IReadOnlyList<GuestNodeJson> GuestNodes, IReadOnlyList<HmatEntryJson> Hmat,
    IReadOnlyList<ConflictJson> Conflicts, IReadOnlyList<NoteJson> Notes, string[] Argv)
{
    /// <summary>Null unless a backend asks for weighted interleave.</summary>
    public TaskPolicyJson? TaskPolicy { get; init; }
    /// <summary>cxl-type3 devices given a CDAT (empty otherwise).</summary>
    public IReadOnlyList<CxlDeviceJson> CxlDevices { get; init; } = [];
}

[JsonSourceGenerationOptions(GenerationMode = JsonSourceGenerationMode.Serialization, WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(PlanJson))]
internal sealed partial class PlanJsonContext : JsonSerializerContext;
