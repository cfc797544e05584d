namespace Hostmem.LabTests;

/// <summary>The NativeAOT hostmem (what users run), published once per test run into artifacts/hostmem for the nested
/// guests, which run it from the shared host root; HOSTMEM_BIN names a binary built elsewhere.</summary>
public static class NativeHostmem
{
    static readonly Lazy<string> Published = new(() =>
        Environment.GetEnvironmentVariable("HOSTMEM_BIN") is { Length: > 0 } given ? System.IO.Path.GetFullPath(given) : Publish());

    public static string Path => Published.Value;

    /// <summary>Through scripts/publish, which publishes under a lock (other tests publish the same binary).</summary>
    static string Publish()
    {
        var (code, stdout, stderr) = Lab.Exec(System.IO.Path.Combine(Lab.RepoRoot, "scripts", "publish"), [], TimeSpan.FromMinutes(15), Lab.RepoRoot);
        Assert.True(code == 0, $"scripts/publish failed ({code})\n{stdout}\n{stderr}");
        return stdout.Trim();
    }
}
