namespace Hostmem.Classification;

public enum Severity { Info, Warning, Error }

public static class SeverityNames
{
    /// <summary>The word reports and tables use: info, warning, error (a switch: Enum.ToString() is reflection on NativeAOT).</summary>
    public static string Name(this Severity s) => s switch
    {
        Severity.Error => "error",
        Severity.Warning => "warning",
        _ => "info",
    };
}

/// <summary>A finding about the host: what is wrong or notable (one line) and what to do next (one line).</summary>
public sealed record Diagnostic(Severity Severity, string Code, string Subject, string Message, string Hint);
