using System.Globalization;
using System.Text.RegularExpressions;

namespace Hostmem.Tests.Fleet;

/// <summary>The samples of a Prometheus text exposition, read by the test on its own (name, labels, value).</summary>
public sealed partial record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    [GeneratedRegex("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})? (\\S+)$")]
    private static partial Regex Line();

    [GeneratedRegex("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?")]
    private static partial Regex Label();

    public static IReadOnlyList<Sample> Parse(string text) =>
        [.. text.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l =>
        {
            var m = Line().Match(l);
            if (!m.Success) throw new FormatException($"not a sample line: {l}");
            var labels = Label().Matches(m.Groups[2].Value).ToDictionary(x => x.Groups[1].Value, x => Regex.Unescape(x.Groups[2].Value));
            return new Sample(m.Groups[1].Value, labels, double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture));
        })];

    public bool Has(params (string Name, string Value)[] labels) => labels.All(l => Labels.TryGetValue(l.Name, out var v) && v == l.Value);
}
