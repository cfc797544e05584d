using System.CommandLine;

namespace Hostmem.Cli;

/// <summary>The edge where errors become exit codes: one clear line and a hint, exit 2, never a stack trace.</summary>
public static class Cli
{
    public static int Run(RootCommand root, string[] args)
    {
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            var commandName = parse.CommandResult.Command == root ? "hostmem" : $"hostmem {parse.CommandResult.Command.Name}";
            // "Unrecognized command or argument 'topolgy'" says more than "Required command was not provided".
            var error = parse.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parse.Errors[0];
            var message = parse.CommandResult.Command == root && error.Message.StartsWith("Required command", StringComparison.Ordinal)
                ? $"no command given: choose one of {string.Join(", ", root.Subcommands.Select(c => c.Name))}"
                : OneLine(error.Message);
            Console.Error.WriteLine($"hostmem: {message}");
            Console.Error.WriteLine($"hint: see '{commandName} --help'");
            return 2;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (UserError e)
        {
            Console.Error.WriteLine($"hostmem: {e.Problem}");
            Console.Error.WriteLine($"hint: {e.Hint}");
            return 2;
        }
    }

    private static string OneLine(string message) =>
        string.Join(' ', message.Split(['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim()));
}
