namespace Hostmem.Sysfs;

/// <summary>What kind of file a path is, for the callers outside Sysfs that must not treat a pipe or a device as a file.</summary>
public static class FileKind
{
    /// <summary>True for a regular file (symlinks followed); false for a FIFO, socket, device or folder; null when absent.</summary>
    public static bool? IsRegular(string path) =>
        OperatingSystem.IsLinux() && !path.Contains('\0') ? NativeFile.IsRegularFile(path) : File.Exists(path);
}
