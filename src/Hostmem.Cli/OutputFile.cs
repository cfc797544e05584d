using System.Text;

namespace Hostmem.Cli;

/// <summary>
/// `--output FILE` of the exports: the text is written to a dot-file in FILE's folder, flushed, made world-readable and
/// renamed over FILE, so nfd-worker and node_exporter (which read whole folders on their own schedule, and skip
/// dot-files and files not ending in .prom) see the old file or the new one, never half of one. Without FILE, stdout.
/// </summary>
public static class OutputFile
{
    public static void Write(string? path, string text)
    {
        var bytes = new UTF8Encoding(false).GetBytes(text);
        if (path is null)
        {
            using var stdout = Output.StandardStreams.Stdout();
            stdout.Write(bytes);
            return;
        }
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("hostmem runs on Linux");
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        if (Directory.Exists(full)) throw new UserError($"--output {path}: a folder", $"name the file to write in it, e.g. --output {Path.Join(path, "hostmem")}");
        if (!Directory.Exists(dir)) throw new UserError($"--output {path}: no folder {dir}", "create it first (the DaemonSet mounts it from the host), or give another path");
        string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.hostmem-{Environment.ProcessId}.tmp");
        try
        {
            using (var f = new FileStream(temp, FileMode.Create, FileAccess.Write))
            {
                f.Write(bytes);
                f.Flush(flushToDisk: true);
            }
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw new UserError($"--output {path}: cannot write it ({e.Message.Split('\n')[0]})",
                $"hostmem writes a dot-file in {dir} and renames it over {Path.GetFileName(full)}: that folder must be writable");
        }
    }
}
