using System.Text;

namespace Hostmem.Cli.Output;

/// <summary>A plain left-aligned text table; widths come from the text, not from colour codes.</summary>
public sealed class Table(params string[] headers)
{
    private readonly List<(string Text, Func<string, string>? Style)[]> _rows = [];

    public void Add(params string[] cells) => _rows.Add([.. cells.Select(c => (c, (Func<string, string>?)null))]);

    public void Add(params (string Text, Func<string, string>? Style)[] cells) => _rows.Add(cells);

    public void Write(Terminal t)
    {
        var widths = headers.Select(h => h.Length).ToArray();
        foreach (var row in _rows)
            for (var i = 0; i < row.Length && i < widths.Length; i++)
                widths[i] = Math.Max(widths[i], row[i].Text.Length);
        var sb = new StringBuilder();
        for (var i = 0; i < headers.Length; i++)
            sb.Append(t.Bold(Pad(headers[i], widths[i], i == headers.Length - 1)));
        t.Writer.WriteLine(sb.ToString().TrimEnd());
        foreach (var row in _rows)
        {
            sb.Clear();
            for (var i = 0; i < row.Length && i < widths.Length; i++)
            {
                var padded = Pad(row[i].Text, widths[i], i == row.Length - 1);
                sb.Append(row[i].Style is { } style ? style(row[i].Text) + padded[row[i].Text.Length..] : padded);
            }
            t.Writer.WriteLine(sb.ToString().TrimEnd());
        }
    }

    private static string Pad(string s, int width, bool last) => last ? s : s.PadRight(width + 2);
}
