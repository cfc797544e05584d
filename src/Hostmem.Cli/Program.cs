using System.CommandLine;
using System.Reflection;

namespace Hostmem.Cli;

public static class Program
{
    public static string Version { get; } =
        typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static int Main(string[] args)
    {
        var root = new RootCommand(
            """
            hostmem: place VM memory on the right kind of host memory (DRAM, CXL, HBM, PMEM) and tell the
            guest how fast it is. Start with 'hostmem topology'.
            """);
        root.Subcommands.Add(TopologyCommand.Create());
        root.Subcommands.Add(QemuCommand.Create());
        root.Subcommands.Add(PlanCommand.Create());
        root.Subcommands.Add(LintCommand.Create());
        root.Subcommands.Add(LibvirtCommand.Create());
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(KubevirtCommand.Create());
        root.Subcommands.Add(ProbeCommand.Create());
        return Cli.Run(root, args);
    }
}
