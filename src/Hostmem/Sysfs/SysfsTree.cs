using System.Globalization;
using System.IO.Enumeration;

namespace Hostmem.Sysfs;

/// <summary>
/// The only reader of the host: a sysfs root (live /sys or a recorded tree) and the procfs beside it.
/// Every read is tolerant: a missing file is null, an unreadable or garbled one is null plus a recorded
/// <see cref="ReadProblem"/>, so discovery never throws on a strange tree.
/// </summary>
public sealed class SysfsTree
{
    private readonly List<ReadProblem> _problems = [];

    public string SysRoot { get; }
    public string? ProcRoot { get; }
    public IReadOnlyList<ReadProblem> Problems => _problems;

    private SysfsTree(string sysRoot, string? procRoot)
    {
        SysRoot = sysRoot;
        ProcRoot = procRoot;
    }

    /// <summary>
    /// Opens <paramref name="dir"/> as a sysfs root. Accepts the sys folder itself (/sys, tree/sys) or a
    /// recorded tree's top folder holding sys/ and proc/. procfs is /proc for /sys, else the sibling proc/.
    /// </summary>
    public static SysfsTree Open(string dir)
    {
        if (string.IsNullOrWhiteSpace(dir))
            throw new UserError("--sysfs is empty", "give the sysfs root (/sys), a recorded tree folder (holding sys/ and proc/) or a tests/fixtures/*.tar.gz archive, or leave --sysfs out for /sys");
        var full = Path.GetFullPath(dir);
        if (File.Exists(full))
            throw new UserError($"--sysfs {dir}: a file, neither a sysfs folder nor a recorded tree archive (.tar.gz)",
                "give the sysfs root (/sys), a recorded tree folder (holding sys/ and proc/) or a tests/fixtures/*.tar.gz archive");
        if (!Directory.Exists(full))
            throw new UserError($"--sysfs {dir}: no such directory",
                "give the sysfs root (/sys) or a recorded tree (a folder holding sys/ and proc/)");
        if (!Directory.Exists(Path.Combine(full, "devices")) && Directory.Exists(Path.Combine(full, "sys", "devices")))
            full = Path.Combine(full, "sys");
        if (!Directory.Exists(Path.Combine(full, "devices", "system")))
            throw new UserError($"--sysfs {dir}: not a sysfs tree (no devices/system inside)",
                "give the sysfs root (/sys) or a recorded tree (a folder holding sys/ and proc/)");
        var parent = Path.GetDirectoryName(full.TrimEnd('/'));
        string? proc = parent is null ? null : Path.Combine(parent, "proc");
        if (proc is not null && !Directory.Exists(proc)) proc = null;
        return new SysfsTree(full, proc);
    }

    public string Sys(string relative) => Path.Combine(SysRoot, relative);

    /// <summary>Trimmed text of a file, or null if it is absent; unreadable files are recorded.</summary>
    public string? ReadText(string path)
    {
        // Fast path: libc open/read/close, no exception for an absent file. Anything unusual (an error other
        // than absence, a byte-order mark, a NUL in the path) goes the managed way below, so the text and
        // the recorded problem stay exactly what File.ReadAllText gives.
        if (OperatingSystem.IsLinux() && !path.Contains('\0'))
        {
            switch (NativeFile.TryReadAll(path, out var bytes, out var length))
            {
                case NativeFile.Outcome.Absent:
                    return null;
                case NativeFile.Outcome.NotRegular:
                    Note(path, "not a regular file (a FIFO, socket or device): not read");
                    return null;
                case NativeFile.Outcome.Read when !StartsWithByteOrderMark(bytes, length):
                    return Utf8.GetString(bytes, 0, length).Trim();
            }
        }
        return ReadTextManaged(path);
    }

    private static readonly System.Text.UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>UTF-8, UTF-16 or UTF-32 marks, which StreamReader would detect and strip.</summary>
    private static bool StartsWithByteOrderMark(byte[] b, int n) =>
        (n >= 2 && ((b[0] == 0xFE && b[1] == 0xFF) || (b[0] == 0xFF && b[1] == 0xFE))) ||
        (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) ||
        (n >= 4 && b[0] == 0 && b[1] == 0 && b[2] == 0xFE && b[3] == 0xFF);

    private string? ReadTextManaged(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
        catch (UnauthorizedAccessException) { Note(path, "not readable (permission denied)"); return null; }
        catch (IOException e) { Note(path, $"not readable ({FirstLine(e.Message)})"); return null; }
    }

    public string? ReadProc(string name) => ProcRoot is null ? null : ReadText(Path.Combine(ProcRoot, name));

    /// <summary>
    /// A root-only file (ACPI tables): null when absent or unreadable, without recording a problem,
    /// because the caller reports the missing evidence in its own words.
    /// </summary>
    public byte[]? TryReadPrivileged(string path)
    {
        // The libc read refuses a FIFO or device where a table should be (File.ReadAllBytes would wait on it for ever).
        if (OperatingSystem.IsLinux() && !path.Contains('\0'))
            return NativeFile.TryReadAll(path, out var bytes, out var length) == NativeFile.Outcome.Read ? bytes[..length] : null;
        try { return File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>A decimal or 0x-prefixed hex unsigned number; garbage is recorded and gives null.</summary>
    public ulong? ReadUInt(string path)
    {
        var text = ReadText(path);
        if (text is null) return null;
        if (TryParseUInt(text, out var value)) return value;
        Note(path, $"expected a number, found '{Shorten(text)}'");
        return null;
    }

    /// <summary>Hex without a 0x prefix, as memory/block_size_bytes and phys_index print it.</summary>
    public ulong? ReadHex(string path)
    {
        var text = ReadText(path);
        if (text is null) return null;
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) text = text[2..];
        if (ulong.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var v)) return v;
        Note(path, $"expected a hex number, found '{Shorten(text)}'");
        return null;
    }

    /// <summary>A signed decimal (numa_node is -1 when unknown).</summary>
    public long? ReadInt(string path)
    {
        var text = ReadText(path);
        if (text is null) return null;
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)) return v;
        Note(path, $"expected a number, found '{Shorten(text)}'");
        return null;
    }

    public static bool TryParseUInt(string text, out ulong value)
    {
        text = text.Trim();
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            return ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Names in a directory (files, folders and links), sorted; empty when it is absent or vanished.</summary>
    public IReadOnlyList<string> List(string dir)
    {
        if (NativeDirectory.Supported && !dir.Contains('\0'))
        {
            var listed = new List<string>();
            switch (NativeDirectory.TryList(dir, listed))
            {
                case NativeDirectory.Outcome.Absent:
                    return [];
                case NativeDirectory.Outcome.Listed:
                    listed.Sort(StringComparer.Ordinal);
                    return listed;
            }
            // Anything else (permission denied, I/O error): the managed way below records the same problem as before.
        }
        try
        {
            var names = new List<string>(
                new FileSystemEnumerable<string>(Path.GetFullPath(dir), static (ref FileSystemEntry e) => e.FileName.ToString(), ListOptions));
            names.Sort(StringComparer.Ordinal);
            return names;
        }
        catch (DirectoryNotFoundException) { return []; }
        catch (UnauthorizedAccessException) { Note(dir, "not listable (permission denied)"); return []; }
        catch (IOException e) { Note(dir, $"not listable ({FirstLine(e.Message)})"); return []; }
    }

    /// <summary>What Directory.EnumerateFileSystemEntries uses: every entry, hidden ones too.</summary>
    private static readonly EnumerationOptions ListOptions = new() { AttributesToSkip = 0 };

    public bool Exists(string path) => File.Exists(path) || Directory.Exists(path);

    /// <summary>
    /// Where a symlink such as bus/dax/devices/dax0.0 points, as a full path inside the tree; null when
    /// the link dangles, loops, or leaves the tree (recorded as a problem).
    /// </summary>
    public string? ResolveDeviceLink(string link)
    {
        try
        {
            var info = new FileInfo(link);
            if (info.LinkTarget is null)
                return Directory.Exists(link) ? Path.GetFullPath(link) : null;
            var target = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(link)!, info.LinkTarget));
            if (!IsInside(target))
            {
                Note(link, $"link leaves the tree ({info.LinkTarget})");
                return null;
            }
            if (!Directory.Exists(target))
            {
                Note(link, $"dangling link ({info.LinkTarget})");
                return null;
            }
            return target;
        }
        catch (IOException e) { Note(link, $"unresolvable link ({FirstLine(e.Message)})"); return null; }
        catch (UnauthorizedAccessException) { Note(link, "unresolvable link (permission denied)"); return null; }
    }

    /// <summary>The last path element a link points to (driver links: .../drivers/kmem gives "kmem").</summary>
    public string? LinkName(string link)
    {
        try
        {
            var target = new FileInfo(link).LinkTarget;
            return target is null ? null : Path.GetFileName(target.TrimEnd('/'));
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>A path relative to the tree, for evidence and diagnostics ("/sys/bus/dax/..." style).</summary>
    public string Show(string path)
    {
        var rel = Relative(SysRoot, path);
        if (!rel.StartsWith("..", StringComparison.Ordinal)) return "/sys/" + rel;
        if (ProcRoot is null) return path;
        rel = Relative(ProcRoot, path);
        return rel.StartsWith("..", StringComparison.Ordinal) ? path : "/proc/" + rel;
    }

    public void Note(string path, string what) => _problems.Add(new ReadProblem(Show(path), what));

    private bool IsInside(string path) => !Relative(SysRoot, path).StartsWith("..", StringComparison.Ordinal);

    /// <summary>Path.GetRelativePath(root, path). The paths discovery builds are the root, '/' and plain names, which a
    /// prefix test answers without GetRelativePath's normalising of both paths (a tenth of the page faults on the generated 8-socket tree);
    /// any other path (a '.' or '..' segment, a doubled or trailing '/') goes to GetRelativePath.</summary>
    internal static string Relative(string root, string path)
    {
        var top = root.AsSpan().TrimEnd('/');
        if (top.Length > 0 && path.Length > top.Length + 1 && path.AsSpan().StartsWith(top, StringComparison.Ordinal) && path[top.Length] == '/'
            && IsPlain(path.AsSpan(top.Length + 1)))
            return path[(top.Length + 1)..];
        return Path.GetRelativePath(root, path);
    }

    private static bool IsPlain(ReadOnlySpan<char> relative)
    {
        foreach (var segment in relative.Split('/'))
        {
            var name = relative[segment];
            if (name.Length == 0 || name is "." or "..") return false;
        }
        return true;
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();
    private static string Shorten(string s) => s.Length <= 40 ? s.ReplaceLineEndings(" ") : s[..40].ReplaceLineEndings(" ") + "...";
}

/// <summary>A file that could not be read or made no sense; becomes a diagnostic, never an exception.</summary>
public sealed record ReadProblem(string Path, string What);
