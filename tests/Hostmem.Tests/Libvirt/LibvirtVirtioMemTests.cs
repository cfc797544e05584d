using System.Text.Json.Nodes;
using Hostmem.Planning;
using Hostmem.Qemu;
using Hostmem.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Hostmem.Tests.Libvirt;

/// <summary>
/// A virtio-mem device on a tiered cell: `hostmem libvirt apply` places the cell it plugs into, libvirt binds the device's
/// memory as that cell's &lt;memnode&gt; says, and the guest's memory grows and shrinks with virsh update-memory-device.
/// Checked against libvirt 11.3's QEMU driver and virsh, and QEMU 10 started on libvirt's line.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LibvirtVirtioMemTests(ITestOutputHelper output) : IDisposable
{
    readonly string dir = Scratch.Folder("hostmem-libvirt-vmem-");

    public void Dispose() => Directory.Delete(dir, recursive: true);

    const string Cell = "1=cxl-ram:128MiB";
    static readonly string[] DeviceLines =
    [
        "    <memory model='virtio-mem'>", "        <size unit='KiB'>262144</size>", "        <node>1</node>",
        "        <block unit='KiB'>2048</block>", "        <requested unit='KiB'>0</requested>",
    ];

    string Write(string name, string text)
    {
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    (int Code, string Out, string Err) Apply(string xml, params string[] cells) => ApplyOn("cxl-ram-genport", xml, cells);

    (int Code, string Out, string Err) ApplyOn(string fixture, string xml, params string[] cells) =>
        HostmemCli.Run(["libvirt", "apply", "--sysfs", Trees.Archive(fixture), .. cells.SelectMany(c => new[] { "--cell", c }), Write("vm.xml", xml)]);

    [Fact]
    public void The_cell_a_virtio_mem_device_plugs_into_is_placed_and_the_domain_gets_max_memory()
    {
        var (xml, plan) = Domains.Apply("cxl-ram-genport", Domains.VirtioMem, Cell);
        // libvirt refuses a memory device without <maxMemory>; 9.0's schema requires slots=. <memory> is cells + device.
        Assert.Contains("  <maxMemory slots='0' unit='KiB'>1441792</maxMemory>\n  <memory unit='KiB'>1441792</memory>", xml, StringComparison.Ordinal);
        Assert.Contains("<memnode cellid='1' mode='strict' nodeset='1'/>", xml, StringComparison.Ordinal);
        // Cell 0 gets <memory> less the cell and the device: 1408 - 128 - 256 MiB.
        Assert.Contains("<cell id='0' cpus='0-1' memory='1048576' unit='KiB'>", xml, StringComparison.Ordinal);
        Assert.Contains("<cell id='1' memory='131072' unit='KiB'>", xml, StringComparison.Ordinal);
        Assert.Contains("<latency initiator='0' target='1' type='read' value='17350'/>", xml, StringComparison.Ordinal);
        Assert.Empty(Domains.LinesNotKept(Domains.VirtioMem, xml)); // the device is the user's, byte for byte
        Assert.All(DeviceLines, line => Assert.Contains(line + "\n", xml, StringComparison.Ordinal));

        var node = plan.Plan.GuestNodes.Single(n => n.GuestNode == 1);
        Assert.Equal(256UL << 20, node.PlugBytes);
        Assert.Equal("<memory model='virtio-mem'>", node.PlugDevice);
        Assert.Equal(128UL << 20, node.SizeBytes); // libvirt cannot make an empty cell: this is its boot memory
        // The tier a booted 6.12 guest gave memory plugged into a node with these figures (docs/resize.md, lab-measured).
        Assert.Equal(12826u, node.PredictedTier);
        Assert.Contains(node.Why, w => w.Contains("virsh update-memory-device DOMAIN --node 1 --requested-size SIZE", StringComparison.Ordinal));
        Assert.Contains(plan.Notes, n => n.Code == NoteCodes.MaxmemSet);
        Assert.Equal(xml, Domains.Apply("cxl-ram-genport", xml).Xml); // applied again (intent from the metadata): nothing changes
    }

    [Fact]
    public void A_max_memory_of_the_domain_with_room_stays_as_it_is()
    {
        string domain = Domains.VirtioMem.Replace("  <memory unit=", "  <maxMemory slots='16' unit='GiB'>4</maxMemory>\n  <memory unit=", StringComparison.Ordinal);
        var (xml, plan) = Domains.Apply("cxl-ram-genport", domain, Cell);
        Assert.Contains("<maxMemory slots='16' unit='GiB'>4</maxMemory>", xml, StringComparison.Ordinal);
        Assert.Single(xml.Split("<maxMemory").Skip(1));
        Assert.DoesNotContain(plan.Notes, n => n.Code == NoteCodes.MaxmemSet);
    }

    [Fact]
    public void A_nodemask_of_the_users_other_than_the_cells_nodes_stays_and_is_warned_about()
    {
        string domain = Domains.VirtioMem.Replace("      <target>\n        <size unit='KiB'>262144",
            "      <source>\n        <nodemask>0</nodemask>\n      </source>\n      <target>\n        <size unit='KiB'>262144", StringComparison.Ordinal);
        Assert.NotEqual(Domains.VirtioMem, domain);
        var (xml, plan) = Domains.Apply("cxl-ram-genport", domain, Cell);
        Assert.Contains("<nodemask>0</nodemask>", xml, StringComparison.Ordinal);
        var note = Assert.Single(plan.Notes, n => n.Code == NoteCodes.PlugNodemaskDiffers);
        Assert.True(note.IsWarning);
    }

    // ------------------------------------------------------------ refusals: exit 2, one line and a hint, nothing written

    [Fact]
    public void A_device_on_a_cell_the_domain_does_not_have_is_refused_in_libvirts_words()
    {
        var line = Refusal.Assert(Apply(Domains.VirtioMem.Replace("<node>1</node>", "<node>2</node>", StringComparison.Ordinal), Cell),
            "adds memory to guest cell 2, and the domain's cells are 0-1", "--cell 2=cxl-ram:SIZE with <node>2</node>");
        // libvirt 11.3's own words for such a domain (virsh define).
        Assert.Contains("can't add memory backend for guest node '2' as the guest has only '2' NUMA nodes configured", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dimm")]
    [InlineData("nvdimm")]
    public void A_dimm_on_hostmems_cell_is_kept_as_written_and_is_no_plug(string model)
    {
        // libvirt binds any memory device by its target cell's <memnode> (the same domxml-to-native check as virtio-mem's):
        // a DIMM there is hot-pluggable memory of the cell's type. It cannot be resized, so the plan lists no plug for it.
        string device = $"""
                <memory model='{model}'>
                  <target>
                    <size unit='KiB'>262144</size>
                    <node>1</node>
                  </target>
                </memory>
            """;
        string domain = Domains.VirtioMem[..Domains.VirtioMem.IndexOf("    <memory model='virtio-mem'>", StringComparison.Ordinal)]
            + device + "\n" + Domains.VirtioMem[(Domains.VirtioMem.IndexOf("    </memory>", StringComparison.Ordinal) + "    </memory>\n".Length)..];
        var (xml, plan) = Domains.Apply("cxl-ram-genport", domain, Cell);
        Assert.Contains(device, xml, StringComparison.Ordinal);
        Assert.Contains("<memnode cellid='1' mode='strict' nodeset='1'/>", xml, StringComparison.Ordinal);
        Assert.Null(plan.Plan.GuestNodes.Single(n => n.GuestNode == 1).PlugDevice);
    }

    [Fact]
    public void A_virtio_mem_device_on_an_empty_cell_of_the_domains_is_refused()
    {
        // Measured: libvirt 11.3 gives such a cell {"qom-type":"memory-backend-ram","size":0}, which QEMU 10 refuses.
        string domain = Domains.TwoCells.Replace("<memory unit='GiB'>2</memory>", "<maxMemory slots='0' unit='GiB'>4</maxMemory>\n  <memory unit='GiB'>3</memory>", StringComparison.Ordinal)
            .Replace("discard='yes'/>", "discard='yes'/>\n      <cell id='3' memory='0' unit='KiB'/>", StringComparison.Ordinal)
            .Replace("    <memballoon model='none'/>\n", "    <memballoon model='none'/>\n    <memory model='virtio-mem'>\n      <target>\n        <size unit='GiB'>1</size>\n        <node>3</node>\n        <block unit='KiB'>2048</block>\n      </target>\n    </memory>\n", StringComparison.Ordinal);
        Refusal.Assert(ApplyOn("two-socket-cxl", domain), "plugs into cell 3, which has no memory: libvirt gives QEMU a 0-byte memory-backend-ram for it, which QEMU refuses (property 'size' of memory-backend-ram doesn't take value '0')",
            "--cell 3=cxl-ram:64MiB");
    }

    [Fact]
    public void A_max_memory_below_the_domains_memory_is_refused()
    {
        string domain = Domains.VirtioMem.Replace("  <memory unit=", "  <maxMemory slots='0' unit='MiB'>1280</maxMemory>\n  <memory unit=", StringComparison.Ordinal);
        Refusal.Assert(Apply(domain, Cell), "<maxMemory> 1280 MiB is below the domain's memory of 1408 MiB", "raise <maxMemory> to 1408 MiB or more");
    }

    // ------------------------------------------------------------ libvirt 11.3's QEMU driver, virsh and QEMU 10

    /// <summary>libvirt's line binds the device's memory as the cell's memnode says, gives the cell boot memory (so QEMU's SRAT
    /// names it wherever it is), and QEMU 10 takes the line: the device is on node 1 with its full size to plug.</summary>
    [NeedsLibvirtQemuFact]
    public void Libvirts_qemu_line_binds_the_device_like_the_cell_and_qemu_takes_it()
    {
        var (xml, _) = Domains.Apply("cxl-ram-genport", Domains.VirtioMem, Cell);
        var argv = LibvirtQemuDriver.ToNative(Write("applied.xml", xml), Trees.Project("cxl-ram-genport"));
        var cmd = QemuCommandLine.Parse(argv);
        output.WriteLine(string.Join(' ', argv.Where(a => a.Contains("memory-backend", StringComparison.Ordinal) || a.Contains("virtio-mem", StringComparison.Ordinal) || a.StartsWith("size=", StringComparison.Ordinal))));
        var device = Assert.Single(VirtioMemDevice.Of(cmd));
        Assert.Equal(1UL, device.Node);
        var backends = cmd.MemoryBackends().ToDictionary(b => b.Id!, StringComparer.Ordinal);
        var plugged = backends[device.Memdev!];
        var cell = backends["ram-node1"];
        Assert.Equal([1], plugged.HostNodes);
        Assert.Equal("bind", plugged.Policy);
        Assert.Equal(cell.HostNodes, plugged.HostNodes);
        Assert.Equal(256UL << 20, plugged.Size);
        Assert.Equal(128UL << 20, cell.Size);
        var m = cmd.Memory()!;
        Assert.Equal((1024UL + 128) << 20, m.Size); // -m holds the cells; maxmem= the device memory too (QEMU's rule)
        Assert.Equal((1024UL + 128 + 256) << 20, m.MaxMem);

        // QEMU 10 on libvirt's line: this machine has host node 0 only, so the binding (asserted above) is left out.
        var (code, answered, returns, stderr) = QmpStdio.Ask("qemu-system-x86_64", QemuWords(argv), """{"execute":"query-memory-devices"}""");
        Assert.True(answered, $"QEMU refused libvirt's line (exit {code}): {stderr}");
        var data = returns[0]!.AsArray().Single()!["data"]!;
        Assert.Equal(1, (int)data["node"]!);
        Assert.Equal(256L << 20, (long)data["max-size"]!);
        Assert.Equal(0, (long)data["size"]!);
    }

    /// <summary>The resize the docs show, by virsh itself: update-memory-device --node 1 --requested-size on the defined domain.</summary>
    [NeedsLibvirtQemuFact]
    public void Virsh_update_memory_device_resizes_the_device_on_the_tiered_cell()
    {
        var (xml, _) = Domains.Apply("cxl-ram-genport", Domains.VirtioMem, Cell);
        string path = Write("applied.xml", xml);
        string printed = LibvirtQemuDriver.Virsh(Trees.Project("cxl-ram-genport"),
            $"define {path}; update-memory-device vm1 --config --node 1 --requested-size 128MiB --print-xml; undefine vm1");
        output.WriteLine(printed);
        Assert.Contains("<node>1</node>", printed, StringComparison.Ordinal);
        Assert.Contains("<requested unit=\"KiB\">131072</requested>", printed, StringComparison.Ordinal);
    }

    /// <summary>The words of libvirt's line QEMU needs for the memory layout and the device, without the host binding.</summary>
    static List<string> QemuWords(IReadOnlyList<string> argv)
    {
        var words = new List<string>();
        for (int i = 0; i + 1 < argv.Count; i++)
        {
            string flag = argv[i], value = argv[i + 1];
            bool keep = flag is "-machine" or "-cpu" or "-m" or "-smp" or "-numa"
                || flag == "-object" && value.Contains("memory-backend", StringComparison.Ordinal)
                || flag == "-device" && (value.Contains("pcie-root-port", StringComparison.Ordinal) || value.Contains("virtio-mem-pci", StringComparison.Ordinal));
            if (!keep) continue;
            if (flag == "-object" && JsonNode.Parse(value) is JsonObject o)
            {
                o.Remove("host-nodes");
                o.Remove("policy");
                value = o.ToJsonString();
            }
            words.Add(flag);
            words.Add(value);
            i++;
        }
        return words;
    }
}
