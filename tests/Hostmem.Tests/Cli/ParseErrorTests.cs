using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Cli;

/// <summary>Parse errors name the whole command in their hint, so the help page they point to exists.</summary>
public class ParseErrorTests
{
    [Theory]
    [InlineData("hostmem: no command given: choose one of", "hint: see 'hostmem --help'")]
    [InlineData("hostmem: no command given after 'hostmem libvirt': choose one of apply", "hint: see 'hostmem libvirt --help'", "libvirt")]
    [InlineData("hostmem: Required argument missing for command: 'apply'.", "hint: see 'hostmem libvirt apply --help'", "libvirt", "apply")]
    [InlineData("hostmem: Required argument missing for command: 'lint'.", "hint: see 'hostmem lint --help'", "lint")]
    public void Missing_words_give_one_line_and_the_commands_own_help(string problem, string hint, params string[] args)
    {
        var (code, stdout, stderr) = HostmemCli.Run(args);
        Assert.Equal(2, code);
        Assert.Empty(stdout);
        var lines = stderr.TrimEnd('\n').Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.StartsWith(problem, lines[0]);
        Assert.Equal(hint, lines[1]);
    }

    [Fact]
    public void The_help_page_the_hint_names_exists()
    {
        var (code, stdout, _) = HostmemCli.Run("libvirt", "apply", "--help");
        Assert.Equal(0, code);
        Assert.Contains("--cell", stdout);
    }
}
