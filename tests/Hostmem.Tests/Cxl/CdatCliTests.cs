using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Cxl;

/// <summary>`hostmem plan`/`qemu` with a cxl-type3 device on host-mem-type memory, through the built binary.</summary>
public class CdatCliTests
{
    static readonly string[] Line =
    [
        "qemu-system-x86_64", "-M", "q35,cxl=on", "-m", "512M", "-smp", "2",
        "-object", "memory-backend-ram,id=m0,size=512M", "-numa", "node,nodeid=0,cpus=0-1,memdev=m0",
        "-object", "memory-backend-ram,id=vmem0,share=on,size=256M,host-mem-type=cxl-ram",
        "-device", "pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1", "-device", "cxl-rp,port=0,bus=cxl.1,id=root_port13,chassis=0,slot=2",
        "-device", "cxl-type3,bus=root_port13,volatile-memdev=vmem0,id=cxl-vmem0", "-M", "cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4G",
    ];

    static string Tree => Path.Combine(Trees.ProjectFixtures, "cxl-ram-genport.tar.gz");

    [Theory]
    // The CDAT carries the bandwidth (the latency goes to the generic port's HMAT entry): a u32 of MB/s at most.
    [InlineData("--bandwidth", "cxl-ram=4294967296", "--bandwidth cxl-ram=4294967296: MBPS must be a whole number from 1 to 4294967295")]
    [InlineData("--bandwidth", "cxl-ram=0", "--bandwidth cxl-ram=0: MBPS must be a whole number from 1")]
    public void Figures_a_CDAT_cannot_hold_exit_2_with_one_line_and_a_hint(string option, string value, string problem)
    {
        Refusal.Assert(HostmemCli.Run(["plan", "--sysfs", Tree, "--cpus", "0", "--latency", "cxl-ram=250", option, value, "--", .. Line]), problem);
    }

    [Fact]
    public void Cdat_off_leaves_the_device_and_the_line_without_a_generic_port()
    {
        var (code, stdout, _) = HostmemCli.Run(["plan", "--sysfs", Tree, "--cpus", "0", "--cdat", "off", "--", .. Line]);
        Assert.Equal(0, code);
        Assert.DoesNotContain("cdat=", stdout);
        Assert.DoesNotContain("acpi-generic-port", stdout);
        Assert.Contains("\"cxl_devices\": []", stdout);
    }

    [Fact]
    public void A_line_with_its_own_generic_port_keeps_it_and_its_node()
    {
        string[] line = [.. Line[..11], "-numa", "node,nodeid=1", .. Line[11..], "-object", "acpi-generic-port,id=gp0,pci-bus=cxl.1,node=1"];
        var (code, stdout, stderr) = HostmemCli.Run(["plan", "--sysfs", Tree, "--cpus", "0", "--latency", "cxl-ram=250", "--bandwidth", "cxl-ram=20000", "--", .. line]);
        Assert.True(code == 0, stderr);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(stdout, "acpi-generic-port"));
        Assert.Contains("\"generic_port_added\": false", stdout);
        Assert.Contains("hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=access-latency,latency=250", stdout);
    }
}
