using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Text;

namespace Hostmem.Cli;

/// <summary>
/// `hostmem --help`: one line per command, the options most commands share, and where to start (as git, cxl and dotnet
/// do); each command's long text stays in `hostmem CMD --help`. The list is read from the command tree, so a new command
/// appears here without an edit.
/// </summary>
public sealed class ShortHelp(RootCommand root, CommandLineAction fullHelp) : SynchronousCommandLineAction
{
    const int Width = 100;

    /// <summary>Replaces the root's --help action; a subcommand's --help keeps the full text.</summary>
    public static void Install(RootCommand root)
    {
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new ShortHelp(root, help.Action!);
    }

    /// <summary>As the help action it replaces: 'hostmem libvirt apply --help' is help, not a missing DOMAIN.xml.</summary>
    public override bool ClearsParseErrors => true;

    public override int Invoke(ParseResult parse)
    {
        if (parse.CommandResult.Command != root)
            return fullHelp is SynchronousCommandLineAction full ? full.Invoke(parse) : 0;
        Console.Out.Write(Text(root));
        return 0;
    }

    public static string Text(RootCommand root)
    {
        var sb = new StringBuilder();
        sb.Append($"usage: hostmem COMMAND [OPTIONS] [-- QEMU ARGS...]\n\n{root.Description}\n\nCommands:\n");
        var commands = Visible(root.Subcommands).ToList();
        int width = commands.Max(c => c.Name.Length) + 2;
        foreach (var c in commands)
            sb.Append("  ").Append(c.Name.PadRight(width)).Append(Summary(c.Description, Width - width - 2)).Append('\n');
        sb.Append("\nOptions most commands take:\n");
        foreach (var o in CommonOptions.Shared())
            sb.Append("  ").Append(Label(o).PadRight(24)).Append(Summary(o.Description, Width - 26)).Append('\n');
        sb.Append("""

            Exit status: 0 done, 1 a check found problems (lint, status, topology --check), 2 bad input (one line
            that says what is wrong and a hint), else QEMU's own (qemu).

            Start with 'hostmem topology'. 'hostmem COMMAND --help' (or 'man hostmem-COMMAND') explains a command,
            with examples; 'hostmem --version' prints the version.

            """);
        return sb.ToString();
    }

    static IEnumerable<Command> Visible(IEnumerable<Command> commands) => commands.Where(c => !c.Hidden);

    static string Label(Option o) => o.HelpName is { } name ? $"{o.Name} {name}" : o.Name;

    /// <summary>A description's first sentence or clause (up to ':' or '.' followed by a space, or its first paragraph),
    /// cut at a word to fit the column.</summary>
    internal static string Summary(string? description, int width)
    {
        var text = string.Join(' ', (description ?? "").Split("\n\n")[0].Split(['\n', ' '], StringSplitOptions.RemoveEmptyEntries));
        foreach (var end in new[] { ". ", ": " })
        {
            int at = text.IndexOf(end, StringComparison.Ordinal);
            if (at > 0) text = text[..at];
        }
        text = text.TrimEnd('.');
        if (text.Length <= width) return text;
        int cut = text.LastIndexOf(' ', width - 4);
        return text[..(cut > 0 ? cut : width - 4)] + " ...";
    }
}
