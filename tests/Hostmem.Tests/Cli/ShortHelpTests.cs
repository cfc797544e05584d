using System.CommandLine;
using System.Text.RegularExpressions;
using Hostmem.Cli;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Cli;

/// <summary>`hostmem --help` is the short page (one line per command, as git, cxl and dotnet show); each command's
/// long text stays in `hostmem CMD --help`.</summary>
public class ShortHelpTests
{
    static IEnumerable<Command> Commands => Program.Root([]).Subcommands.Where(c => !c.Hidden);

    [Fact]
    public void The_help_words_that_build_the_full_tree_are_System_CommandLine_s_own()
    {
        // A line that names a command and none of these gets a root without a help option (start-up time); so these
        // must be exactly the words System.CommandLine's HelpOption answers to.
        var help = new System.CommandLine.Help.HelpOption();
        Assert.Equal(help.Aliases.Append(help.Name).Order(StringComparer.Ordinal), Program.HelpWords.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("topology", "--help")]
    [InlineData("topology", "-h")]
    [InlineData("libvirt", "apply", "-?")]
    [InlineData("qemu", "--sysfs", "x", "--help")]
    public void A_command_s_help_works_with_every_help_word(params string[] line)
    {
        var (code, stdout, stderr) = HostmemCli.Run(line);
        Assert.Equal((0, ""), (code, stderr));
        Assert.StartsWith("Description:", stdout);
    }

    [Fact]
    public void Version_after_a_command_is_refused_as_before()
    {
        // The plain root has no --version: a command word before it is still an unknown option, with a hint.
        Refusal.Assert(HostmemCli.Run("topology", "--version"), "Unrecognized command or argument '--version'");
        Refusal.Assert(HostmemCli.Run("topology", "--sysfs"), "Required argument missing for option: '--sysfs'");
    }

    [Fact]
    public void Lists_every_command_of_the_tree_on_one_line_each()
    {
        var (code, stdout, stderr) = HostmemCli.Run("--help");
        Assert.Equal((0, ""), (code, stderr));
        var lines = stdout.Split('\n');
        foreach (var command in Commands)
            Assert.Single(lines, l => Regex.IsMatch(l, $@"^  {Regex.Escape(command.Name)}\s+\S"));
        Assert.DoesNotContain(lines, l => l.StartsWith("  complete", StringComparison.Ordinal)); // hidden
        // Short: the commands, the shared options and a few lines around them; no command's long text or examples.
        Assert.True(lines.Length <= Commands.Count() + 25, $"{lines.Length} lines:\n{stdout}");
        Assert.DoesNotContain("Examples:", stdout);
        Assert.Contains("hostmem topology", stdout); // where to start
    }

    [Theory]
    [InlineData("-h")]
    [InlineData("-?")]
    public void Every_help_alias_gives_the_same_page(string alias)
    {
        Assert.Equal(HostmemCli.Run("--help").Out, HostmemCli.Run(alias).Out);
    }

    [Fact]
    public void A_commands_help_keeps_its_long_text()
    {
        foreach (var command in Commands.Where(c => c.Subcommands.Count == 0))
        {
            var (code, stdout, _) = HostmemCli.Run(command.Name, "--help");
            Assert.Equal(0, code);
            Assert.Contains(command.Description!.Split('\n')[0], stdout);
        }
    }

    [Fact]
    public void Version_is_the_one_the_build_declares()
    {
        // Directory.Build.props is where the version is set (and scripts/package names the .deb after it).
        var props = File.ReadAllText(Path.Combine(Trees.RepoRoot, "Directory.Build.props"));
        var declared = Regex.Match(props, "<Version>([^<]+)</Version>").Groups[1].Value;
        Assert.Equal((0, declared + "\n", ""), HostmemCli.Run("--version"));
    }

    [Fact]
    public void Output_moves_the_offset_a_redirected_file_shares()
    {
        // Before: hostmem wrote stdout with pwrite(2) at its own position, and the next writer overwrote it.
        var file = Path.Combine(Scratch.Folder("offset-"), "log");
        var r = HostmemCli.Bash($"{{ echo a; \"$H\" --version; \"$H\" --help | head -1; echo b; }} > '{file}'");
        Assert.Equal(0, r.Code);
        var version = HostmemCli.Run("--version").Out;
        Assert.Equal($"a\n{version}usage: hostmem COMMAND [OPTIONS] [-- QEMU ARGS...]\nb\n", File.ReadAllText(file));
    }
}
