using Hostmem.Classification;

namespace Hostmem.Lint;

/// <summary>
/// One problem in a QEMU command line: which rule, where, what exactly, why it matters and how to fix it, and whether
/// QEMU 10 itself would refuse the line (then <see cref="QemuSays"/> is its error text) or start silently.
/// </summary>
public sealed record LintFinding
{
    public required LintRule Rule { get; init; }
    public string Code => Rule.Code;
    /// <summary>Usually the rule's; a rule may soften or harden one instance (a too-small node under policy=preferred).</summary>
    public required Severity Severity { get; init; }
    /// <summary>Position of the item in <see cref="Qemu.QemuCommandLine.Arguments"/>; null when the finding concerns the
    /// command line as a whole (no -m given, for instance).</summary>
    public int? ArgumentIndex { get; init; }
    /// <summary>Position of that item's option word in argv (the program is argv[0]); null with <see cref="ArgumentIndex"/>.</summary>
    public int? ArgvIndex { get; init; }
    /// <summary>The item as QEMU names it in messages: <c>-numa 'hmat-lb,...'</c>.</summary>
    public string? Argument { get; init; }
    /// <summary>What exactly is wrong here, one line.</summary>
    public required string Message { get; init; }
    /// <summary>Why it matters, one line (the rule's unless this instance says more).</summary>
    public required string Why { get; init; }
    /// <summary>How to fix it, one line.</summary>
    public required string Fix { get; init; }
    /// <summary>True when QEMU 10 starts with this line anyway (the finding is hostmem's to make); false when it refuses.</summary>
    public required bool QemuAccepts { get; init; }
    /// <summary>QEMU 10's error text (after its "qemu-system-x86_64: [option: ]" prefix) when it refuses; null otherwise or
    /// when the text depends on more than the command line.</summary>
    public string? QemuSays { get; init; }
}
