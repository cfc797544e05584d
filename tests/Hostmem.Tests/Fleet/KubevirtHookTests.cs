using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Fleet;

/// <summary>`hostmem kubevirt on-define-domain` as KubeVirt's sidecar-shim runs it (cmd/sidecars/sidecar_shim.go: argv
/// --vmi JSON --domain XML, the result read from stdout, a non-zero exit fails the VM's start).</summary>
public sealed class KubevirtHookTests
{
    static string Tree => Trees.Project("two-socket-cxl");

    static (int Code, string Out, string Err) Hook(string? cells, string domain = KubevirtShapes.Domain) =>
        HostmemCli.Run("kubevirt", "on-define-domain", "--sysfs", Tree, "--vmi", KubevirtShapes.Vmi(cells), "--domain", domain);

    [Fact]
    public void Vmi_without_the_annotation_gets_its_domain_back_byte_for_byte()
    {
        // Odd but legal bytes too: a tab, CRLF line ends, a non-ASCII name.
        string domain = KubevirtShapes.Domain.Replace("\n", "\r\n", StringComparison.Ordinal).Replace("<name>default_tiered", "<name>\tdéfaut_tiered", StringComparison.Ordinal);
        foreach (var d in new[] { KubevirtShapes.Domain, domain })
        {
            var (code, stdout, stderr) = Hook(null, d);
            Assert.True(code == 0, stderr);
            Assert.Equal(d, stdout);
            Assert.Equal("", stderr);
        }
    }

    [Fact]
    public void The_hook_writes_what_libvirt_apply_writes()
    {
        var (code, hooked, stderr) = Hook("1=cxl-ram:128MiB:all");
        Assert.True(code == 0, stderr);
        var file = Path.Combine(Scratch.Folder("hostmem-kubevirt-"), "domain.xml");
        File.WriteAllText(file, KubevirtShapes.Domain);
        var (applyCode, applied, applyErr) = HostmemCli.Run("libvirt", "apply", "--sysfs", Tree, "--cell", "1=cxl-ram:128MiB:all", file);
        Assert.True(applyCode == 0, applyErr);
        Assert.Equal(applied, hooked);
        Assert.NotEqual(KubevirtShapes.Domain, hooked);
        // KubeVirt's own parts are left as virt-launcher wrote them.
        foreach (var kept in new[] { "<kubevirt xmlns=\"http://kubevirt.io\">", "<memory unit=\"b\">", "<stats period=\"10\"></stats>" })
            Assert.Contains(kept, hooked, StringComparison.Ordinal);
        Assert.Contains("<smbios mode=\"sysinfo\"></smbios>", hooked, StringComparison.Ordinal);
    }

    [NeedsProgramFact("virt-xml-validate")]
    public void The_rewritten_domain_passes_libvirts_schema()
    {
        var dir = Scratch.Folder("hostmem-kubevirt-");
        string input = Path.Combine(dir, "in.xml"), file = Path.Combine(dir, "domain.xml");
        File.WriteAllText(input, KubevirtShapes.Domain);
        // virt-xml-validate exits 0 for a valid domain; Trees.Run throws with libvirt's reason otherwise.
        Trees.Run("virt-xml-validate", input, "domain"); // the shape itself is valid
        var (code, hooked, stderr) = Hook("1=cxl-ram:128MiB:all");
        Assert.True(code == 0, stderr);
        File.WriteAllText(file, hooked);
        Trees.Run("virt-xml-validate", file, "domain");
    }

    [NeedsLibvirtQemuFact]
    public void Libvirt_gives_qemu_the_cxl_nodes_and_the_hosts_figures()
    {
        var (code, hooked, stderr) = Hook("1=cxl-ram:128MiB:all");
        Assert.True(code == 0, stderr);
        var file = Path.Combine(Scratch.Folder("hostmem-kubevirt-"), "domain.xml");
        File.WriteAllText(file, hooked);
        var argv = LibvirtQemuDriver.ToNative(file, Tree);
        // tests/fixtures/INDEX.md, two-socket-cxl: the CXL RAM nodes are 2 and 3; 1152 MiB less the 128 MiB cell stays in cell 0.
        Assert.Contains(argv, a => a.Contains("\"qom-type\":\"memory-backend-ram\",\"id\":\"ram-node1\"", StringComparison.Ordinal)
            && a.Contains("\"size\":134217728", StringComparison.Ordinal) && a.Contains("\"host-nodes\":[2,3],\"policy\":\"bind\"", StringComparison.Ordinal));
        Assert.Contains(argv, a => a.Contains("\"id\":\"ram-node0\"", StringComparison.Ordinal) && a.Contains("\"size\":1073741824", StringComparison.Ordinal));
        Assert.Contains(argv, a => a.StartsWith("hmat-lb,initiator=0,target=1,", StringComparison.Ordinal));
        Assert.Contains(argv, a => a.Contains("hmat=on", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("1=hbm:128MiB", "hbm")]                    // this host has no HBM
    [InlineData("1=cxl-ram:1GiB", "512 MiB of cxl-ram")]   // more than the 2 x 256 MiB of CXL RAM (INDEX.md)
    [InlineData("1=cxl-ram:64GiB", "<memory>")]            // more than the VMI's whole memory
    [InlineData("1=cxl-ram", "hostmem.dev/cells '1=cxl-ram'")] // not ID=TYPE:SIZE
    public void An_impossible_request_is_one_line_and_no_domain(string cells, string named)
    {
        var (code, stdout, stderr) = Hook(cells);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("hostmem: ", line, StringComparison.Ordinal);
        Assert.Contains(named, line, StringComparison.Ordinal);
        Assert.Contains("(hint: ", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_vmi_that_is_not_json_is_refused()
    {
        var (code, stdout, stderr) = HostmemCli.Run("kubevirt", "on-define-domain", "--sysfs", Tree, "--vmi", "{not json", "--domain", KubevirtShapes.Domain);
        Assert.Equal((2, ""), (code, stdout));
        Assert.StartsWith("hostmem: --vmi is not JSON", Assert.Single(stderr.TrimEnd('\n').Split('\n')), StringComparison.Ordinal);
    }
}
