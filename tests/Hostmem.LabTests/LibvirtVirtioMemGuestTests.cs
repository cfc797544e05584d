using System.Globalization;
using System.Text.Json.Nodes;
using Hostmem.Tests.Support;
using Xunit.Abstractions;

namespace Hostmem.LabTests;

/// <summary>
/// Resizable tiered memory through libvirt: `hostmem libvirt apply` places cell 1 (CXL RAM, 64 MiB of boot memory) that a
/// virtio-mem device plugs into, and cell 2 (DRAM) after it, so the device's cell is not the last; libvirt 11.3's QEMU
/// driver writes the line (virsh domxml-to-native) and a Linux 6.12 guest booted with it is resized over QMP as
/// virsh update-memory-device would (QEMU's requested-size). The guest must know node 1 (its cell has boot memory, so
/// QEMU's SRAT names it wherever it is: docs/resize.md's ordering trap cannot happen) and put the plugged memory there,
/// in the tier hostmem predicted.
/// </summary>
public class LibvirtVirtioMemGuestTests(ITestOutputHelper output)
{
    const ulong MiB = 1UL << 20;

    /// <summary>192 MiB for the vCPUs' cell, 64 + 64 MiB for the two typed cells, 256 MiB of virtio-mem on cell 1.</summary>
    const string Domain = """
        <domain type='qemu'>
          <name>vm1</name>
          <memory unit='KiB'>589824</memory>
          <vcpu placement='static'>2</vcpu>
          <os>
            <type arch='x86_64' machine='q35'>hvm</type>
          </os>
          <features>
            <acpi/>
          </features>
          <devices>
            <emulator>/usr/bin/qemu-system-x86_64</emulator>
            <controller type='usb' model='none'/>
            <memballoon model='none'/>
            <memory model='virtio-mem'>
              <target>
                <size unit='KiB'>262144</size>
                <node>1</node>
                <block unit='KiB'>2048</block>
                <requested unit='KiB'>0</requested>
              </target>
            </memory>
          </devices>
        </domain>

        """;

    static string Tree => Trees.Archive("cxl-ram-genport");

    static (int Code, string Out, string Err) Resize(string socket, params string[] args) =>
        Lab.Exec(HostmemPlan.Apphost, ["resize", "--qmp", socket, "--timeout", "100", "--format", "json", .. args], TimeSpan.FromMinutes(3));

    [LabFact]
    public void Memory_plugged_into_a_tiered_cell_that_is_not_the_last_lands_there_in_the_predicted_tier()
    {
        Assert.True(LibvirtQemuDriver.Missing is null, $"libvirt's QEMU driver cannot run here: {LibvirtQemuDriver.Missing}");
        string dir = Lab.TempDir();
        string file = Path.Combine(dir, "vm1.xml");
        File.WriteAllText(file, Domain);
        var (code, xml, plan) = Lab.Exec(HostmemPlan.Apphost, ["libvirt", "apply", "--sysfs", Tree, "--cpus", "0", "--format", "json",
            "--cell", "1=cxl-ram:64MiB", "--cell", "2=dram:64MiB", file], TimeSpan.FromMinutes(1));
        Assert.True(code == 0, plan);
        var node1 = JsonNode.Parse(plan)!["guest_nodes"]!.AsArray().Single(n => (int)n!["guest_node"]! == 1)!;
        Assert.Equal(256 * MiB, (ulong)node1["plug_bytes"]!);

        string tree = Path.Combine(dir, "host");
        Directory.CreateDirectory(tree);
        var (tar, _, tarErr) = Lab.Exec("tar", ["-xzf", Tree, "-C", tree], TimeSpan.FromMinutes(1));
        Assert.True(tar == 0, tarErr);
        string result = Path.Combine(dir, "vm1-tiered.xml");
        File.WriteAllText(result, xml);
        string socket = Path.Combine(dir, "qmp.sock");
        string[] argv = [.. LibvirtGuestTests.GuestArguments(LibvirtQemuDriver.ToNative(result, tree), "10.0", memoryDevices: true),
            "-qmp", $"unix:{socket},server=on,wait=off"];
        output.WriteLine(string.Join(' ', argv));
        Assert.Contains(argv, a => a.Contains("\"virtio-mem-pci\"", StringComparison.Ordinal) && a.Contains("\"node\":1", StringComparison.Ordinal));

        string name = "libvirt-virtio-mem-" + Path.GetFileName(dir);
        var boot = Task.Run(() => Lab.Run(["argv", "--name", name, "--timeout", "300",
            "--guest", Path.Combine(Lab.RepoRoot, "lab", "guest", "virtio-mem-resize.sh"), "--", .. argv], TimeSpan.FromMinutes(6)));
        var until = DateTime.UtcNow.AddMinutes(2);
        while (!File.Exists(socket) && !boot.IsCompleted && DateTime.UtcNow < until) Thread.Sleep(200);
        Assert.True(File.Exists(socket), $"no QMP socket\n{(boot.IsCompleted ? boot.Result.Describe() : "")}");

        var grow = Resize(socket, "--node", "1", "256M");
        Assert.True(grow.Code == 0, $"resize 256M: exit {grow.Code}\n{grow.Out}\n{grow.Err}\n{(boot.IsCompleted ? boot.Result.Describe() : "")}");
        Assert.True(VirtioMemGuestTests.WaitForConsole(name, "lab-result: grown.blocks=", boot), "the guest never reported the grown node");
        var shrink = Resize(socket, "--node", "1", "0");
        output.WriteLine($"grow {JsonNode.Parse(grow.Out)!["seconds"]} s; shrink: exit {shrink.Code} {shrink.Out} {shrink.Err}");

        var run = boot.Result;
        output.WriteLine($"node1 boot {run.Results.GetValueOrDefault("boot.node1.memkb")} kB, grown {run.Results.GetValueOrDefault("grown.node1.memkb")} kB in memory_tier{run.Results.GetValueOrDefault("grown.node1.tier")}, shrunk {run.Results.GetValueOrDefault("shrunk.node1.memkb")} kB");
        // The guest's virtio_mem driver took node 1 from the device (its virtioN number depends on the lab's other devices).
        Assert.Equal("1", Assert.Single(run.Results, r => r.Key.StartsWith("virtio_mem.", StringComparison.Ordinal)).Value);
        ulong bootKb = ulong.Parse(run.Result("boot.node1.memkb"), CultureInfo.InvariantCulture);
        ulong grownKb = ulong.Parse(run.Result("grown.node1.memkb"), CultureInfo.InvariantCulture);
        Assert.Equal(256 * MiB / 1024, grownKb - bootKb);
        Assert.Equal(((uint)node1["predicted_tier"]!).ToString(CultureInfo.InvariantCulture), run.Result("grown.node1.tier"));
        Assert.Equal(run.Result("boot.node1.tier"), run.Result("grown.node1.tier"));
        Assert.True(shrink.Code == 0, $"resize 0: exit {shrink.Code}\n{shrink.Out}\n{shrink.Err}");
        Assert.True(run.ExitCode == 0, run.Describe());
        Assert.Equal(run.Result("boot.blocks"), run.Result("shrunk.blocks"));
        Assert.Equal(bootKb.ToString(CultureInfo.InvariantCulture), run.Result("shrunk.node1.memkb"));
    }
}
