using System.CommandLine;
using System.CommandLine.Completions;
using System.CommandLine.Help;
using System.Globalization;
using Hostmem.Classification;
using Hostmem.Discovery;

namespace Hostmem.Cli;

/// <summary>
/// `hostmem complete -- WORD...` (hidden): the words bash may put in place of the last one, one per line; what the
/// bash completion script (scripts/hostmem.bash) calls on every TAB. The answers come from the command tree (commands,
/// options, the values an option accepts), so a new command or option completes without an edit here; after '--',
/// in a QEMU option, host-mem-type= completes to the memory types and host-nodes= to this host's nodes with memory.
/// Nothing printed means "no idea": the script then lets bash complete file names.
/// </summary>
public static class CompleteCommand
{
    public static Command Create()
    {
        var words = new Argument<string[]>("WORD") { Description = "The command line after 'hostmem', up to and including the word to complete (may be empty).", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("complete", "Print the completions of the last word (for the bash completion script).") { Hidden = true };
        command.Arguments.Add(words);
        command.SetAction(parse =>
        {
            var line = parse.GetValue(words) ?? [];
            var root = (RootCommand)parse.RootCommandResult.Command;
            foreach (var c in Candidates(root, line)) Console.Out.Write(c + "\n");
            return 0;
        });
        return command;
    }

    /// <summary>What may replace the last of <paramref name="line"/> (the words after 'hostmem').</summary>
    public static IEnumerable<string> Candidates(RootCommand root, IReadOnlyList<string> line)
    {
        string current = line.Count > 0 ? line[^1] : "";
        var before = line.Take(line.Count - 1).ToArray();
        if (before.Contains("--")) return QemuWord(current, SysfsOf(before));
        var parse = root.Parse(before);
        var command = parse.CommandResult.Command;
        if (before.Length > 0 && Option(command, before[^1]) is { } pending && pending.Arity.MaximumNumberOfValues > 0)
            return Matching(pending.GetCompletions(CompletionContext.Empty).Select(c => c.Label), current);
        if (current.StartsWith("--", StringComparison.Ordinal) && current.IndexOf('=') is > 2 and var eq
            && Option(command, current[..eq]) is { } inline)
            return Matching(inline.GetCompletions(CompletionContext.Empty).Select(c => current[..(eq + 1)] + c.Label), current);
        if (current.StartsWith('-'))
            return Matching(Options(command).Select(o => o.Name).Append(TakesQemuLine(command) ? "--" : null).OfType<string>(), current);
        return Matching(command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name), current);
    }

    static IEnumerable<string> Matching(IEnumerable<string> candidates, string prefix) =>
        candidates.Where(c => c.StartsWith(prefix, StringComparison.Ordinal)).Distinct().Order(StringComparer.Ordinal);

    /// <summary>The command's own options and the recursive ones of its parents (--help), without hidden ones.</summary>
    static IEnumerable<Option> Options(Command command)
    {
        var own = command.Options.Where(o => !o.Hidden);
        return command.Options.OfType<HelpOption>().Any() ? own : own.Append(new HelpOption());
    }

    static Option? Option(Command command, string word) =>
        Options(command).FirstOrDefault(o => o.Name == word || o.Aliases.Contains(word));

    /// <summary>A command whose argument is a QEMU command line (qemu, plan, lint): its arity is one or more words.</summary>
    static bool TakesQemuLine(Command command) =>
        command.Arguments.Any(a => a.Name.StartsWith("QEMU", StringComparison.Ordinal));

    static string SysfsOf(string[] before)
    {
        int at = Array.IndexOf(before, "--sysfs");
        return at >= 0 && at + 1 < before.Length && Directory.Exists(before[at + 1]) ? before[at + 1] : "/sys";
    }

    /// <summary>In a QEMU word such as 'memory-backend-ram,id=m,host-mem-type=cx': the word with each value that fits.</summary>
    static IEnumerable<string> QemuWord(string current, string sysfs)
    {
        int eq = current.LastIndexOf('=');
        if (eq < 0) return [];
        int start = current.LastIndexOf(',', eq) + 1;
        string key = current[start..eq], head = current[..(eq + 1)], typed = current[(eq + 1)..];
        IEnumerable<string> values = key switch
        {
            "host-mem-type" => HostMemTypeNames.All.Select(t => t.Name()),
            "host-nodes" => NodesWithMemory(sysfs),
            _ => [],
        };
        return values.Where(v => v.StartsWith(typed, StringComparison.Ordinal)).Select(v => head + v);
    }

    /// <summary>This host's NUMA nodes that have memory (where host-nodes= may point), as topology reads them.</summary>
    static IEnumerable<string> NodesWithMemory(string sysfs)
    {
        try
        {
            return TopologyReader.Read(sysfs).Nodes.Where(n => n.MemTotalBytes > 0).Select(n => n.Id.ToString(CultureInfo.InvariantCulture)).ToList();
        }
        catch (UserError)
        {
            return []; // not a sysfs tree: nothing to offer, and a TAB prints no error
        }
    }
}
