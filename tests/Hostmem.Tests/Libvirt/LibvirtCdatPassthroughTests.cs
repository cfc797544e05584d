using System.Text.Json.Nodes;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Libvirt;

/// <summary>
/// libvirt has no cxl-type3 device of its own, so a VM with one passes it through: what docs/libvirt.md says about the
/// CDAT file `hostmem plan --cdat-dir` writes. &lt;qemu:commandline&gt; reaches QEMU word for word (libvirt 11.3's QEMU
/// driver shows it; 9.0's schema accepts it); &lt;qemu:override&gt; validates in both schemas but only reaches devices
/// libvirt made, so a cdat= property set there for the passed-through device never reaches QEMU.
/// </summary>
public class LibvirtCdatPassthroughTests
{
    static string Domain(string device) => $"""
        <domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
          <name>vm1</name>
          <memory unit='KiB'>524288</memory>
          <vcpu placement='static'>2</vcpu>
          <os><type arch='x86_64' machine='q35'>hvm</type></os>
          <features><acpi/><apic/></features>
          <devices><emulator>/usr/bin/qemu-system-x86_64</emulator><controller type='usb' model='none'/><memballoon model='none'/></devices>
          <qemu:commandline>
            <qemu:arg value='-device'/>
            <qemu:arg value='{device}'/>
          </qemu:commandline>
          <qemu:override>
            <qemu:device alias='cxl-vmem0'>
              <qemu:frontend><qemu:property name='cdat' type='string' value='/override/never-used.cdat'/></qemu:frontend>
            </qemu:device>
          </qemu:override>
        </domain>
        """;

    /// <summary>The cxl-type3 argument `hostmem plan --cdat-dir DIR` writes, and the file it names.</summary>
    static (string Device, string File) Planned()
    {
        string dir = Scratch.Folder("hostmem-cdat-dir-");
        var (code, json, err) = HostmemCli.Run(["plan", "--sysfs", Path.Combine(Trees.ProjectFixtures, "cxl-ram-genport.tar.gz"), "--cpus", "0", "--cdat-dir", dir,
            "--", "qemu-system-x86_64", "-M", "q35,cxl=on", "-m", "512M", "-smp", "2",
            "-object", "memory-backend-ram,id=m0,size=512M", "-numa", "node,nodeid=0,cpus=0-1,memdev=m0",
            "-object", "memory-backend-ram,id=vmem0,share=on,size=256M,host-mem-type=cxl-ram",
            "-device", "pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1", "-device", "cxl-rp,port=0,bus=cxl.1,id=root_port13,chassis=0,slot=2",
            "-device", "cxl-type3,bus=root_port13,volatile-memdev=vmem0,id=cxl-vmem0", "-M", "cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4G"]);
        Assert.True(code == 0, err);
        var plan = JsonNode.Parse(json)!;
        string file = (string)plan["cxl_devices"]![0]!["cdat_path"]!;
        Assert.Equal(Path.Combine(dir, "hostmem-cxl-vmem0.cdat"), file);
        Assert.Equal((string)plan["cxl_devices"]![0]!["cdat_hex"]!, Convert.ToHexStringLower(File.ReadAllBytes(file)));
        return (plan["argv"]!.AsArray().Select(a => (string)a!).Single(a => a.StartsWith("cxl-type3,", StringComparison.Ordinal)), file);
    }

    static string Write(string xml)
    {
        string path = Path.Combine(Scratch.Folder("hostmem-cdat-domain-"), "vm.xml");
        File.WriteAllText(path, xml);
        return path;
    }

    [NeedsLibvirtQemuFact]
    public void Libvirt_11_3_passes_the_cdat_file_through_qemu_commandline_and_not_through_qemu_override()
    {
        var (device, file) = Planned();
        var argv = LibvirtQemuDriver.ToNative(Write(Domain(device)), Trees.Project("cxl-ram-genport"));
        Assert.Contains(device, argv);
        Assert.Contains($"cdat={file}", device, StringComparison.Ordinal);
        Assert.DoesNotContain(argv, a => a.Contains("never-used", StringComparison.Ordinal));
    }

    [NeedsProgramFact("xmllint")]
    public void Libvirt_9_0s_schema_accepts_both_passthroughs()
    {
        string rng = Path.Combine(Trees.RunIn(Trees.RepoRoot, Path.Combine(Trees.RepoRoot, "lab", "libvirt90")).Trim().Split('\n')[^1], "domain.rng");
        string path = Write(Domain(Planned().Device));
        var psi = new System.Diagnostics.ProcessStartInfo("xmllint") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in (string[])["--noout", "--relaxng", rng, path]) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, stderr);
        Assert.Contains($"{path} validates", stderr, StringComparison.Ordinal);
    }
}
