using System.Text;

namespace Hostmem.Tests.Support;

/// <summary>Splits a command line as POSIX sh would for the plain cases the corpus uses: blanks separate words,
/// backslash-newline joins lines, '...' is literal, "..." keeps blanks (no expansion: ${X} stays as written).</summary>
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
                int end = text.IndexOf('"', i + 1);
                if (end < 0) throw new FormatException("unterminated \"");
                word.Append(text, i + 1, end - i - 1);
                i = end;
                inWord = true;
            }
            else if (char.IsWhiteSpace(ch))
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
