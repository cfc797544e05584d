using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Hostmem.Tests.Support;
using Xunit.Abstractions;

namespace Hostmem.LabTests;

/// <summary>
/// A libvirt domain whose &lt;interconnects&gt; already hold the user's figures for cell 0 (80 ns, 200 GiB/s): `hostmem
/// libvirt apply` adds cell 1 on CXL RAM and only the entries that are missing, libvirt's own QEMU driver turns the result
/// into QEMU arguments (virsh domxml-to-native), and a 6.12 guest booted with libvirt's NUMA arguments must put every node
/// in the tier hostmem predicted, with the figures it reported. Under QEMU 10.0 and 7.2.
/// </summary>
public partial class LibvirtGuestTests(ITestOutputHelper output)
{
    const string Domain = """
        <domain type='qemu'>
          <name>vm1</name>
          <memory unit='KiB'>196608</memory>
          <vcpu placement='static'>2</vcpu>
          <os>
            <type arch='x86_64' machine='q35'>hvm</type>
          </os>
          <features>
            <acpi/>
          </features>
          <cpu>
            <numa>
              <cell id='0' cpus='0-1' memory='196608' unit='KiB'/>
              <interconnects>
                <latency initiator='0' target='0' type='access' value='80'/>
                <bandwidth initiator='0' target='0' type='access' value='209715200' unit='KiB'/>
              </interconnects>
            </numa>
          </cpu>
          <devices>
            <emulator>/usr/bin/qemu-system-x86_64</emulator>
            <controller type='usb' model='none'/>
            <memballoon model='none'/>
          </devices>
        </domain>

        """;

    static string Tree => Trees.Archive("cxl-ram-genport");

    [LabTheory]
    [InlineData("10.0")]
    [InlineData("7.2")]
    public void A_domain_with_user_interconnects_boots_into_the_tiers_hostmem_predicts(string qemu)
    {
        Assert.True(LibvirtQemuDriver.Missing is null, $"libvirt's QEMU driver cannot run here: {LibvirtQemuDriver.Missing}");
        string dir = Lab.TempDir();
        string file = Path.Combine(dir, "vm1.xml");
        File.WriteAllText(file, Domain);
        var (code, xml, plan) = Lab.Exec(HostmemPlan.Apphost, ["libvirt", "apply", "--sysfs", Tree, "--cpus", "0", "--format", "json", "--cell", "1=cxl-ram:64MiB", file], TimeSpan.FromMinutes(1));
        Assert.True(code == 0, plan);
        Assert.Contains("<latency initiator='0' target='0' type='access' value='80'/>", xml, StringComparison.Ordinal);
        var nodes = JsonNode.Parse(plan)!["guest_nodes"]!.AsArray();

        string tree = Path.Combine(dir, "host");
        Directory.CreateDirectory(tree);
        var (tar, _, tarErr) = Lab.Exec("tar", ["-xzf", Tree, "-C", tree], TimeSpan.FromMinutes(1));
        Assert.True(tar == 0, tarErr);
        string result = Path.Combine(dir, "vm1-tiered.xml");
        File.WriteAllText(result, xml);
        var native = LibvirtQemuDriver.ToNative(result, tree);
        var argv = GuestArguments(native, qemu);
        output.WriteLine(string.Join(' ', argv));
        var run = Lab.Run(["argv", "--name", $"libvirt-user-links-qemu{qemu}", "--", .. argv], TimeSpan.FromMinutes(3));
        Assert.True(run.ExitCode == 0, run.Describe());

        foreach (var n in nodes)
        {
            int id = (int)n!["guest_node"]!;
            uint tier = uint.Parse(run.Result($"node{id}.tier"));
            Assert.True((uint)n["predicted_tier"]! == tier, $"node{id}: hostmem predicted memory_tier{n["predicted_tier"]}, the guest chose memory_tier{tier}\n{plan}");
            string access = $"rl={n["read_latency_ns"]} wl={n["write_latency_ns"]} rb={n["read_bandwidth_mbps"]} wb={n["write_bandwidth_mbps"]} initiators=node0";
            Assert.Equal(access, run.Result($"node{id}.access1"));
            output.WriteLine($"QEMU {qemu}: guest node{id} predicted memory_tier{n["predicted_tier"]}, guest memory_tier{tier}, access1 {access}");
        }
        Assert.Equal("80", run.Result("node0.access1").Split(' ')[0]["rl=".Length..]);
    }

    /// <summary>
    /// libvirt's guest topology, as it gives it to QEMU: -machine (its versioned q35 named q35, so QEMU 7.2 takes it too),
    /// -m, -smp, the memory backends (without the binding to the recorded host's CXL node, which this machine lacks) and
    /// every -numa. The rest (monitor sockets, -S, devices) is libvirt's business, not the guest's tables; with
    /// <paramref name="memoryDevices"/>, also libvirt's virtio-mem devices and the PCIe root ports they sit on.
    /// </summary>
    internal static string[] GuestArguments(IReadOnlyList<string> native, string qemu, bool memoryDevices = false)
    {
        var result = new List<string> { PlannedGuests.Qemu(qemu) };
        for (int i = 1; i + 1 < native.Count; i++)
        {
            string option = native[i], value = native[i + 1];
            if (option is "-machine") result.AddRange([option, PcQ35().Replace(value, "q35")]);
            else if (option is "-m" or "-smp" or "-numa") result.AddRange([option, value]);
            else if (option == "-object" && value.Contains("memory-backend", StringComparison.Ordinal)) result.AddRange([option, Binding().Replace(value, "")]);
            else if (memoryDevices && option == "-device" && value.Contains("\"virtio-mem-pci\"", StringComparison.Ordinal)) result.AddRange([option, value]);
            else if (memoryDevices && option == "-device" && value.Contains("\"pcie-root-port\"", StringComparison.Ordinal))
                result.AddRange([option, AnySlot(value)]);
            else continue;
            i++;
        }
        return [.. result];
    }

    /// <summary>A root port where QEMU finds room: the lab's own devices (its 9p share) take slots libvirt chose.</summary>
    static string AnySlot(string device)
    {
        var o = JsonNode.Parse(device)!.AsObject();
        o.Remove("addr");
        o.Remove("multifunction");
        return o.ToJsonString();
    }

    [GeneratedRegex(@"^pc-q35-[0-9.]+")]
    private static partial Regex PcQ35();

    [GeneratedRegex(@",""host-nodes"":\[[0-9,]*\],""policy"":""[a-z]+""")]
    private static partial Regex Binding();
}
