using CsCheck;
using Hostmem.Sysfs;
using Xunit;

namespace Hostmem.Tests.Discovery;

public class CpuListTests
{
    [Theory]
    [InlineData("0-3,8,10-11", new[] { 0, 1, 2, 3, 8, 10, 11 })]
    [InlineData("", new int[0])]
    [InlineData("5", new[] { 5 })]
    [InlineData("2147483646-2147483647", new[] { 2147483646, 2147483647 })]
    public void Kernel_lists_parse(string text, int[] expected) => Assert.Equal(expected, CpuList.TryParse(text));

    [Theory]
    [InlineData("0-")]
    [InlineData("3-1")]
    [InlineData("a")]
    [InlineData("0-99999999")]
    public void Garbage_is_not_a_list(string text) => Assert.Null(CpuList.TryParse(text));

    [Fact]
    public void Format_then_parse_gives_the_same_set() =>
        Gen.Int[0, 300].Array[0, 40].Sample(ids =>
            Assert.Equal(ids.Distinct().Order(), CpuList.TryParse(CpuList.Format(ids))!));
}
