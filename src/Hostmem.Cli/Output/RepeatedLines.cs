using System.Text.RegularExpressions;

namespace Hostmem.Cli.Output;

/// <summary>
/// A warning said for each of 500 backends or guest nodes, differing only in the number it names, said once: the first
/// of them, then how many more there are like it. A few such lines stay as they are (each may carry its own figure).
/// </summary>
public static partial class RepeatedLines
{
    public const int KeptAsTheyAre = 3;

    /// <summary>The lines in their order; of more than <see cref="KeptAsTheyAre"/> lines that differ only in their
    /// numbers, the first, followed by "(and N more like it)".</summary>
    public static IEnumerable<string> Collapse(IEnumerable<string> lines)
    {
        var all = lines.ToList();
        var counts = all.CountBy(Key).ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);
        var said = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in all)
        {
            var key = Key(line);
            int count = counts[key];
            if (count <= KeptAsTheyAre) yield return line;
            else if (said.Add(key)) yield return $"{line} (and {count - 1} more like it)";
        }
    }

    static string Key(string line) => Numbers().Replace(line, "#");

    [GeneratedRegex("[0-9]+")]
    private static partial Regex Numbers();
}
