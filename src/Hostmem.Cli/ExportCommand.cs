using System.CommandLine;

namespace Hostmem.Cli;

/// <summary>`hostmem export nfd|prometheus`: the host's memory in the formats a fleet's own tools read.</summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var command = new Command("export",
            "The host's memory types, tiers and figures, and where running VMs' memory is, in the formats a fleet's tools read: "
            + "node-feature-discovery labels (nfd) and node_exporter textfile metrics (prometheus). See docs/fleet.md.");
        command.Subcommands.Add(ExportNfdCommand.Create());
        command.Subcommands.Add(ExportPrometheusCommand.Create());
        return command;
    }

    /// <summary>`--output FILE`, shared by both exports.</summary>
    public static Option<string?> Output(string example) => new("--output")
    {
        Description = $"Write to FILE atomically (a dot-file beside it, then rename) instead of stdout, e.g. {example}.",
        HelpName = "FILE",
    };

    /// <summary>A positive number of seconds from an option's text.</summary>
    public static TimeSpan Seconds(string text, string option, double max)
    {
        if (!double.TryParse(text, System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out var s) || s <= 0 || s > max)
            throw new UserError($"{option} '{text}' is not a number of seconds", $"give seconds between 0 and {max}, e.g. {option} 60");
        return TimeSpan.FromSeconds(s);
    }
}
