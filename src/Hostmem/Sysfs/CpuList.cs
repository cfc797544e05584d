using System.Globalization;
using System.Text;

namespace Hostmem.Sysfs;

/// <summary>The kernel's list format ("0-3,8,10-11") used by cpulist, nodelist, online and possible.</summary>
public static class CpuList
{
    /// <summary>Parses a list; null when the text is not a list (the caller records the problem).</summary>
    public static IReadOnlyList<int>? TryParse(string text)
    {
        var result = new SortedSet<int>();
        text = text.Trim();
        if (text.Length == 0) return [];
        foreach (var part in text.Split(','))
        {
            var dash = part.IndexOf('-');
            if (dash < 0)
            {
                if (!TryInt(part, out var single)) return null;
                result.Add(single);
                continue;
            }
            if (!TryInt(part[..dash], out var lo) || !TryInt(part[(dash + 1)..], out var hi) || hi < lo || hi - lo > 1 << 16)
                return null;
            for (long i = lo; i <= hi; i++) result.Add((int)i); // long: hi may be int.MaxValue
        }
        return [.. result];
    }

    /// <summary>A cpumap mask: comma-separated 32-bit hex words, most significant first.</summary>
    public static IReadOnlyList<int>? TryParseMask(string text)
    {
        var words = text.Trim().Split(',');
        var result = new List<int>();
        for (var w = 0; w < words.Length; w++)
        {
            if (!uint.TryParse(words[w], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var bits)) return null;
            var baseCpu = (words.Length - 1 - w) * 32;
            for (var b = 0; b < 32; b++)
                if ((bits & (1u << b)) != 0) result.Add(baseCpu + b);
        }
        result.Sort();
        return result;
    }

    public static string Format(IEnumerable<int> ids)
    {
        var sorted = ids.Distinct().Order().ToList();
        var sb = new StringBuilder();
        for (var i = 0; i < sorted.Count; i++)
        {
            var start = sorted[i];
            while (i + 1 < sorted.Count && sorted[i + 1] == sorted[i] + 1) i++;
            if (sb.Length > 0) sb.Append(',');
            sb.Append(start.ToString(CultureInfo.InvariantCulture));
            if (sorted[i] != start) sb.Append('-').Append(sorted[i].ToString(CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    private static bool TryInt(string s, out int v) =>
        int.TryParse(s.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out v);
}
