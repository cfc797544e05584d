namespace Hostmem.LabTests;

/// <summary>The NativeAOT hostmem (what users run), published once per test run into artifacts/hostmem for the nested
/// guests, which run it from the shared host root; HOSTMEM_BIN names a binary built elsewhere.</summary>
public static class NativeHostmem
{
    static readonly Lazy<string> Published = new(() =>
        Environment.GetEnvironmentVariable("HOSTMEM_BIN") is { Length: > 0 } given ? System.IO.Path.GetFullPath(given) : Publish());

    public static string Path => Published.Value;

    /// <summary>About a minute on 2 cores.</summary>
    static string Publish()
    {
        var output = System.IO.Path.Combine(Lab.RepoRoot, "artifacts", "hostmem");
        var (code, stdout, stderr) = Lab.Exec("dotnet",
            ["publish", System.IO.Path.Combine(Lab.RepoRoot, "src", "Hostmem.Cli"), "-c", "Release", "-r", "linux-x64", "-o", output, "-v", "q", "-nologo"],
            TimeSpan.FromMinutes(8), Lab.RepoRoot);
        Assert.True(code == 0, $"dotnet publish failed ({code})\n{stdout}\n{stderr}");
        return System.IO.Path.Combine(output, "hostmem");
    }
}
