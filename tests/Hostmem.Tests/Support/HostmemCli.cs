namespace Hostmem.Tests.Support;

/// <summary>Runs the built `hostmem` apphost as users run it: its exit code, stdout and stderr.</summary>
public static class HostmemCli
{
    static readonly TimeSpan Limit = TimeSpan.FromMinutes(1);

    public static (int Code, string Out, string Err) Run(params string[] args) =>
        Tool.Run(Path, args, Limit, env: new Dictionary<string, string> { ["NO_COLOR"] = "1" });

    /// <summary>The built hostmem's path; its folder is put first on PATH by <see cref="Bash"/>.</summary>
    public static string Path { get; } = System.IO.Path.Combine(AppContext.BaseDirectory, "hostmem");

    /// <summary>Runs a bash script with $H = the built hostmem and its folder first on PATH (so 'hostmem' is this one).</summary>
    public static (int Code, string Out, string Err) Bash(string script, int timeoutMs = 60_000) =>
        Tool.Run("bash", ["-c", script], TimeSpan.FromMilliseconds(timeoutMs), env: new Dictionary<string, string>
        {
            ["H"] = Path,
            ["PATH"] = AppContext.BaseDirectory + ":" + Environment.GetEnvironmentVariable("PATH"),
            ["NO_COLOR"] = "1",
        });
}
