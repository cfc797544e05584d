using System.Globalization;

namespace Hostmem.Probe;

/// <summary>Reads /proc/PID/smaps (fs/proc/task_mmu.c show_smap): a header line per mapping, then "Key:  N kB" lines.</summary>
public static class Smaps
{
    /// <summary>AnonHugePages of the mapping that starts at <paramref name="start"/>, in bytes; null when no mapping starts there.</summary>
    public static ulong? AnonHugePagesAt(string smaps, ulong start)
    {
        var inMapping = false;
        foreach (var line in smaps.Split('\n'))
        {
            var dash = line.IndexOf('-');
            if (dash > 0 && IsHex(line.AsSpan(0, dash)))
            {
                if (inMapping) return null; // the mapping ended without the line
                inMapping = ulong.Parse(line.AsSpan(0, dash), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture) == start;
                continue;
            }
            if (inMapping && line.StartsWith("AnonHugePages:", StringComparison.Ordinal))
            {
                var fields = line["AnonHugePages:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return fields.Length == 2 && fields[1] == "kB" && ulong.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kb)
                    ? kb * 1024 : null;
            }
        }
        return null;
    }

    static bool IsHex(ReadOnlySpan<char> s)
    {
        foreach (var c in s) if (!char.IsAsciiHexDigit(c)) return false;
        return s.Length > 0;
    }
}
