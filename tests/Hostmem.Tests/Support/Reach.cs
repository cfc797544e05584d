using Xunit;
using Xunit.Abstractions;

namespace Hostmem.Tests.Support;

/// <summary>
/// How many generated cases of a property test got past its early exits (a refusal, an unparsable input) to the
/// property itself. A property that most cases skip proves little, so each property test prints its reach and asserts a
/// minimum share. Safe for CsCheck's parallel sampling.
/// </summary>
public sealed class Reach(string property, ITestOutputHelper output)
{
    int total, reached;

    /// <summary>A generated case began.</summary>
    public void Case() => Interlocked.Increment(ref total);

    /// <summary>The case reached the property; returns true so a sample can end with <c>return reach.Reached() &amp;&amp; ...</c>.</summary>
    public bool Reached()
    {
        Interlocked.Increment(ref reached);
        return true;
    }

    /// <summary>Prints the reach and fails when fewer than <paramref name="share"/> of the cases reached the property.</summary>
    public void AtLeast(double share)
    {
        var line = $"reach: {property}: {reached} of {total} cases reached the property ({(total == 0 ? 0 : 100.0 * reached / total):0.#} %)";
        output.WriteLine(line);
        Assert.True(total > 0 && reached >= total * share, $"{line}; at least {share:P0} expected");
    }
}
