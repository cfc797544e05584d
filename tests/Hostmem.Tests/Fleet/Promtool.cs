using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Fleet;

/// <summary>Prometheus' own linter, `promtool check metrics` (Debian's prometheus package), on an exposition text.</summary>
public static class Promtool
{
    /// <summary>promtool's exit code and everything it said; 0 and nothing said is clean.</summary>
    public static (int Code, string Said) CheckMetrics(string exposition)
    {
        var (code, stdout, stderr) = Tool.Run("promtool", ["check", "metrics"], stdin: exposition);
        return (code, stdout + stderr);
    }
}
