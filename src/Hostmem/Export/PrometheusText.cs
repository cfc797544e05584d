using System.Globalization;
using System.Text;

namespace Hostmem.Export;

/// <summary>
/// Prometheus' text exposition format (version 0.0.4, what node_exporter's textfile collector reads): each metric family
/// once, its <c># HELP</c> and <c># TYPE</c> lines first, then its samples, no timestamps (the textfile collector refuses
/// them). Escaping as the format's specification says: in HELP a backslash and a line feed, in label values also the
/// double quote.
/// </summary>
public sealed class PrometheusText
{
    readonly StringBuilder text = new();
    readonly HashSet<string> families = new(StringComparer.Ordinal);
    string? current;

    /// <summary>Starts a gauge family; its samples follow with <see cref="Sample"/>.</summary>
    public PrometheusText Gauge(string name, string help)
    {
        if (!families.Add(name)) throw new InvalidOperationException($"metric family {name} written twice");
        current = name;
        text.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(help)).Append('\n');
        text.Append("# TYPE ").Append(name).Append(" gauge\n");
        return this;
    }

    public PrometheusText Sample(double value, params (string Name, string Value)[] labels)
    {
        if (current is null) throw new InvalidOperationException("a sample before its family");
        text.Append(current);
        if (labels.Length > 0)
        {
            text.Append('{');
            for (int i = 0; i < labels.Length; i++)
                text.Append(i == 0 ? "" : ",").Append(labels[i].Name).Append("=\"").Append(EscapeLabelValue(labels[i].Value)).Append('"');
            text.Append('}');
        }
        text.Append(' ').Append(Format(value)).Append('\n');
        return this;
    }

    public override string ToString() => text.ToString();

    /// <summary>Integers as integers (byte counts stay exact up to 2^53), other values in the shortest form that reads
    /// back the same (Go's ParseFloat, which Prometheus uses, takes <c>1E-07</c>).</summary>
    public static string Format(double value) =>
        value == Math.Floor(value) && Math.Abs(value) < 1e15 ? ((long)value).ToString(CultureInfo.InvariantCulture)
            : value.ToString("R", CultureInfo.InvariantCulture);

    static string EscapeHelp(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    public static string EscapeLabelValue(string s) =>
        s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
