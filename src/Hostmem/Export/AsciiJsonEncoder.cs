using System.Text.Encodings.Web;

namespace Hostmem.Export;

/// <summary>
/// Escapes exactly as <see cref="JavaScriptEncoder.Default"/> does (ASCII letters, digits and punctuation as they are;
/// <c>\\</c>, <c>\n</c>, <c>\r</c>, <c>\t</c>, <c>\b</c>, <c>\f</c> short; every other control, <c>" &amp; ' + &lt; &gt; `</c>
/// and all non-ASCII as <c>\uXXXX</c>, astral characters as a surrogate pair), without its start-up: the default
/// encoder builds a table over the whole Basic Multilingual Plane when first used, a tenth of a
/// <c>hostmem topology --format json</c> run. AsciiJsonEncoderTests compare the two over every UTF-16 code unit.
/// </summary>
public sealed class AsciiJsonEncoder : JavaScriptEncoder
{
    public static readonly AsciiJsonEncoder Instance = new();

    AsciiJsonEncoder() { }

    /// <summary>What the default encoder writes as it is: printable ASCII but the HTML-sensitive and quoting characters.</summary>
    static bool Plain(int c) => c is >= 0x20 and < 0x7F and not ('"' or '&' or '\'' or '+' or '<' or '>' or '\\' or '`');

    public override int MaxOutputCharactersPerInputCharacter => 12; // a surrogate pair: \uD83D\uDE00

    public override bool WillEncode(int unicodeScalar) => !Plain(unicodeScalar);

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        for (int i = 0; i < textLength; i++)
            if (!Plain(text[i])) return i;
        return -1;
    }

    public override int FindFirstCharacterToEncodeUtf8(ReadOnlySpan<byte> utf8Text)
    {
        for (int i = 0; i < utf8Text.Length; i++)
            if (!Plain(utf8Text[i])) return i;
        return -1;
    }

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        Span<char> escaped = stackalloc char[12];
        int n = Escape(unicodeScalar, escaped);
        numberOfCharactersWritten = n <= bufferLength ? n : 0;
        if (n > bufferLength) return false;
        escaped[..n].CopyTo(new Span<char>(buffer, bufferLength));
        return true;
    }

    /// <summary>The scalar as the default encoder writes it, into <paramref name="into"/> (12 chars); its length.</summary>
    static int Escape(int scalar, Span<char> into)
    {
        if (Plain(scalar))
        {
            into[0] = (char)scalar;
            return 1;
        }
        char shortForm = scalar switch { '\\' => '\\', '\n' => 'n', '\r' => 'r', '\t' => 't', '\b' => 'b', '\f' => 'f', _ => '\0' };
        if (shortForm != '\0')
        {
            into[0] = '\\';
            into[1] = shortForm;
            return 2;
        }
        if (scalar < 0x10000) return Hex(scalar, into);
        int v = scalar - 0x10000;
        return Hex(0xD800 + (v >> 10), into) + Hex(0xDC00 + (v & 0x3FF), into[6..]);
    }

    static int Hex(int unit, Span<char> into)
    {
        into[0] = '\\';
        into[1] = 'u';
        for (int i = 0; i < 4; i++) into[2 + i] = "0123456789ABCDEF"[(unit >> (12 - 4 * i)) & 0xF];
        return 6;
    }
}
