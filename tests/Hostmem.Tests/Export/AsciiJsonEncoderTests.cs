using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CsCheck;
using Hostmem.Export;
using Xunit;

namespace Hostmem.Tests.Export;

/// <summary>The reference is the framework's own <see cref="JavaScriptEncoder.Default"/>, through the same JSON writer.</summary>
public class AsciiJsonEncoderTests
{
    [Fact]
    public void Every_utf16_code_unit_is_escaped_as_the_default_encoder_escapes_it()
    {
        var differ = new List<string>();
        for (int c = 0; c <= 0xFFFF; c++)
        {
            var s = "a" + (char)c + "b"; // lone surrogates too: both encoders write U+FFFD's escape
            if (Json(s, AsciiJsonEncoder.Instance) != Json(s, null)) differ.Add($"U+{c:X4}: {Json(s, AsciiJsonEncoder.Instance)} vs {Json(s, null)}");
        }
        Assert.Empty(differ);
    }

    [Fact]
    public void Astral_characters_and_mixed_text_are_escaped_as_the_default_encoder_escapes_them()
    {
        Assert.Equal("\"\\uD83D\\uDE00\"", Write(w => w.WriteStringValue("😀"), AsciiJsonEncoder.Instance)); // U+1F600 as its UTF-16 pair
        Gen.String[Gen.Char["aZ09 /-_.:\"\\<>&'+`\t\n\r\b\f\u0001\u007féü漢😀\uD800"], 0, 40].Sample(s =>
            Assert.Equal(Json(s, null), Json(s, AsciiJsonEncoder.Instance)), iter: 2000);
    }

    [Fact]
    public void Property_names_are_escaped_as_the_default_encoder_escapes_them()
    {
        foreach (var name in new[] { "node", "a+b", "é", "<x>", "tab\there" })
            Assert.Equal(Property(name, null), Property(name, AsciiJsonEncoder.Instance));
    }

    static string Json(string value, JavaScriptEncoder? encoder) => Write(w => w.WriteStringValue(value), encoder) + Write(w => w.WriteStringValue(Encoding.UTF8.GetBytes(value)), encoder);

    static string Property(string name, JavaScriptEncoder? encoder) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteNumber(name, 1);
        w.WriteNumber(Encoding.UTF8.GetBytes(name), 2);
        w.WriteEndObject();
    }, encoder);

    static string Write(Action<Utf8JsonWriter> write, JavaScriptEncoder? encoder)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = encoder })) write(w);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
