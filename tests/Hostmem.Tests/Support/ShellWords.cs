using System.Text;

namespace Hostmem.Tests.Support;

/// <summary>The one shell-word splitter of the tests: splits a command line as POSIX sh would for the plain cases the
/// corpus, virsh domxml-to-native and hostmem's own quoting produce: blanks separate words, backslash quotes the next
/// character and backslash-newline joins lines, '...' is literal, "..." keeps blanks and takes backslash before " \ $ `
/// (no expansion: ${X} stays as written).</summary>
public static class ShellWords
{
    public static IReadOnlyList<string> Split(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        for (int i = 0; i < text.Length; i++)
        {
            char ch = text[i];
            if (ch == '\\' && i + 1 < text.Length)
            {
                if (text[i + 1] == '\n') { i++; continue; }
                word.Append(text[++i]);
                inWord = true;
            }
            else if (ch == '\'')
            {
                int end = text.IndexOf('\'', i + 1);
                if (end < 0) throw new FormatException("unterminated '");
                word.Append(text, i + 1, end - i - 1);
                i = end;
                inWord = true;
            }
            else if (ch == '"')
            {
                for (i++; ; i++)
                {
                    if (i >= text.Length) throw new FormatException("unterminated \"");
                    if (text[i] == '"') break;
                    if (text[i] == '\\' && i + 1 < text.Length && "\"\\$`\n".Contains(text[i + 1], StringComparison.Ordinal))
                    {
                        if (text[++i] != '\n') word.Append(text[i]);
                    }
                    else word.Append(text[i]);
                }
                inWord = true;
            }
            else if (ch is ' ' or '\t' or '\n') // sh splits on IFS: space, tab, newline only
            {
                if (inWord) words.Add(word.ToString());
                word.Clear();
                inWord = false;
            }
            else
            {
                word.Append(ch);
                inWord = true;
            }
        }
        if (inWord) words.Add(word.ToString());
        return words;
    }
}
