using System.Diagnostics;
using Xunit;

namespace Hostmem.Tests.Support;

/// <summary>Runs the built `hostmem` apphost as users run it: its exit code, stdout and stderr.</summary>
public static class HostmemCli
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var psi = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "hostmem")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(60_000));
        return (p.ExitCode, stdout.Result, stderr);
    }
}
