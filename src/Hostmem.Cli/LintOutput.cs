using Hostmem.Classification;
using Hostmem.Cli.Output;
using Hostmem.Export;
using Hostmem.Lint;

namespace Hostmem.Cli;

/// <summary>Lint findings for people: a block per finding (`hostmem lint`), or two lines each on stderr (`hostmem qemu`).</summary>
public static class LintOutput
{
    public static void WriteBlocks(Terminal t, IReadOnlyList<LintFinding> findings, string checkedWhat)
    {
        var w = t.Writer;
        foreach (var f in findings)
        {
            string where = f.ArgvIndex is { } i ? $"argv[{i}] {f.Argument}" : "the command line as a whole";
            w.WriteLine($"{Colour(t, f.Severity)} {t.Bold(f.Code)}  {where}");
            w.WriteLine($"  {f.Message}");
            w.WriteLine(t.Dim($"  why  {f.Why}"));
            w.WriteLine($"  fix  {f.Fix}");
            w.WriteLine(t.Dim(f.QemuAccepts ? "  qemu starts anyway: only hostmem tells" : f.QemuSays is { } says ? $"  qemu refuses: {says}" : "  qemu refuses it"));
            w.WriteLine();
        }
        w.WriteLine(Summary(findings, checkedWhat));
        w.Flush();
    }

    /// <summary>`hostmem qemu`: what lint found in the final command line, before QEMU starts.</summary>
    public static void WriteWarnings(Terminal t, IReadOnlyList<LintFinding> findings)
    {
        foreach (var f in findings)
        {
            string where = f.ArgvIndex is { } i ? $" (argv[{i}])" : "";
            t.Writer.WriteLine($"hostmem: lint {Colour(t, f.Severity)} {f.Code}{where}: {f.Message}{(f.QemuAccepts ? "" : " (QEMU will refuse it)")}");
            t.Writer.WriteLine($"  fix: {f.Fix}");
        }
        t.Writer.Flush();
    }

    public static string Summary(IReadOnlyList<LintFinding> findings, string checkedWhat)
    {
        if (findings.Count == 0) return $"no findings ({checkedWhat})";
        int errors = findings.Count(f => f.Severity == Severity.Error), warnings = findings.Count(f => f.Severity == Severity.Warning);
        int infos = findings.Count - errors - warnings, silent = findings.Count(f => f.QemuAccepts);
        var parts = new List<string>();
        if (errors > 0) parts.Add($"{errors} error{(errors == 1 ? "" : "s")}");
        if (warnings > 0) parts.Add($"{warnings} warning{(warnings == 1 ? "" : "s")}");
        if (infos > 0) parts.Add($"{infos} note{(infos == 1 ? "" : "s")}");
        int refused = findings.Count - silent;
        string qemu = refused == 0
            ? $"QEMU starts with this line and says nothing about {(silent == 1 ? "it" : "them")}"
            : silent == 0 ? "QEMU refuses this line too"
            : $"QEMU refuses this line ({refused} of them), and would say nothing about the other {silent}";
        return $"{string.Join(", ", parts)}: {qemu} ({checkedWhat})";
    }

    static string Colour(Terminal t, Severity s) => s switch
    {
        Severity.Error => t.Red(s.Name()),
        Severity.Warning => t.Yellow(s.Name()),
        _ => t.Cyan(s.Name()),
    };
}
