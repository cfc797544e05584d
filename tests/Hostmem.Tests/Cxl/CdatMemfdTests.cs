using System.Diagnostics;
using System.Text.Json.Nodes;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Cxl;

/// <summary>
/// `hostmem qemu` hands QEMU the CDAT as a memfd it inherits across execve: the real QEMU 10 starts (paused) with
/// <c>cdat=/proc/self/fd/N</c>, and that descriptor of the running QEMU holds exactly the table `hostmem plan` shows.
/// This host's own sysfs (node0 DRAM, no HMAT), so the figures come from --latency/--bandwidth.
/// </summary>
public class CdatMemfdTests
{
    static readonly string[] Options = ["--no-lint", "--latency", "dram=100", "--bandwidth", "dram=20000"];

    static readonly string[] Line =
    [
        "qemu-system-x86_64", "-M", "q35,cxl=on", "-m", "512M", "-smp", "2",
        "-object", "memory-backend-ram,id=m0,size=512M", "-numa", "node,nodeid=0,cpus=0-1,memdev=m0",
        "-object", "memory-backend-ram,id=vmem0,share=on,size=256M,host-mem-type=dram",
        "-device", "pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1", "-device", "cxl-rp,port=0,bus=cxl.1,id=root_port13,chassis=0,slot=2",
        "-device", "cxl-type3,bus=root_port13,volatile-memdev=vmem0,id=cxl-vmem0", "-M", "cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4G",
    ];

    [NeedsProgramFact("qemu-system-x86_64")]
    public void QEMU_reads_the_table_from_the_memfd_hostmem_leaves_open_across_execve()
    {
        var (code, planJson, err) = HostmemCli.Run(["plan", .. Options[1..], "--", .. Line]);
        Assert.True(code == 0, err);
        var device = JsonNode.Parse(planJson)!["cxl_devices"]!.AsArray().Single()!;
        Assert.Equal("/proc/self/fd/N", (string)device["cdat_path"]!);
        string expected = (string)device["cdat_hex"]!;

        var psi = new ProcessStartInfo(HostmemCli.Path) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["qemu", .. Options, "--", .. Line, "-S", "-display", "none", "-nodefaults", "-accel", "tcg", "-qmp", "stdio"])
            psi.ArgumentList.Add(a);
        using var qemu = Process.Start(psi)!;
        var stderr = qemu.StandardError.ReadToEndAsync();
        try
        {
            Assert.Contains("\"QMP\"", qemu.StandardOutput.ReadLine());
            qemu.StandardInput.WriteLine("""{"execute":"qmp_capabilities"}""");
            Assert.Contains("return", qemu.StandardOutput.ReadLine());
            qemu.StandardInput.WriteLine("""{"execute":"qom-get","arguments":{"path":"/machine/peripheral/cxl-vmem0","property":"cdat"}}""");
            string path = (string)JsonNode.Parse(qemu.StandardOutput.ReadLine()!)!["return"]!;
            Assert.Matches(@"^/proc/self/fd/\d+$", path);
            // The same process (execve keeps the PID): its descriptor holds hostmem's table.
            byte[] held = File.ReadAllBytes($"/proc/{qemu.Id}/fd/{path["/proc/self/fd/".Length..]}");
            Assert.Equal(expected, Convert.ToHexStringLower(held));
            qemu.StandardInput.WriteLine("""{"execute":"quit"}""");
            Assert.True(qemu.WaitForExit(30_000));
            Assert.True(qemu.ExitCode == 0, stderr.Result);
        }
        finally
        {
            if (!qemu.HasExited) qemu.Kill();
        }
    }
}
