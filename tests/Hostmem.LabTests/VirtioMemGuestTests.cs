using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Hostmem.LabTests;

/// <summary>
/// Resizable tiered memory end to end: `hostmem plan` on the recorded CXL host gives a virtio-mem device's backend
/// (host-mem-type=cxl-ram) a CPU-less guest node with no memory at boot and the CXL node's figures; a Linux 6.12 guest booted
/// with that line has no node1 at boot, gets 256 MiB on node1 after `hostmem resize`, in exactly the tier the plan
/// predicted with exactly the planned figures, and gives it back after `hostmem resize ... 0`.
/// </summary>
public class VirtioMemGuestTests(ITestOutputHelper output)
{
    const ulong MiB = 1UL << 20;

    static readonly string[] Line =
    [
        "qemu-system-x86_64", "-M", "q35", "-m", "256M",
        "-object", "memory-backend-ram,id=vmem0,size=256M,host-mem-type=cxl-ram",
        "-device", "virtio-mem-pci,id=vm0,memdev=vmem0,node=1,requested-size=0",
    ];

    static (int Code, string Out, string Err) Resize(string socket, params string[] args) =>
        Lab.Exec(HostmemPlan.Apphost, ["resize", "--qmp", socket, "--timeout", "100", "--format", "json", .. args], TimeSpan.FromMinutes(3));

    /// <summary>Until the guest console of run NAME shows <paramref name="line"/> (or the boot ends, or 2 minutes pass).</summary>
    internal static bool WaitForConsole(string name, string line, Task boot)
    {
        var until = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < until && !boot.IsCompleted)
        {
            foreach (var run in Directory.GetDirectories(Path.Combine(Lab.RepoRoot, "lab", "work"), $"runs.{name}.*"))
            {
                var console = Path.Combine(run, "console.log");
                if (File.Exists(console) && File.ReadAllText(console).Contains(line, StringComparison.Ordinal)) return true;
            }
            Thread.Sleep(200);
        }
        return false;
    }

    [LabFact]
    public void Memory_plugged_after_boot_lands_on_the_planned_node_in_the_predicted_tier_and_goes_back()
    {
        var plan = PlannedGuests.Case("cxl-ram-genport") with { Qemu = Line };
        var planned = plan.Plan();
        var node1 = planned.GuestNodes.Single(n => n.GuestNode == 1);
        Assert.Equal((null, "cxl-ram", 0UL), (node1.Backend, node1.Type, node1.SizeBytes));
        Assert.NotNull(node1.PredictedTier);
        // The memdev is the device's, never a -numa node's (QEMU refuses a backend used twice); -m makes room for it.
        Assert.Contains("node,nodeid=1,initiator=0", planned.Argv);
        Assert.DoesNotContain(planned.Argv, a => a.Contains("memdev=vmem0", StringComparison.Ordinal) && a.StartsWith("node", StringComparison.Ordinal));
        Assert.Contains("256M,maxmem=512M", planned.Argv);

        var folder = Lab.TempDir();
        string socket = Path.Combine(folder, "qmp.sock");
        string[] argv = [.. planned.ArgvWithoutHostBinding(), "-qmp", $"unix:{socket},server=on,wait=off"];
        output.WriteLine(string.Join(' ', argv));
        // A name of its own: the run folder (lab/work/runs.NAME.XXXXXX) holds the guest console, where the test waits for
        // the guest's report of the grown node before it shrinks the device again.
        string name = "virtio-mem-" + Path.GetFileName(folder);
        var boot = Task.Run(() => Lab.Run(["argv", "--name", name, "--timeout", "300",
            "--guest", Path.Combine(Lab.RepoRoot, "lab", "guest", "virtio-mem-resize.sh"), "--", .. argv], TimeSpan.FromMinutes(6)));
        var until = DateTime.UtcNow.AddMinutes(2);
        while (!File.Exists(socket) && !boot.IsCompleted && DateTime.UtcNow < until) Thread.Sleep(200);
        Assert.True(File.Exists(socket), $"no QMP socket\n{(boot.IsCompleted ? boot.Result.Describe() : "")}");

        // hostmem resize waits until the guest's virtio_mem driver (loaded by the guest script) has plugged it all.
        var grow = Resize(socket, "--node", "1", "256M");
        Assert.True(grow.Code == 0, $"resize 256M: exit {grow.Code}\n{grow.Out}\n{grow.Err}");
        var grown = JsonNode.Parse(grow.Out)!;
        Assert.Equal((256 * MiB, true, 1u), ((ulong)grown["size_bytes"]!, (bool)grown["reached"]!, (uint)grown["node"]!));
        output.WriteLine($"grow: {grown["seconds"]} s");
        Assert.True(WaitForConsole(name, "lab-result: grown.blocks=", boot), "the guest never reported the grown node");
        var shrink = Resize(socket, "--device", "vm0", "0");
        Assert.True(shrink.Code == 0, $"resize 0: exit {shrink.Code}\n{shrink.Out}\n{shrink.Err}");
        output.WriteLine($"shrink: {JsonNode.Parse(shrink.Out)!["seconds"]} s");

        var run = boot.Result;
        Assert.True(run.ExitCode == 0, run.Describe());
        output.WriteLine($"guest wall time {run.Result("wall_seconds")} s, tier {run.Result("grown.node1.tier")}");
        // Boot: no node1 at all (a memory-less node has no sysfs node until memory comes); the device on node 1 as planned.
        Assert.False(run.Results.ContainsKey("boot.node1.memkb"), run.Describe());
        Assert.Equal("1", run.Result("virtio_mem.virtio0.nid"));
        // Grown: 256 MiB on node1, the predicted tier, the planned figures from node0 (its initiator).
        Assert.Equal((256 * MiB / 1024).ToString(System.Globalization.CultureInfo.InvariantCulture), run.Result("grown.node1.memkb"));
        Assert.Equal(node1.PredictedTier!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), run.Result("grown.node1.tier"));
        Assert.Equal($"{node1.Access} initiators=node0", run.Result("grown.node1.access1"));
        Assert.Contains("Demotion targets for Node 0: preferred: 1", run.StdOut);
        // Shrunk: node1 has nothing again (the kernel may drop the empty node altogether) and leaves the tiers; the
        // guest is back to its boot memory blocks.
        Assert.Equal("", run.Results.GetValueOrDefault("shrunk.node1.memkb", ""));
        Assert.False(run.Results.ContainsKey($"shrunk.tier{node1.PredictedTier}.nodes"), run.Describe());
        Assert.Equal(run.Result("boot.blocks"), run.Result("shrunk.blocks"));
    }
}
