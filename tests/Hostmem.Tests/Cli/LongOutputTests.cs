using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Cli;

/// <summary>Output that grows with hostile input: an error quoting a 120 KB argument, a warning for each of 130 nodes.</summary>
public class LongOutputTests
{
    static readonly string TwoSocket = Trees.Archive("two-socket-cxl");

    [Fact]
    public void An_error_line_shows_a_huge_argument_by_its_start_and_length()
    {
        string huge = "memory-backend-ram,id=m,size=64M,host-mem-type=cxl-ram,host-mem-nodes=" + new string('x', 120_000);
        var (code, _, stderr) = HostmemCli.Run("plan", "--sysfs", TwoSocket, "--", "qemu-system-x86_64", "-object", huge);
        Assert.Equal(2, code);
        var lines = stderr.TrimEnd('\n').Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("hostmem: ", lines[0]);
        Assert.True(lines[0].Length < 1000, $"error line of {lines[0].Length} characters"); // before: 120,103
        Assert.Contains("characters]", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_warning_for_each_of_many_guest_nodes_is_said_once_with_a_count()
    {
        // two-socket-cxl's cxl-ram latency (17450 ns) draws one warning per guest node made for it.
        var args = Enumerable.Range(0, 100).SelectMany(i => new[] { "-object", $"memory-backend-ram,id=m{i},size=1M,host-mem-type=cxl-ram" });
        var (code, _, stderr) = HostmemCli.Run(["qemu", "--dry-run", "--sysfs", TwoSocket, "--", "qemu-system-x86_64", .. args]);
        Assert.Equal(0, code);
        var warnings = stderr.Split('\n').Where(l => l.Contains("which is not a memory latency", StringComparison.Ordinal)).ToList();
        Assert.Equal("(and 99 more like it)", Assert.Single(warnings)[^"(and 99 more like it)".Length..]); // before: 100 lines
    }
}
