using System.Globalization;

namespace Hostmem.Libvirt;

/// <summary>libvirt's cpuset syntax (cell cpus=, numatune nodeset=, vcpu cpuset=): "0-3,8", with "^N" taking N out again.</summary>
public static class LibvirtCpuset
{
    /// <summary>The ids, ascending; null when the text is not a cpuset.</summary>
    public static IReadOnlyList<int>? TryParse(string text)
    {
        var set = new SortedSet<int>();
        var excluded = new List<int>();
        if (text.Trim().Length == 0) return null;
        foreach (var raw in text.Split(','))
        {
            string part = raw.Trim();
            bool exclude = part.StartsWith('^');
            if (exclude) part = part[1..];
            int dash = part.IndexOf('-');
            int lo, hi;
            if (dash < 0)
            {
                if (!Int(part, out lo)) return null;
                hi = lo;
            }
            else if (exclude || !Int(part[..dash], out lo) || !Int(part[(dash + 1)..], out hi) || hi < lo || hi - lo > 1 << 16) return null;
            if (exclude) { excluded.Add(lo); continue; }
            for (long i = lo; i <= hi; i++) set.Add((int)i);
        }
        foreach (int x in excluded) set.Remove(x);
        return [.. set];
    }

    static bool Int(string s, out int v) => int.TryParse(s.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out v);
}
