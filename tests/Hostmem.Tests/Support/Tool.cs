using System.Diagnostics;

namespace Hostmem.Tests.Support;

/// <summary>
/// The one way tests run a program to its end: arguments as a list (no shell unless asked for), output captured on both
/// streams at once (a chatty program never blocks on a full pipe), and a time limit after which the process and its
/// children are killed and the test fails naming the command. Long-running servers (QEMU, node_exporter) are started
/// by their own launchers, not here.
/// </summary>
public static class Tool
{
    public static readonly TimeSpan DefaultLimit = TimeSpan.FromMinutes(2);

    public static (int Code, string Out, string Err) Run(string program, IEnumerable<string> args, TimeSpan? limit = null,
        string? cwd = null, IReadOnlyDictionary<string, string>? env = null, string? stdin = null)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
            WorkingDirectory = cwd ?? "",
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {program}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        try
        {
            if (stdin is not null) p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        catch (IOException) { } // it ended without reading its input: its status says why
        var within = limit ?? DefaultLimit;
        if (!p.WaitForExit(within))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            throw new TimeoutException($"{Describe(program, psi.ArgumentList)} did not end within {within.TotalSeconds:0} s\n{stderr.Result}");
        }
        p.WaitForExit(); // the streams' last bytes
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs a program that must succeed; its stdout. A failure throws with the command and its stderr.</summary>
    public static string Output(string program, params string[] args) => OutputIn(null, program, args);

    public static string OutputIn(string? cwd, string program, params string[] args)
    {
        var (code, stdout, stderr) = Run(program, args, cwd: cwd);
        if (code != 0) throw new InvalidOperationException($"{Describe(program, args)} failed ({code}): {stderr}");
        return stdout;
    }

    static string Describe(string program, IEnumerable<string> args) => string.Join(' ', new[] { program }.Concat(args));
}
