using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Cli;

/// <summary>Under CI (CI=true) a missing prerequisite is a failure that names it, not a skip (<see cref="Prerequisites"/>).</summary>
public class CiPrerequisiteTests
{
    [Fact]
    public void Under_ci_no_prerequisite_is_missing()
    {
        if (!Prerequisites.UnderCi) return; // outside CI the skips themselves say what to install
        Assert.True(Prerequisites.Missing.Count == 0, "CI=true, and tests would be skipped for: " + string.Join("; ", Prerequisites.Missing));
    }
}
