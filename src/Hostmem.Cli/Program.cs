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

    /// <summary>The command tree for a line whose first word is <paramref name="first"/>.</summary>
    public static RootCommand Root(string? first)
    {
        var root = new RootCommand("Place VM memory on the right kind of host memory (DRAM, CXL, HBM, PMEM) and tell the guest how fast it is.");
        var named = Commands.Where(c => c.Name == first).ToArray();
        foreach (var (_, create) in named.Length > 0 ? named : Commands) root.Subcommands.Add(create());
        root.Subcommands.Add(CompleteCommand.Create());
        ShortHelp.Install(root);
        return root;
    }
}
