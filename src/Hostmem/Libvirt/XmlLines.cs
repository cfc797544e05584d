using System.Text;

namespace Hostmem.Libvirt;

/// <summary>
/// XML that hostmem writes into a domain, as lines with a nesting level, in libvirt's own style (single-quoted
/// attributes, <c>&lt;a/&gt;</c>), indented to fit where it goes.
/// </summary>
public sealed class XmlLines
{
    readonly List<(int Level, string Text)> lines = [];

    public int Count => lines.Count;

    public XmlLines Add(int level, string text)
    {
        lines.Add((level, text));
        return this;
    }

    public XmlLines Add(int level, XmlLines inner)
    {
        foreach (var (l, t) in inner.lines) lines.Add((level + l, t));
        return this;
    }

    /// <summary>The lines joined by <paramref name="newLine"/>, the first at <paramref name="indent"/> (or none: the text
    /// goes where an element's indentation already is), each level one <paramref name="unit"/> deeper.</summary>
    public string Render(string indent, string unit, string newLine, bool indentFirst = true)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < lines.Count; i++)
        {
            if (i > 0) sb.Append(newLine);
            if (i > 0 || indentFirst) sb.Append(indent);
            for (int l = 0; l < lines[i].Level; l++) sb.Append(unit);
            sb.Append(lines[i].Text);
        }
        return sb.ToString();
    }

    /// <summary><c> name='value'</c>, escaped as libvirt escapes attribute values.</summary>
    public static string Attr(string name, string value) => $" {name}='{Escape(value)}'";

    public static string Escape(string value) => value.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal).Replace("'", "&apos;", StringComparison.Ordinal);
}
