namespace Hostmem.Tests.Support;

/// <summary>
/// Temporary folders for tests, all under one folder per test process (hostmem-tests-PID in the temp folder):
/// unpacked fixtures and damaged copies are tens of MB each, and one run used to leave hundreds of them behind.
/// The test host is often ended before ProcessExit handlers run, so each run also removes the folders of runs
/// whose process is gone.
/// </summary>
public static class Scratch
{
    private const string Prefix = "hostmem-tests-";

    private static readonly Lazy<string> Root = new(() =>
    {
        RemoveFoldersOfEndedRuns();
        var root = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), Prefix + Environment.ProcessId)).FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(root);
        return root;
    });

    /// <summary>A new empty folder whose name starts with <paramref name="prefix"/>.</summary>
    public static string Folder(string prefix) =>
        Directory.CreateDirectory(Path.Combine(Root.Value, prefix + Guid.NewGuid().ToString("N")[..10])).FullName;

    private static void RemoveFoldersOfEndedRuns()
    {
        foreach (var dir in Directory.EnumerateDirectories(Path.GetTempPath(), Prefix + "*"))
            if (int.TryParse(Path.GetFileName(dir).AsSpan(Prefix.Length), out var pid) && !Directory.Exists($"/proc/{pid}"))
                TryDelete(dir);
    }

    private static void TryDelete(string dir)
    {
        try { Directory.Delete(dir, recursive: true); }
        catch (IOException) { } // a read-only folder a test made, say: leave it, never fail the run for it
        catch (UnauthorizedAccessException) { }
    }
}
