namespace Hostmem.Classification;

public enum Severity { Info, Warning, Error }

/// <summary>A finding about the host: what is wrong or notable (one line) and what to do next (one line).</summary>
public sealed record Diagnostic(Severity Severity, string Code, string Subject, string Message, string Hint);
