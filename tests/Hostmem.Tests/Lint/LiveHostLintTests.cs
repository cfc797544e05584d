using Hostmem.Classification;
using Hostmem.Discovery;
using Hostmem.Lint;
using Hostmem.Planning;
using Hostmem.Qemu;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Lint;

/// <summary>The size checks against this machine's node 0, confirmed with the real QEMU 10 (paused: nothing is allocated).</summary>
public class LiveHostLintTests
{
    static readonly Lazy<ClassifiedHost> Live = new(() => ClassifiedHost.From(TopologyReader.Read("/sys")));

    static ulong ProcMemTotal() =>
        ulong.Parse(File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;

    static (IReadOnlyList<LintFinding> Findings, bool Started, string Stderr) LintAndRun(string backend)
    {
        string[] argv = ["qemu-system-x86_64", "-machine", "none", "-object", backend];
        var findings = QemuLinter.Lint(QemuCommandLine.Parse(argv), Live.Value, PlanOptions.Default);
        var (started, stderr) = LintCorpus.RunQemu(argv);
        return (findings, started, stderr);
    }

    [NeedsProgramFact("qemu-system-x86_64")]
    public void A_backend_larger_than_the_whole_host_is_refused_by_qemu_as_the_finding_says()
    {
        var node0 = Live.Value.Host.Node(0)!;
        ulong size = (Math.Max(node0.MemTotalBytes!.Value, ProcMemTotal()) >> 20) + 1024; // MiB, beyond both counts
        var (findings, started, stderr) = LintAndRun($"memory-backend-ram,id=big,size={size}M,host-nodes=0,policy=bind");
        var f = Assert.Single(findings);
        Assert.Equal("host-node-too-small", f.Code);
        Assert.False(f.QemuAccepts);
        Assert.False(started);
        Assert.Contains(f.QemuSays!, stderr);
    }

    [NeedsProgramFact("qemu-system-x86_64")]
    public void Without_reserve_qemu_starts_with_a_backend_larger_than_its_node_silently()
    {
        var node0 = Live.Value.Host.Node(0)!;
        ulong size = (Math.Max(node0.MemTotalBytes!.Value, ProcMemTotal()) >> 20) + 1024;
        var (findings, started, stderr) = LintAndRun($"memory-backend-ram,id=big,size={size}M,host-nodes=0,policy=bind,reserve=off");
        var f = Assert.Single(findings);
        Assert.Equal("host-node-too-small", f.Code);
        Assert.True(f.QemuAccepts);
        Assert.True(started, stderr);
    }

    [NeedsProgramFact("qemu-system-x86_64")]
    public void A_backend_above_the_free_memory_of_its_node_starts_silently()
    {
        var node0 = Live.Value.Host.Node(0)!;
        ulong size = (node0.MemTotalBytes!.Value >> 20) - 64; // fits node 0, more than is free on a running machine
        var (findings, started, stderr) = LintAndRun($"memory-backend-ram,id=most,size={size}M,host-nodes=0,policy=bind");
        var f = Assert.Single(findings);
        Assert.Equal("host-node-low-free", f.Code);
        Assert.True(f.QemuAccepts);
        Assert.True(started, stderr);
    }
}
