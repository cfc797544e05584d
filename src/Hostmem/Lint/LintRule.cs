using Hostmem.Classification;

namespace Hostmem.Lint;

/// <summary>What QEMU 10 does with a line that breaks a rule.</summary>
public enum QemuBehaviour
{
    /// <summary>QEMU starts and the problem shows later, in the guest or on the host: what hostmem adds.</summary>
    Accepts,
    /// <summary>QEMU refuses to start with an error (the finding says it before QEMU does).</summary>
    Rejects,
    /// <summary>It depends on the instance (a host node list with one usable node is accepted, with none refused).</summary>
    Depends,
}

/// <summary>One lint rule: a stable kebab-case code, its usual severity, why it matters and the usual fix, one line each.</summary>
public sealed record LintRule(string Code, Severity Severity, string Title, string Why, string Fix, QemuBehaviour Qemu, bool NeedsHost = false);
