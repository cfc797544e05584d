using System.CommandLine;

namespace Hostmem.Cli;

/// <summary>Options every command shares, so they read and behave the same everywhere.</summary>
public static class CommonOptions
{
    public static Option<string> Sysfs() => new("--sysfs")
    {
        Description = "Read the host from this sysfs root instead of /sys: a live /sys, or a recorded tree (a folder holding sys/ and proc/).",
        DefaultValueFactory = _ => "/sys",
        HelpName = "DIR",
    };

    public static Option<string> Format()
    {
        var o = new Option<string>("--format")
        {
            Description = "Output format: table for people, json for scripts (snake_case keys, stable).",
            DefaultValueFactory = _ => "table",
            HelpName = "table|json",
        };
        o.AcceptOnlyFromAmong("table", "json");
        return o;
    }

    /// <summary>The options `hostmem --help` lists as shared (each command's own help lists all of its options).</summary>
    public static IEnumerable<Option> Shared() => [Sysfs(), Format(), Json()];

    public static Option<bool> Json() => new("--json") { Description = "Same as --format json." };
}
