using Xunit;

namespace Hostmem.Tests.Support;

/// <summary>The one assertion for hostmem's promise on bad input: exit 2, nothing on stdout, exactly two lines on stderr
/// (<c>hostmem: what is wrong</c>, <c>hint: how to fix it</c>), and no stack trace.</summary>
public static class Refusal
{
    /// <summary>Asserts the refusal; returns its problem line (with "hostmem: ") for further checks.</summary>
    public static string Assert((int Code, string Out, string Err) run, string problem, string? hint = null)
    {
        Xunit.Assert.True(run.Code == 2, $"exit {run.Code}, not 2\n{run.Err}");
        Xunit.Assert.Equal("", run.Out);
        Xunit.Assert.DoesNotContain("   at ", run.Err, StringComparison.Ordinal);
        var lines = run.Err.TrimEnd('\n').Split('\n');
        Xunit.Assert.True(lines.Length == 2, $"{lines.Length} lines on stderr, not 2:\n{run.Err}");
        Xunit.Assert.StartsWith("hostmem: ", lines[0], StringComparison.Ordinal);
        Xunit.Assert.Contains(problem, lines[0], StringComparison.Ordinal);
        Xunit.Assert.StartsWith("hint: ", lines[1], StringComparison.Ordinal);
        if (hint is not null) Xunit.Assert.Contains(hint, lines[1], StringComparison.Ordinal);
        return lines[0];
    }
}
