using System.CommandLine;
using System.CommandLine.Parsing;
using Hostmem.Cli.Output;

namespace Hostmem.Cli;

/// <summary>The edge where errors become exit codes: one clear line and a hint, exit 2, never a stack trace.</summary>
public static class Cli
{
    /// <param name="tree">Builds the command tree for a line.</param>
    public static int Run(string[] args, Func<IReadOnlyList<string>, Command> tree)
    {
        StandardStreams.Install();
        Interrupts.Install();
        try
        {
            // The one answer that needs no command tree at all.
            if (args is ["--version"])
            {
                Console.Out.Write(Program.Version + "\n");
                return 0;
            }
            return Invoke(tree(args), args);
        }
        catch (UserError e)
        {
            return Refuse(e.Problem, e.Hint);
        }
        catch (OutputFailed e)
        {
            // A reader that stopped reading (| head -1) is not worth a message; a closed or full stdout is.
            return e.Reason is null || e.Stream == "stderr" ? 2
                : Refuse($"cannot write to {e.Stream}: {e.Reason}", "give hostmem somewhere to write: a terminal, a pipe or a file on a disk with room");
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("HOSTMEM_DEBUG") is null or "" or "0")
        {
            // Every expected failure is a UserError; anything else is a bug, still said in one line.
            return Refuse($"internal error: {e.GetType().Name}: {OneLine(e.Message)}",
                "this is a bug in hostmem: please report it with the command line; HOSTMEM_DEBUG=1 shows where it happened");
        }
    }

    static int Invoke(Command root, string[] args)
    {
        RawArguments.CheckUtf8(args);
        // System.CommandLine takes at most 100,000 words for an argument and calls the next one
        // "unrecognized"; say what the limit is instead.
        int dash = Array.IndexOf(args, "--");
        if (dash >= 0 && args.Length - dash - 1 > ArgumentArity.OneOrMore.MaximumNumberOfValues)
            throw new UserError($"the QEMU command line has {args.Length - dash - 1} words; hostmem reads at most {ArgumentArity.OneOrMore.MaximumNumberOfValues}",
                "shorten the command line (e.g. fewer -numa or -object options, or a -readconfig file)");
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            var command = parse.CommandResult.Command;
            var commandName = CommandPath(parse.CommandResult);
            // "Unrecognized command or argument 'topolgy'" says more than "Required command was not provided".
            var error = parse.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parse.Errors[0];
            var message = command.Subcommands.Count > 0 && error.Message.StartsWith("Required command", StringComparison.Ordinal)
                ? $"no command given{(command == root ? "" : $" after '{commandName}'")}: choose one of {string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))}"
                : OneLine(error.Message);
            return Refuse(message, $"see '{commandName} --help'");
        }
        return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }

    /// <summary>Says what is wrong and how to fix it on stderr (quietly nothing when stderr itself is gone); exit 2.</summary>
    static int Refuse(string problem, string hint)
    {
        try
        {
            Console.Error.WriteLine($"hostmem: {ShortWords(problem)}");
            Console.Error.WriteLine($"hint: {ShortWords(hint)}");
        }
        catch (OutputFailed) { }
        return 2;
    }

    /// <summary>"hostmem libvirt apply": the whole path, so the hint names a help page that exists.</summary>
    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is CommandResult c; r = c.Parent)
            names.Add(c.Parent is null ? "hostmem" : c.Command.Name); // the root's own name is the executable's
        names.Reverse();
        return string.Join(' ', names);
    }

    const int LongestWord = 200;

    /// <summary>An error line quotes the argument it is about; a 120 KB argument is shown by its start and its length,
    /// so the line stays one that a terminal and a log can hold.</summary>
    internal static string ShortWords(string line)
    {
        if (line.Length <= LongestWord) return line;
        return string.Join(' ', line.Split(' ').Select(w => w.Length <= LongestWord ? w : $"{w[..(LongestWord / 2)]}...[{w.Length} characters]"));
    }

    private static string OneLine(string message) =>
        string.Join(' ', message.Split(['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim()));
}
