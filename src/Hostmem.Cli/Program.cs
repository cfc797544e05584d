using System.CommandLine;

namespace Hostmem.Cli;

public static class Program
{
    public static string Version => BuildInfo.Version;

    /// <summary>Every command, by name. Only the command a line names is built (each costs start-up time: options,
    /// descriptions, the static tables they quote); the whole tree only for help, completion and a name that is none of these.</summary>
    static readonly (string Name, Func<Command> Create)[] Commands =
    [
        ("topology", TopologyCommand.Create),
        ("qemu", QemuCommand.Create),
        ("plan", PlanCommand.Create),
        ("lint", LintCommand.Create),
        ("libvirt", LibvirtCommand.Create),
        ("status", StatusCommand.Create),
        ("resize", ResizeCommand.Create),
        ("export", ExportCommand.Create),
        ("kubevirt", KubevirtCommand.Create),
        ("probe", ProbeCommand.Create),
    ];

    public static int Main(string[] args) => Cli.Run(args, Root);

    const string Description = "Place VM memory on the right kind of host memory (DRAM, CXL, HBM, PMEM) and tell the guest how fast it is.";

    /// <summary>System.CommandLine's help option (--help and its aliases).</summary>
    public static readonly string[] HelpWords = ["--help", "-h", "/h", "-?", "/?"];

    /// <summary>The command tree for <paramref name="args"/>. A line that names a command and asks no help gets a plain
    /// root: a RootCommand builds a help and a version option, and the help option's description comes from
    /// System.CommandLine's resources (a ResourceManager found by reflection), a tenth of a 'hostmem topology' run.</summary>
    public static Command Root(IReadOnlyList<string> args)
    {
        var named = args.Count == 0 ? [] : Commands.Where(c => c.Name == args[0]).ToArray();
        bool plain = named.Length > 0 && !args.TakeWhile(a => a != "--").Any(a => HelpWords.Contains(a) || a == "--version");
        var root = plain ? new Command("hostmem", Description) : new RootCommand(Description);
        foreach (var (_, create) in named.Length > 0 ? named : Commands) root.Subcommands.Add(create());
        if (root is RootCommand full)
        {
            root.Subcommands.Add(CompleteCommand.Create());
            ShortHelp.Install(full);
        }
        return root;
    }
}
