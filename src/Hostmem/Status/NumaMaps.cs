using System.Globalization;
using System.Text;

namespace Hostmem.Status;

/// <summary>
/// One line of /proc/PID/numa_maps (fs/proc/task_mmu.c show_numa_map): a mapping's start address, its memory policy, and
/// where its present pages are. <see cref="PagesByNode"/> counts pages of <see cref="PageSizeBytes"/>: base pages for
/// ordinary and transparent-huge mappings (a THP counts as 512), huge pages for hugetlb mappings (<see cref="Huge"/>).
/// </summary>
public sealed record NumaMapping(
    ulong Address,
    MemPolicy Policy,
    string? File,
    bool Huge,
    bool Heap,
    bool Stack,
    ulong Anon,
    ulong Dirty,
    ulong Mapped,
    IReadOnlyDictionary<int, ulong> PagesByNode,
    ulong? PageSizeBytes)
{
    /// <summary>The kernel prints kernelpagesize_kB only for mappings with pages; without pages the size does not matter.</summary>
    public ulong EffectivePageSize => PageSizeBytes ?? 4096;

    public ulong BytesOn(int node) => PagesByNode.TryGetValue(node, out var pages) ? pages * EffectivePageSize : 0;

    public ulong ResidentBytes => PagesByNode.Values.Aggregate(0UL, (sum, pages) => sum + pages * EffectivePageSize);
}

/// <summary>Parses numa_maps text. A line the kernel would not write is bad input: one line saying which, and why.</summary>
public static class NumaMaps
{
    public static IReadOnlyList<NumaMapping> Parse(string text, string source = "numa_maps")
    {
        var result = new List<NumaMapping>();
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Length == 0) continue;
            result.Add(ParseLine(line) ?? throw new UserError(
                $"{source} line {i + 1} is not a numa_maps line: '{Shorten(line)}'",
                "give the text of /proc/PID/numa_maps (address, policy, then key=value fields), unchanged"));
        }
        return result;
    }

    /// <summary>One line, or null when it is not numa_maps.</summary>
    public static NumaMapping? ParseLine(string line)
    {
        int space = line.IndexOf(' ');
        if (space <= 0 || !ulong.TryParse(line.AsSpan(0, space), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var address))
            return null;
        if (MemPolicy.ParseKernel(line[(space + 1)..]) is not var (policy, length)) return null;
        string? file = null;
        bool huge = false, heap = false, stack = false;
        ulong anon = 0, dirty = 0, mapped = 0;
        ulong? pageSize = null;
        var nodes = new SortedDictionary<int, ulong>();
        foreach (var field in line[(space + 1 + length)..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = field.IndexOf('=');
            if (eq < 0)
            {
                switch (field)
                {
                    case "huge": huge = true; break;
                    case "heap": heap = true; break;
                    case "stack": stack = true; break;
                    // A flag a newer kernel adds is not a reason to refuse the line.
                }
                continue;
            }
            var key = field[..eq];
            var value = field[(eq + 1)..];
            if (key == "file") { file = Unescape(value); continue; }
            if (!ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number)) return null;
            if (key.Length > 1 && key[0] == 'N' && int.TryParse(key.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var node))
                nodes[node] = number;
            else if (key == "kernelpagesize_kB") pageSize = number * 1024;
            else if (key == "anon") anon = number;
            else if (key == "dirty") dirty = number;
            else if (key == "mapped") mapped = number;
            // mapmax, swapcache, active, writeback: counters status has no use for; newer kernels may add more.
        }
        return new NumaMapping(address, policy, file, huge, heap, stack, anon, dirty, mapped, nodes, pageSize);
    }

    /// <summary>seq_file_path escapes space, tab, newline and backslash as \ooo (octal): <c>\040(deleted)</c>.</summary>
    static string Unescape(string value)
    {
        if (!value.Contains('\\')) return value;
        var sb = new StringBuilder(value.Length);
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && IsOctal(value, i + 1))
            {
                sb.Append((char)Convert.ToInt32(value.Substring(i + 1, 3), 8));
                i += 3;
            }
            else sb.Append(value[i]);
        }
        return sb.ToString();
    }

    static bool IsOctal(string s, int at) => at + 3 <= s.Length && s.AsSpan(at, 3).ToString().All(c => c is >= '0' and <= '7');

    static string Shorten(string line) => line.Length <= 80 ? line : line[..77] + "...";
}
