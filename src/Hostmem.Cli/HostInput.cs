using Hostmem.Classification;
using Hostmem.Discovery;
using Hostmem.Planning;
using Hostmem.Sysfs;

namespace Hostmem.Cli;

/// <summary>The host a command plans or lints for: read once from --sysfs (a folder or a recorded .tar.gz tree), with the
/// process's affinity beside it, overridden by --cpus.</summary>
public sealed record HostInput(ClassifiedHost Host, PlanOptions Options)
{
    /// <summary><paramref name="claimDevdax"/>: a real start, which keeps the devdax devices it chooses (<see cref="DevdaxClaims"/>).</summary>
    public static HostInput Read(string sysfs, string? cpus, bool claimDevdax = false)
    {
        RecordedTree? archive = RecordedTree.IsArchive(sysfs) ? RecordedTree.Extract(sysfs) : null;
        try
        {
            var tree = SysfsTree.Open(archive?.Root ?? sysfs);
            var options = ProcessAffinity.Read(tree);
            var host = ClassifiedHost.From(TopologyReader.Read(tree));
            options = options with { DevdaxClaims = DevdaxClaims.Read(tree, host.Host, keep: claimDevdax) };
            if (cpus is not null) options = options with { Cpus = ParseCpus(cpus), CpusSource = "--cpus" };
            return new HostInput(host, options);
        }
        finally
        {
            archive?.Dispose();
        }
    }

    public static IReadOnlyList<int> ParseCpus(string cpus) =>
        CpuList.TryParse(cpus) is { Count: > 0 } list ? list
            : throw new UserError($"--cpus {cpus}: not a CPU list", "write it as the kernel does: 0-3,8,10-11");
}
