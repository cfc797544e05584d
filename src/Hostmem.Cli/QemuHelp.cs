using System.Diagnostics;
using System.Text;

namespace Hostmem.Cli;

/// <summary>
/// Asks a QEMU binary a help question (<c>-object acpi-generic-port,help</c>, <c>-device virtio-mem-pci,help</c>) and
/// keeps the answer per binary, as libvirt keeps a binary's capabilities: asking is a QEMU start (about 80 ms here,
/// most of a <c>hostmem qemu</c> run), a kept answer is a stat and a read. An answer is kept in
/// <c>$XDG_CACHE_HOME/hostmem/qemu</c> (default <c>~/.cache/hostmem/qemu</c>) under the binary's path, size and
/// modification time, so an upgraded or rebuilt QEMU is asked again. <c>HOSTMEM_QEMU_CACHE=off</c> always asks.
/// </summary>
internal static class QemuHelp
{
    /// <param name="Ok">QEMU exited 0.</param>
    /// <param name="Output">What it wrote on stdout (its help and version texts go there; stderr holds only warnings).</param>
    public sealed record Answer(bool Ok, string Output);

    static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    /// <summary>QEMU's answer, or null when the binary cannot be run or does not answer in time (QEMU will then say
    /// in its own words what it lacks; an answer that did not come is never kept).</summary>
    public static Answer? Ask(string binary, params string[] args)
    {
        string? identity = Identity(binary, args);
        string? file = identity is null ? null : CacheFile(identity);
        if (file is not null && Read(file, identity!) is { } kept) return kept;
        var answer = Run(binary, args);
        if (answer is not null && file is not null) Keep(file, identity!, answer);
        return answer;
    }

    /// <summary>One line that changes whenever the binary or the question does.</summary>
    static string? Identity(string binary, string[] args)
    {
        try
        {
            var info = new FileInfo(Path.GetFullPath(binary));
            if (!info.Exists) return null;
            return $"{info.FullName}\t{info.Length}\t{info.LastWriteTimeUtc.Ticks}\t{string.Join('\t', args)}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    static string? CacheFile(string identity)
    {
        if (Environment.GetEnvironmentVariable("HOSTMEM_QEMU_CACHE") is "off" or "0") return null;
        string? root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg
            : Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } home ? Path.Combine(home, ".cache") : null;
        return root is null ? null : Path.Combine(root, "hostmem", "qemu", $"{Fnv1a(identity):x16}.help");
    }

    /// <summary>The kept answer when its first line is this identity (a hash collision or a torn file is asked again).</summary>
    static Answer? Read(string file, string identity)
    {
        try
        {
            string text = File.ReadAllText(file);
            int first = text.IndexOf('\n'), second = first < 0 ? -1 : text.IndexOf('\n', first + 1);
            if (second < 0 || text.AsSpan(0, first).SequenceEqual(identity) is false) return null;
            return text.AsSpan(first + 1, second - first - 1) switch
            {
                "ok" => new Answer(true, text[(second + 1)..]),
                "failed" => new Answer(false, text[(second + 1)..]),
                _ => null,
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>Written to a private name and renamed, so a reader sees a whole answer or none; a cache that cannot be
    /// written (read-only home) is no error: the next run asks again.</summary>
    static void Keep(string file, string identity, Answer answer)
    {
        string temp = $"{file}.{Environment.ProcessId}.tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(temp, $"{identity}\n{(answer.Ok ? "ok" : "failed")}\n{answer.Output}");
            File.Move(temp, file, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temp); } catch (Exception f) when (f is IOException or UnauthorizedAccessException) { }
        }
    }

    static Answer? Run(string binary, string[] args)
    {
        var psi = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi);
            if (p is null) return null;
            p.StandardInput.Close();
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(Limit)) { p.Kill(entireProcessTree: true); return null; }
            _ = stderr.Result;
            return new Answer(p.ExitCode == 0, stdout.Result);
        }
        catch (System.ComponentModel.Win32Exception) { return null; }
    }

    /// <summary>FNV-1a over the identity's UTF-8 bytes: a file name, not a security boundary (the identity is checked).</summary>
    static ulong Fnv1a(string text)
    {
        ulong hash = 14695981039346656037;
        foreach (byte b in Encoding.UTF8.GetBytes(text)) hash = (hash ^ b) * 1099511628211;
        return hash;
    }
}
