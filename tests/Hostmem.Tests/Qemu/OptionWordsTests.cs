using Hostmem.Qemu;
using Xunit;

namespace Hostmem.Tests.Qemu;

/// <summary>The shared words of option strings: the same text always gives an equal string, and the common words and
/// small numbers the same instance wherever they appear.</summary>
public class OptionWordsTests
{
    [Theory]
    [InlineData("dist")]
    [InlineData("src")]
    [InlineData("hmat-lb")]
    [InlineData("access-bandwidth")]
    [InlineData("memory-backend-memfd")]
    [InlineData("false")]
    [InlineData("0")]
    [InlineData("20")]
    [InlineData("255")]
    public void A_common_word_is_one_instance_wherever_it_is_read(string word)
    {
        string text = $"x,{word},y";
        string shared = OptionWords.Of(text, 2, 2 + word.Length);
        Assert.Equal(word, shared);
        Assert.Same(shared, OptionWords.Of(new string(word), 0, word.Length));
    }

    [Theory]
    [InlineData("07")]      // not a canonical decimal: kept as written (base 0 reads it as octal 7)
    [InlineData("256")]
    [InlineData("distx")]
    [InlineData("memory-backend-ramx")]
    [InlineData("a-word-longer-than-twenty-four")]
    [InlineData("")]
    public void Any_other_text_is_read_as_it_is(string word)
    {
        string text = $"x,{word},y";
        Assert.Equal(word, OptionWords.Of(text, 2, 2 + word.Length));
    }

    [Fact]
    public void Words_that_share_length_and_ends_are_told_apart()
    {
        // "dump" and "default" differ; "cpus" and "cpu" differ in length; "bind" and "node" share a length.
        foreach (var w in new[] { "cpu", "cpus", "bind", "node", "mem", "dst", "src", "val", "yes", "off" })
            Assert.Equal(w, OptionWords.Of(w, 0, w.Length));
    }
}
