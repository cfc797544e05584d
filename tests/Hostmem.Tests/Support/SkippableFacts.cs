using Xunit;

namespace Hostmem.Tests.Support;

/// <summary>
/// The one place a missing prerequisite becomes a skip. Outside CI a skip says how to get what is missing; under CI
/// (CI=true) every prerequisite must be there, so each skip reason is also recorded and a guard test in each test project
/// (<c>Under_ci_no_prerequisite_is_missing</c>) fails naming them: a skip never hides a missing install step.
/// </summary>
public static class Prerequisites
{
    static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> missing = new();

    public static bool UnderCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The skip text for a missing prerequisite (null when nothing is missing); the reason is recorded.</summary>
    public static string? Skip(string? why)
    {
        if (why is null) return null;
        missing.TryAdd(why, 0);
        return why;
    }

    /// <summary>What attributes found missing while xunit discovered the tests (attributes are built before any test runs).</summary>
    public static IReadOnlyList<string> Missing => [.. missing.Keys.Order(StringComparer.Ordinal)];
}

/// <summary>A test over ../shared/fixtures/SUB: skipped, with the reason shown, when that folder is absent.</summary>
public sealed class SharedFixtureFactAttribute : FactAttribute
{
    public SharedFixtureFactAttribute(string sub)
    {
        Skip = Prerequisites.Skip(Trees.HasShared(sub) ? null : $"../shared/fixtures/{sub} is absent (it lives beside the repository, not in it)");
    }
}

/// <summary>A test that needs a program from Debian (installed by lab/install-deps): skipped with the reason when absent.</summary>
public sealed class NeedsProgramFactAttribute : FactAttribute
{
    public NeedsProgramFactAttribute(string program)
    {
        Skip = Prerequisites.Skip(Programs.Exists(program) ? null : $"{program} is not installed (lab/install-deps installs it)");
    }
}

public static class Programs
{
    public static bool Exists(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, program)));
}

/// <summary>A theory that needs a program from Debian (and, with <see cref="Shared"/>, a folder of ../shared/fixtures):
/// skipped with the reason when absent, so its rows never vanish unreported.</summary>
public sealed class NeedsProgramTheoryAttribute : TheoryAttribute
{
    readonly string program;
    string? shared;

    public NeedsProgramTheoryAttribute(string program)
    {
        this.program = program;
        Skip = Why();
    }

    /// <summary>The folder under ../shared/fixtures the rows read.</summary>
    public string? Shared
    {
        get => shared;
        set { shared = value; Skip = Why(); }
    }

    string? Why() => Prerequisites.Skip(
        !Programs.Exists(program) ? $"{program} is not installed (lab/install-deps installs it)"
        : shared is not null && !Trees.HasShared(shared) ? $"../shared/fixtures/{shared} is absent (it lives beside the repository, not in it)"
        : null);
}
