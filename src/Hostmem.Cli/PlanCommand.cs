using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json;
using System.Text.Json.Serialization;
using Hostmem.Classification;
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
            var plan = QemuCommand.Plan(parse.GetValue(sysfs)!, parse.GetValue(cpus), argv, o => guest.Apply(o, parse));
            Console.Out.WriteLine(JsonSerializer.Serialize(ToJson(plan), PlanJsonContext.Default.PlanJson));
            return 0;
        });
        return command;
    }

    public static PlanJson ToJson(MemoryPlan plan) => new(
        [.. plan.Backends.Select(b => new BackendJson(b.Id, b.Type?.Name(), b.HostNodes, b.Policy?.Name(), b.Rule.Name(), b.Devdax?.DevicePath, b.SizeBytes))],
        [.. plan.GuestNodes.Select(n => new GuestNodeJson(n.GuestNode, n.Backend, n.HostNodes, n.Type?.Name(), n.HasCpus, n.SizeBytes,
            n.ReadLatencyNs, n.WriteLatencyNs, n.ReadBandwidthMBps, n.WriteBandwidthMBps, n.FiguresFrom.Name(), n.PredictedTier, n.TierOverflow, n.Why))],
        plan.Notes, plan.ToArgv());
}

public sealed record BackendJson(string Id, string? Type, IReadOnlyList<int> HostNodes, string? Policy, string Rule, string? MemPath, ulong? SizeBytes);

public sealed record GuestNodeJson(int GuestNode, string? Backend, IReadOnlyList<int> HostNodes, string? Type, bool HasCpus, ulong SizeBytes,
    uint? ReadLatencyNs, uint? WriteLatencyNs, uint? ReadBandwidthMbps, uint? WriteBandwidthMbps, string FiguresFrom, uint? PredictedTier,
    bool TierOverflow, IReadOnlyList<string> Why);

public sealed record PlanJson(IReadOnlyList<BackendJson> Backends, IReadOnlyList<GuestNodeJson> GuestNodes, IReadOnlyList<string> Notes, string[] Argv);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(PlanJson))]
internal sealed partial class PlanJsonContext : JsonSerializerContext;
