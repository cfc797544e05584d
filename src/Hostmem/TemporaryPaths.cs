namespace Hostmem;

/// <summary>
/// The files and folders hostmem makes for a moment (an unpacked --sysfs archive, the new domain file of --in-place),
/// so that an interrupt removes them (<see cref="RemoveAll"/>, called by the CLI's SIGINT/SIGTERM handler). Steps that
/// create, fill or rename such a path run under <see cref="Guard"/>: the removal waits for a step under way, and no step
/// starts after it, so nothing is made again behind it.
/// </summary>
public static class TemporaryPaths
{
    static readonly object Gate = new();
    static readonly HashSet<string> Kept = [];
    static bool removing;

    /// <summary>Runs <paramref name="step"/> unless the paths are being removed (then it waits for the process to end).</summary>
    public static T Guard<T>(Func<T> step)
    {
        ArgumentNullException.ThrowIfNull(step);
        lock (Gate)
        {
            while (removing) Monitor.Wait(Gate); // the interrupt ends the process: never returns
            return step();
        }
    }

    /// <summary>A path to remove on interrupt, until <see cref="Forget"/>.</summary>
    public static void Add(string path) { lock (Gate) Kept.Add(path); }

    /// <summary>The path is gone or is no longer temporary (renamed into place).</summary>
    public static void Forget(string path) { lock (Gate) Kept.Remove(path); }

    /// <summary>Removes every path still kept; steps under <see cref="Guard"/> wait from now on.</summary>
    public static void RemoveAll()
    {
        lock (Gate)
        {
            removing = true;
            foreach (var path in Kept) Remove(path);
            Kept.Clear();
        }
    }

    static void Remove(string path)
    {
        // A step may have created one more entry between the listing and the delete: try again a few times.
        for (int attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
                else File.Delete(path);
                return;
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { return; }
        }
    }
}
