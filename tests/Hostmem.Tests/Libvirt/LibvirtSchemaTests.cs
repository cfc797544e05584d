using Hostmem.Classification;
using Hostmem.Planning;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Libvirt;

/// <summary>
/// Every shape of XML hostmem writes passes libvirt's schemas: 11.3's through virt-xml-validate (libvirt-clients from
/// backports, installed by lab/install-deps) and 9.0's (bookworm, unpacked by lab/libvirt90) through xmllint --relaxng,
/// which is what virt-xml-validate runs.
/// </summary>
public class LibvirtSchemaTests
{
    static readonly Lazy<string> Schemas90 = new(() => Trees.RunIn(Trees.RepoRoot, Path.Combine(Trees.RepoRoot, "lab", "libvirt90")).Trim().Split('\n')[^1]);

    public static TheoryData<string, string, string[], bool> Outputs() => new()
    {
        { "cxl-ram-genport", "Plain", ["1=cxl-ram:128MiB"], true },
        { "cxl-ram-genport", "HandWritten", ["1=cxl-ram:128MiB"], true },
        { "two-socket-cxl", "Plain", ["1=cxl-ram:128MiB:preferred", "2=dram:256MiB:all"], true },
        { "two-socket-cxl", "TwoCells", [], true },
        { "two-socket-cxl", "TwoCells", ["2=cxl-ram:128MiB:interleave"], true },
        { "two-socket-cxl", "TakeOver", [], true },
        { "cxl-ram-kmem", "Plain", ["1=cxl-ram:64MiB"], true },
        { "cxl-ram-kmem", "Figures", ["1=cxl-ram:64MiB"], true },
        { "nvdimm-kmem", "Plain", ["1=pmem:64MiB:all"], true },
        { "hmat-two-tier", "Plain", ["1=dram:128MiB:all"], true },
        { "cxl-ram-genport", "Plain", ["1=cxl-ram:128MiB"], false },
        { "cxl-ram-genport", "VirtioMem", ["1=cxl-ram:128MiB"], true },
    };

    internal static string Write(string fixture, string domain, string[] cells, bool guestNuma)
    {
        var options = Domains.Auto with { GuestNuma = guestNuma ? GuestNumaMode.Auto : GuestNumaMode.Off };
        string xml = domain switch
        {
            "Plain" or "Figures" => Domains.Plain,
            "HandWritten" => Domains.HandWritten,
            "VirtioMem" => Domains.VirtioMem,
            "TwoCells" => Domains.TwoCells,
            "TakeOver" => Domains.TwoCells.Replace("discard='yes'/>", "discard='yes'/>\n        <cell id='2' memory='64' unit='MiB' memAccess='shared'/>", StringComparison.Ordinal),
            _ => throw new ArgumentOutOfRangeException(nameof(domain)),
        };
        if (domain == "Figures")
            options = options with
            {
                LatencyNs = new Dictionary<HostMemType, ulong> { [HostMemType.Dram] = 90, [HostMemType.CxlRam] = 250 },
                BandwidthMBps = new Dictionary<HostMemType, ulong> { [HostMemType.Dram] = 100000, [HostMemType.CxlRam] = 30000 },
            };
        var (result, _) = Domains.Apply(fixture, xml, options, cells);
        Assert.NotEqual(xml, result);
        string path = Path.Combine(Scratch.Folder("hostmem-libvirt-schema-"), "vm.xml");
        File.WriteAllText(path, result);
        return path;
    }

    [NeedsProgramTheory("virt-xml-validate")]
    [MemberData(nameof(Outputs))]
    public void Libvirt_11_3_accepts_it(string fixture, string domain, string[] cells, bool guestNuma)
    {
        string path = Write(fixture, domain, cells, guestNuma);
        Assert.Contains("(libvirt) 11.3.", Run("virt-xml-validate", "--version").Out, StringComparison.Ordinal);
        var (code, stdout, stderr) = Run("virt-xml-validate", path, "domain");
        Assert.True(code == 0, stderr);
        Assert.Equal($"{path} validates", (stdout + stderr).Trim());
    }

    [NeedsProgramTheory("xmllint")]
    [MemberData(nameof(Outputs))]
    public void Libvirt_9_0_accepts_it(string fixture, string domain, string[] cells, bool guestNuma)
    {
        string path = Write(fixture, domain, cells, guestNuma);
        Assert.StartsWith("9.0.", File.ReadAllText(Path.Combine(Schemas90.Value, "..", "..", "..", "..", "..", "version")), StringComparison.Ordinal);
        var (code, _, stderr) = Run("xmllint", "--noout", "--relaxng", Path.Combine(Schemas90.Value, "domain.rng"), path);
        Assert.True(code == 0, stderr);
        Assert.Contains($"{path} validates", stderr, StringComparison.Ordinal);
    }

    /// <summary>The validators can fail: a distance below 10 (libvirt's numaDistanceValue) is refused by both.</summary>
    [NeedsProgramFact("virt-xml-validate")]
    public void Both_schemas_refuse_what_libvirt_refuses()
    {
        string path = Write("cxl-ram-genport", "Plain", ["1=cxl-ram:128MiB"], true);
        File.WriteAllText(path, File.ReadAllText(path).Replace("<sibling id='1' value='20'/>", "<sibling id='1' value='5'/>", StringComparison.Ordinal));
        Assert.NotEqual(0, Run("virt-xml-validate", path, "domain").Code);
        Assert.NotEqual(0, Run("xmllint", "--noout", "--relaxng", Path.Combine(Schemas90.Value, "domain.rng"), path).Code);
    }

    static (int Code, string Out, string Err) Run(string program, params string[] args) => Tool.Run(program, args);
}
