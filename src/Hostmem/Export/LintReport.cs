using System.Text.Json.Serialization;
using Hostmem.Classification;
using Hostmem.Lint;

namespace Hostmem.Export;

// The stable JSON shape of `hostmem lint --format json`: snake_case keys, nulls kept.

/// <param name="Sysfs">The sysfs root the host checks read; null with --no-host.</param>
/// <param name="Cpus">The CPUs the distance checks assumed (null: every CPU), and <paramref name="CpusSource"/> where they came from.</param>
public sealed record LintReport(
    string HostmemVersion,
    string? Sysfs,
    IReadOnlyList<int>? Cpus,
    string CpusSource,
    IReadOnlyList<LintFindingReport> Findings,
    LintSummary Summary)
{
    public static LintReport Build(IReadOnlyList<LintFinding> findings, string version, string? sysfs, IReadOnlyList<int>? cpus, string cpusSource) => new(
        version, sysfs, cpus, cpusSource,
        [.. findings.Select(f => new LintFindingReport(f.Code, f.Severity.Name(), f.ArgvIndex, f.Argument, f.Message, f.Why, f.Fix, f.QemuAccepts, f.QemuSays))],
        new LintSummary(findings.Count(f => f.Severity == Severity.Error), findings.Count(f => f.Severity == Severity.Warning),
            findings.Count(f => f.Severity == Severity.Info), findings.Count(f => f.QemuAccepts)));
}

/// <param name="ArgvIndex">Position of the option word in the QEMU argv (the program is 0); null: the command line as a whole.</param>
/// <param name="QemuAccepts">True: QEMU 10 starts with this line anyway, and only hostmem tells. False: QEMU refuses it.</param>
/// <param name="QemuSays">QEMU's error text when it refuses (null when it starts, or the text depends on the host).</param>
public sealed record LintFindingReport(
    string Code, string Severity, int? ArgvIndex, string? Argument, string Message, string Why, string Fix, bool QemuAccepts, string? QemuSays);

public sealed record LintSummary(int Errors, int Warnings, int Infos, int QemuAccepts);

// Metadata as well as the fast path: the CLI writes with a relaxed encoder, which the fast path does not honour.
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(LintReport))]
public sealed partial class LintJson : JsonSerializerContext;
