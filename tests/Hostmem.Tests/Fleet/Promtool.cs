using System.Diagnostics;
using Xunit;

namespace Hostmem.Tests.Fleet;

/// <summary>Prometheus' own linter, `promtool check metrics` (Debian's prometheus package), on an exposition text.</summary>
public static class Promtool
{
    /// <summary>promtool's exit code and everything it said; 0 and nothing said is clean.</summary>
    public static (int Code, string Said) CheckMetrics(string exposition)
    {
        var psi = new ProcessStartInfo("promtool") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("check");
        psi.ArgumentList.Add("metrics");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardInput.Write(exposition);
        p.StandardInput.Close();
        Assert.True(p.WaitForExit(60_000), "promtool did not finish");
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
