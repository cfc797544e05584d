using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Hostmem.Libvirt;

/// <summary>
/// The domain file's text and where each element of its parsed tree lies in it. XML writers change what they do not
/// understand as data (libvirt's single quotes become double, <c>&lt;a/&gt;</c> becomes <c>&lt;a /&gt;</c>, entities are
/// re-escaped), so hostmem never re-serialises the document: it replaces or inserts the few elements it owns as text
/// and every other byte stays as it was.
/// </summary>
public sealed class SourceText
{
    readonly List<int> lineStarts = [0];
    readonly List<(int Start, int Length, string Text)> edits = [];

    public SourceText(string text)
    {
        Text = text;
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
            if (text[i] is '\n' or '\r') lineStarts.Add(i + 1);
        }
        NewLine = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
    }

    public string Text { get; }
    /// <summary>The file's own line break.</summary>
    public string NewLine { get; }
    public bool HasEdits => edits.Count > 0;

    /// <summary>The offset of the '&lt;' that opens <paramref name="e"/> (the parser's line info points at its name).</summary>
    public int Start(XElement e)
    {
        var info = (IXmlLineInfo)e;
        if (!info.HasLineInfo()) throw new InvalidOperationException("the document was loaded without line info");
        int offset = lineStarts[info.LineNumber - 1] + info.LinePosition - 1;
        int lt = Text.LastIndexOf('<', offset);
        return lt;
    }

    /// <summary>The offset just past the '&gt;' of the start tag.</summary>
    public int StartTagEnd(XElement e) => TagEnd(Start(e));

    public bool IsEmptyTag(XElement e) => Text[StartTagEnd(e) - 2] == '/';

    /// <summary>The offset just past the element (its end tag, or its start tag when it is <c>&lt;x/&gt;</c>).</summary>
    public int End(XElement e)
    {
        int i = StartTagEnd(e);
        if (Text[i - 2] == '/') return i;
        int depth = 1;
        while (true)
        {
            i = Text.IndexOf('<', i);
            if (i < 0) throw new InvalidOperationException("unbalanced element in a document the parser accepted");
            if (At(i, "<!--")) i = Text.IndexOf("-->", i + 4, StringComparison.Ordinal) + 3;
            else if (At(i, "<![CDATA[")) i = Text.IndexOf("]]>", i + 9, StringComparison.Ordinal) + 3;
            else if (At(i, "<?")) i = Text.IndexOf("?>", i + 2, StringComparison.Ordinal) + 2;
            else if (At(i, "</"))
            {
                i = Text.IndexOf('>', i) + 1;
                if (--depth == 0) return i;
            }
            else
            {
                i = TagEnd(i);
                if (Text[i - 2] != '/') depth++;
            }
        }
    }

    /// <summary>The offset of the '&lt;/' that closes a non-empty element.</summary>
    public int CloseTagStart(XElement e) => Text.LastIndexOf("</", End(e) - 1, StringComparison.Ordinal);

    /// <summary>The original text of the element.</summary>
    public string Slice(XElement e) => Text[Start(e)..End(e)];

    /// <summary>The whitespace before the element on its line ("" when something else precedes it there).</summary>
    public string IndentOf(XElement e)
    {
        int start = Start(e);
        int lineStart = start;
        while (lineStart > 0 && Text[lineStart - 1] is not ('\n' or '\r')) lineStart--;
        string before = Text[lineStart..start];
        return before.All(c => c is ' ' or '\t') ? before : "";
    }

    /// <summary>Replaces [start, end) with <paramref name="text"/> when the document is written.</summary>
    public void Replace(int start, int end, string text)
    {
        if (Text.AsSpan(start, end - start).SequenceEqual(text)) return;
        for (int i = 0; i < edits.Count; i++)
        {
            var (s, l, t) = edits[i];
            if (start == end && l == 0 && s == start)
            {
                edits[i] = (s, 0, t + text); // a second insert at one place goes after the first
                return;
            }
            if (start < s + l && s < end || start == end && s < start && start < s + l)
                throw new InvalidOperationException($"overlapping edits at {start} and {s}");
        }
        edits.Add((start, end - start, text));
    }

    public void Insert(int at, string text) => Replace(at, at, text);

    /// <summary>The text with every edit applied.</summary>
    public string Result()
    {
        var sb = new StringBuilder(Text);
        foreach (var (start, length, text) in edits.OrderByDescending(e => e.Start).ThenByDescending(e => e.Length))
            sb.Remove(start, length).Insert(start, text);
        return sb.ToString();
    }

    bool At(int i, string s) => string.CompareOrdinal(Text, i, s, 0, s.Length) == 0;

    /// <summary>From a '&lt;' to just past its '&gt;', skipping quoted attribute values (which may hold '&gt;').</summary>
    int TagEnd(int lt)
    {
        for (int i = lt + 1; i < Text.Length; i++)
        {
            char c = Text[i];
            if (c is '"' or '\'') i = Text.IndexOf(c, i + 1);
            else if (c == '>') return i + 1;
        }
        throw new InvalidOperationException("unterminated tag in a document the parser accepted");
    }
}
