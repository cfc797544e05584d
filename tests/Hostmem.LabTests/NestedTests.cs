namespace Hostmem.LabTests;

/// <summary>One nested run, shared by the assertions below: a CXL host guest runs a host command in a chroot.</summary>
public sealed class NestedRun
{
    public LabRun? Run { get; }

    public NestedRun()
    {
        if (Lab.Missing != null) return;
        // numactl and QEMU 10 come from the host's root (9p, read-only); the exit status travels back. First, three
        // reads at once into pages on the CXL node (QEMU's I/O memory): the share must carry them (lab/run, bounce).
        Run = Lab.Run(["nested", "--", "sh", "-c",
            "for f in /usr/bin/qemu-system-x86_64 /usr/bin/qemu-system-x86_64 /usr/lib/x86_64-linux-gnu/libicudata.so.72; do "
            + "numactl --membind=1 dd if=$f bs=256k of=/dev/null status=none & done; wait; echo cxl-reads-done; "
            + "numactl -H; lab/nested/qemu-numa-bind-check 1; echo check-rc=$?; echo to-stderr >&2; exit 42"]);
    }
}

public class NestedTests(NestedRun nested) : IClassFixture<NestedRun>
{
    LabRun Run => nested.Run ?? throw new InvalidOperationException("lab missing");

    [LabFact]
    public void TheCommandsExitStatusAndStreamsComeBack()
    {
        Assert.True(Run.ExitCode == 42, Run.Describe());
        Assert.Contains("to-stderr", Run.StdErr);
        Assert.Contains("check-rc=0", Run.StdOut);
    }

    [LabFact]
    public void Reads_into_pages_on_the_cxl_node_do_not_hang_the_share()
    {
        // Before lab/run gave the 9p devices their own bounce budget, this hung the guest for good with QEMU's
        // "virtio: bogus descriptor or out of resources" (the CXL window is I/O memory to QEMU).
        Assert.Contains("cxl-reads-done", Run.StdOut);
        Assert.DoesNotContain("bogus descriptor", Run.StdErr);
    }

    [LabFact]
    public void InsideTheCxlHost_Node1IsCpuLess()
    {
        Assert.Contains("available: 2 nodes (0-1)", Run.StdOut);
        Assert.Matches(@"(?m)^node 1 cpus:\s*$", Run.StdOut);
        Assert.Matches(@"(?m)^node 1 size: 25\d MB", Run.StdOut);
    }

    [LabFact]
    public void QemuFromTheHostRoot_BindsItsRamBackendToTheCxlNode()
    {
        Assert.Matches(@"check: numa_maps: [0-9a-f]+ bind:1 .*\bN1=16384\b", Run.StdOut);
        Assert.Contains("\"host-nodes\": [1]", Run.StdOut);
        Assert.Contains("check: OK", Run.StdOut);
    }
}
