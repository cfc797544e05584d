using Xunit;

namespace Hostmem.Tests.Support;

/// <summary>A test over ../shared/fixtures/SUB: skipped, with the reason shown, when that folder is absent.</summary>
public sealed class SharedFixtureFactAttribute : FactAttribute
{
    public SharedFixtureFactAttribute(string sub)
    {
        if (!Trees.HasShared(sub)) Skip = $"../shared/fixtures/{sub} is absent (it lives beside the repository, not in it)";
    }
}

/// <summary>A test that needs a program from Debian (installed by lab/install-deps): skipped with the reason when absent.</summary>
public sealed class NeedsProgramFactAttribute : FactAttribute
{
    public NeedsProgramFactAttribute(string program)
    {
        if (!Programs.Exists(program)) Skip = $"{program} is not installed (lab/install-deps installs it)";
    }
}

public static class Programs
{
    public static bool Exists(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, program)));
}

/// <summary>A theory that needs a program from Debian: skipped with the reason when absent.</summary>
public sealed class NeedsProgramTheoryAttribute : TheoryAttribute
{
    public NeedsProgramTheoryAttribute(string program)
    {
        if (!Programs.Exists(program)) Skip = $"{program} is not installed (lab/install-deps installs it)";
    }
}
