using System.Diagnostics;
using Xunit;

namespace Hostmem.Tests.Support;

/// <summary>Runs the built `hostmem` apphost as users run it: its exit code, stdout and stderr.</summary>
public static class HostmemCli
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var psi = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(60_000));
        return (p.ExitCode, stdout.Result, stderr);
    }

    /// <summary>The built hostmem's path; its folder is put first on PATH by <see cref="Bash"/>.</summary>
    public static string Path { get; } = System.IO.Path.Combine(AppContext.BaseDirectory, "hostmem");

    /// <summary>Runs a bash script with $H = the built hostmem and its folder first on PATH (so 'hostmem' is this one).</summary>
    public static (int Code, string Out, string Err) Bash(string script, int timeoutMs = 60_000)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        psi.Environment["H"] = Path;
        psi.Environment["PATH"] = AppContext.BaseDirectory + ":" + Environment.GetEnvironmentVariable("PATH");
        psi.Environment["NO_COLOR"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(timeoutMs));
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
