using Hostmem.Libvirt;
using Hostmem.Planning;
using Hostmem.Qemu;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Libvirt;

/// <summary>hostmem libvirt apply in process, on recorded hosts: what it writes, what it keeps, and what it refuses.</summary>
public class LibvirtApplyTests
{
    [Fact]
    public void A_domain_without_numa_gets_cell_0_for_its_vcpus_and_a_bound_cpu_less_cell_with_the_hosts_figures()
    {
        var (xml, plan) = Domains.Apply("cxl-ram-genport", Domains.Plain, "1=cxl-ram:128MiB");
        Assert.Contains("  <numatune>\n    <memnode cellid='1' mode='strict' nodeset='1'/>\n  </numatune>\n", xml, StringComparison.Ordinal);
        Assert.Contains("<cell id='0' cpus='0-1' memory='1048576' unit='KiB'>", xml, StringComparison.Ordinal);
        Assert.Contains("<cell id='1' memory='131072' unit='KiB'>", xml, StringComparison.Ordinal);
        // The host's figures (sysfs access1 of node0 and node1) in libvirt's units: ns, KiB/s (16000 MB/s = 16000 MiB/s to QEMU).
        Assert.Contains("<latency initiator='0' target='1' type='read' value='17350'/>", xml, StringComparison.Ordinal);
        Assert.Contains("<latency initiator='0' target='1' type='write' value='17450'/>", xml, StringComparison.Ordinal);
        Assert.Contains("<bandwidth initiator='0' target='1' type='access' value='16384000' unit='KiB'/>", xml, StringComparison.Ordinal);
        Assert.Contains("<bandwidth initiator='0' target='0' type='access' value='268390400' unit='KiB'/>", xml, StringComparison.Ordinal);
        Assert.Contains("<memory unit='KiB'>1179648</memory>", xml, StringComparison.Ordinal); // the cells add up to it
        Assert.Contains("<hostmem:cell id='1' type='cxl-ram' memory='128' unit='MiB'/>", xml, StringComparison.Ordinal);
        Assert.Empty(Domains.LinesNotKept(Domains.Plain, xml));

        var cell = plan.Cells.Single(c => c.Id == 1);
        Assert.Equal([1], cell.Placement!.HostNodes);
        Assert.Equal(12826u, plan.Plan.GuestNodes.Single(n => n.GuestNode == 1).PredictedTier);
    }

    [Fact]
    public void New_elements_go_where_libvirt_puts_them()
    {
        var (xml, _) = Domains.Apply("cxl-ram-genport", Domains.Plain, "1=cxl-ram:128MiB");
        int At(string s) => xml.IndexOf(s, StringComparison.Ordinal);
        Assert.True(At("<uuid>") < At("<metadata>") && At("<metadata>") < At("<memory "));
        Assert.True(At("<vcpu ") < At("<numatune>") && At("<numatune>") < At("<os>"));
        Assert.True(At("</features>") < At("<cpu>") && At("<cpu>") < At("<clock "));
    }

    [Fact]
    public void Hand_written_xml_keeps_every_byte_it_had()
    {
        var (xml, _) = Domains.Apply("cxl-ram-genport", Domains.HandWritten, "1=cxl-ram:128MiB");
        // The only change to an existing element: the self-closing <cpu .../> opens to hold <numa>; its attributes stay as written.
        Assert.Equal(["\t     match=\"exact\"/>"], Domains.LinesNotKept(Domains.HandWritten, xml));
        Assert.Contains("\t<cpu mode=\"custom\"\n\t     match=\"exact\">\n\t\t<numa>\n\t\t\t<cell id='0' cpus='0-1' memory='1048576' unit='KiB'>", xml, StringComparison.Ordinal);
        Assert.Contains("\t\t<hostmem:memory xmlns:hostmem='https://hostmem.dev/libvirt/1'>", xml, StringComparison.Ordinal);
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- managed by hand; do not reformat -->\n", xml, StringComparison.Ordinal);
        Assert.EndsWith("</domain>", xml, StringComparison.Ordinal);
    }

    [Fact]
    public void Crlf_files_stay_crlf()
    {
        string crlf = Domains.Plain.Replace("\n", "\r\n", StringComparison.Ordinal);
        var (xml, _) = Domains.Apply("cxl-ram-genport", crlf, "1=cxl-ram:128MiB");
        Assert.DoesNotContain("\n", xml.Replace("\r\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("<numatune>\r\n", xml, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cxl-ram-genport", "Plain", "1=cxl-ram:128MiB")]
    [InlineData("two-socket-cxl", "Plain", "1=cxl-ram:128MiB:preferred")]
    [InlineData("two-socket-cxl", "TwoCells", null)]
    [InlineData("cxl-ram-kmem", "HandWritten", "1=cxl-ram:64MiB")]
    [InlineData("nvdimm-kmem", "Plain", "1=pmem:64MiB:interleave:all")]
    public void Applying_to_a_domain_that_has_the_result_changes_nothing(string fixture, string domain, string? cell)
    {
        string original = Domain(domain);
        string[] cells = cell is null ? [] : [cell];
        var (once, _) = Domains.Apply(fixture, original, cells);
        Assert.NotEqual(original, once);
        Assert.Equal(once, Domains.Apply(fixture, once).Xml);          // intent from the metadata hostmem wrote
        Assert.Equal(once, Domains.Apply(fixture, once, cells).Xml);   // the same --cell again
    }

    static string Domain(string name) => name switch
    {
        "Plain" => Domains.Plain,
        "HandWritten" => Domains.HandWritten,
        "TwoCells" => Domains.TwoCells,
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Fact]
    public void A_domains_own_cells_are_kept_with_their_distances_and_the_new_cell_adds_to_memory()
    {
        var (xml, plan) = Domains.Apply("two-socket-cxl", Domains.TwoCells);
        Assert.Contains("<memory unit='KiB'>2359296</memory>", xml, StringComparison.Ordinal);          // 2 GiB + 256 MiB
        Assert.Contains("<currentMemory unit='KiB'>2359296</currentMemory>", xml, StringComparison.Ordinal); // it was all of <memory>
        Assert.Contains("<memnode cellid='2' mode='strict' nodeset='2-3'/>", xml, StringComparison.Ordinal); // nodes='all'
        Assert.Contains("<memory mode='strict' nodeset='0-3'/>", xml, StringComparison.Ordinal);
        // The user's 21 between their own cells stays, mirrored into cell 1; the new cell's distances come from the host.
        Assert.Contains("<cell id='1' cpus='1' memory='1' unit='GiB' discard='yes'>\n        <distances>\n          <sibling id='0' value='21'/>", xml, StringComparison.Ordinal);
        Assert.Contains("<cell id='2' memory='262144' unit='KiB'>", xml, StringComparison.Ordinal);
        Assert.Contains("<hm:cell id=\"2\" type=\"cxl-ram\" memory=\"256\" unit=\"MiB\" nodes=\"all\"/>", xml, StringComparison.Ordinal); // not rewritten
        Assert.Equal(2359296UL * 1024, plan.MemoryBytesAfter);
        Assert.Equal(6, plan.Plan.Distances.Count);
    }

    [Fact]
    public void Between_two_cells_with_vcpus_libvirt_gets_one_direction_of_the_link()
    {
        var (xml, plan) = Domains.Apply("two-socket-cxl", Domains.TwoCells);
        // hostmem qemu writes 0->1 and 1->0; libvirt refuses both ("Link already defined"), so the domain (and the figures read
        // back from it) has 0->1 only.
        Assert.Contains(plan.Plan.Hmat, h => h.Initiator == 0 && h.Target == 1);
        Assert.DoesNotContain(plan.Plan.Hmat, h => h.Initiator == 1 && h.Target == 0);
        Assert.Contains("<latency initiator='0' target='1' type='read' value='100'/>", xml, StringComparison.Ordinal);
        Assert.DoesNotContain("initiator='1' target='0'", xml, StringComparison.Ordinal);
        Assert.Contains("<latency initiator='1' target='2' type='read' value='17350'/>", xml, StringComparison.Ordinal);
        Assert.Contains(plan.Notes, n => n.Code == NoteCodes.OneDirectionLink && n.Text.Contains("0->1", StringComparison.Ordinal));
    }

    [Fact]
    public void A_cpu_less_cell_the_domain_has_is_taken_over_by_the_cell_of_that_id()
    {
        string domain = Domains.TwoCells.Replace("<cell id='1' cpus='1' memory='1' unit='GiB' discard='yes'/>",
            "<cell id='1' cpus='1' memory='1' unit='GiB'/>\n        <cell id='2' memory='64' unit='MiB' memAccess='shared'/>", StringComparison.Ordinal);
        var (xml, _) = Domains.Apply("two-socket-cxl", domain);
        Assert.Contains("<cell id='2' memory='262144' unit='KiB' memAccess='shared'>", xml, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(xml, "<cell id='2'"));
    }

    [Fact]
    public void Vcpu_cpuset_decides_which_nodes_are_nearest()
    {
        string pinned = Domains.Plain.Replace("<vcpu placement='static'>2</vcpu>", "<vcpu placement='static' cpuset='1'>2</vcpu>", StringComparison.Ordinal);
        var (_, plan) = Domains.Apply("two-socket-cxl", pinned, "1=dram:128MiB");
        Assert.Equal([1], plan.Cells.Single(c => c.Id == 1).Placement!.HostNodes);
        Assert.Equal("<vcpu cpuset>", plan.Plan.CpusSource);
        var (_, unpinned) = Domains.Apply("two-socket-cxl", Domains.Plain, "1=dram:128MiB");
        Assert.Equal([0, 1], unpinned.Cells.Single(c => c.Id == 1).Placement!.HostNodes);
    }

    [Fact]
    public void Guest_numa_off_writes_cells_and_binding_only()
    {
        var (xml, _) = Domains.Apply("cxl-ram-genport", Domains.Plain, Domains.Auto with { GuestNuma = GuestNumaMode.Off }, "1=cxl-ram:128MiB");
        Assert.Contains("<cell id='1' memory='131072' unit='KiB'/>", xml, StringComparison.Ordinal);
        Assert.Contains("<memnode cellid='1' mode='strict' nodeset='1'/>", xml, StringComparison.Ordinal);
        Assert.DoesNotContain("<distances>", xml, StringComparison.Ordinal);
        Assert.DoesNotContain("<interconnects>", xml, StringComparison.Ordinal);
    }

    [Fact]
    public void A_host_without_hmat_gives_distances_but_no_interconnects()
    {
        var (xml, plan) = Domains.Apply("cxl-ram-kmem", Domains.Plain, "1=cxl-ram:64MiB");
        Assert.Contains("<sibling id='1' value='20'/>", xml, StringComparison.Ordinal);
        Assert.DoesNotContain("<interconnects>", xml, StringComparison.Ordinal);
        Assert.Contains(plan.Plan.Notes, n => n.Code == NoteCodes.NoReferenceFigures);
    }

    [Fact]
    public void Figures_from_the_command_line_reach_the_interconnects()
    {
        var options = Domains.Auto with
        {
            LatencyNs = new Dictionary<Classification.HostMemType, ulong> { [Classification.HostMemType.Dram] = 90, [Classification.HostMemType.CxlRam] = 250 },
            BandwidthMBps = new Dictionary<Classification.HostMemType, ulong> { [Classification.HostMemType.Dram] = 100000, [Classification.HostMemType.CxlRam] = 30000 },
        };
        var (xml, plan) = Domains.Apply("cxl-ram-kmem", Domains.Plain, options, "1=cxl-ram:64MiB");
        Assert.Contains("<latency initiator='0' target='1' type='access' value='250'/>", xml, StringComparison.Ordinal);
        Assert.Contains("<bandwidth initiator='0' target='1' type='access' value='30720000' unit='KiB'/>", xml, StringComparison.Ordinal);
        Assert.NotEqual(4u, plan.Plan.GuestNodes.Single(n => n.GuestNode == 1).PredictedTier);
    }

    [Fact]
    public void A_cli_cell_replaces_the_metadata_cell_of_its_id_and_the_metadata_says_so()
    {
        var (xml, plan) = Domains.Apply("two-socket-cxl", Domains.TwoCells, "2=cxl-ram:128MiB:preferred");
        Assert.Contains("<hm:memory xmlns:hm='https://hostmem.dev/libvirt/1'>\n      <hm:cell id='2' type='cxl-ram' memory='128' unit='MiB' mode='preferred'/>\n    </hm:memory>", xml, StringComparison.Ordinal);
        Assert.Contains("<memnode cellid='2' mode='preferred' nodeset='2-3'/>", xml, StringComparison.Ordinal);
        Assert.Equal(BindPolicy.Preferred, plan.Cells.Single(c => c.Id == 2).Placement!.Policy);
    }

    // ------------------------------------------------------------------ bad input

    [Fact]
    public void Malformed_xml_names_the_line_and_column()
    {
        var e = Domains.Fails("cxl-ram-genport", "<domain>\n  <name>x</name\n</domain>\n", "1=cxl-ram:64MiB");
        Assert.StartsWith("vm.xml:3:1: not well-formed XML: ", e.Problem, StringComparison.Ordinal);
        Assert.Contains("xmllint", e.Hint, StringComparison.Ordinal);
        Assert.StartsWith("vm.xml:1:1: not well-formed XML", Domains.Fails("cxl-ram-genport", "qemu-system-x86_64 -m 1G\n").Problem, StringComparison.Ordinal);
        Assert.Contains("DTD", Domains.Fails("cxl-ram-genport", "<!DOCTYPE domain [<!ENTITY x 'y'>]><domain/>").Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Xml_that_is_not_a_domain_says_what_it_is()
    {
        var e = Domains.Fails("cxl-ram-genport", "<network>\n  <name>default</name>\n</network>\n", "1=cxl-ram:64MiB");
        Assert.Equal("vm.xml:1:2: the root element is <network>, not <domain>: this is not a libvirt domain", e.Problem);
        Assert.Contains("virsh dumpxml", e.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Cell_id_clashes_are_refused()
    {
        Assert.Equal("--cell 1=cxl-ram:32MiB: cell 1 is already given by --cell 1=cxl-ram:64MiB",
            Domains.Fails("cxl-ram-genport", Domains.Plain, "1=cxl-ram:64MiB", "1=cxl-ram:32MiB").Problem);
        Assert.StartsWith("--cell 0=cxl-ram:64MiB: cell 0 is the vCPUs' cell", Domains.Fails("cxl-ram-genport", Domains.Plain, "0=cxl-ram:64MiB").Problem, StringComparison.Ordinal);
        var taken = Domains.Fails("two-socket-cxl", Domains.TwoCells, "1=cxl-ram:64MiB");
        Assert.StartsWith("--cell 1=cxl-ram:64MiB: cell 1 is already in the domain with vCPUs 1 (vm.xml:", taken.Problem, StringComparison.Ordinal);
        Assert.Contains("cell 3", taken.Hint, StringComparison.Ordinal);
        var twice = Domains.TwoCells.Replace("nodes=\"all\"/>", "nodes=\"all\"/>\n      <hm:cell id=\"2\" type=\"dram\" memory=\"1\" unit=\"GiB\"/>", StringComparison.Ordinal);
        Assert.Matches(@"^vm\.xml:\d+:\d+: cell 2 is already asked for at vm\.xml:\d+:\d+$", Domains.Fails("two-socket-cxl", twice).Problem);
        Assert.Equal("use cell 1", Domains.Fails("cxl-ram-genport", Domains.Plain, "2=cxl-ram:64MiB").Hint);
    }

    [Fact]
    public void Cells_that_leave_nothing_of_memory_for_cell_0_are_refused()
    {
        var e = Domains.Fails("cxl-ram-genport", Domains.Plain, "1=cxl-ram:1152MiB");
        Assert.Equal("vm.xml: the cells ask for 1152 MiB of the domain's <memory> of 1152 MiB: nothing is left for cell 0 with the vCPUs", e.Problem);
        Assert.Contains("raise <memory> above 1152 MiB", e.Hint, StringComparison.Ordinal);
    }

    /// <summary>The planner's own errors, in the words of each syntax: hostmem qemu for a backend, libvirt for a cell.</summary>
    [Theory]
    [InlineData("cxl-rm:64MiB", "size=64M,host-mem-type=cxl-rm", "unknown")]
    [InlineData("hbm:64MiB", "size=64M,host-mem-type=hbm", "no hbm memory on this host")]
    [InlineData("cxl-ram:512MiB", "size=512M,host-mem-type=cxl-ram", "more than the 256 MiB")]
    public void The_same_mistakes_get_the_same_errors_as_hostmem_qemu(string cell, string backend, string kind)
    {
        var libvirt = Domains.Fails("cxl-ram-genport", Domains.Plain.Replace("1179648", "2097152", StringComparison.Ordinal), "1=" + cell);
        var qemu = Assert.Throws<UserError>(() => Planner.Plan(Domains.Host("cxl-ram-genport"),
            QemuCommandLine.Parse(["qemu-system-x86_64", "-m", "2G", "-object", "memory-backend-ram,id=m," + backend]), Domains.Auto));
        Assert.Contains(kind, libvirt.Problem, StringComparison.Ordinal);
        Assert.Contains(kind, qemu.Problem, StringComparison.Ordinal);
        string Tail(string problem, string subject) => problem[(problem.IndexOf(subject, StringComparison.Ordinal) + subject.Length)..];
        // What follows the subject is the same sentence, bar the key's name (host-mem-type= is a cell's type=).
        Assert.Equal(Tail(qemu.Problem, "memory-backend-ram 'm'").Replace("host-mem-type ", "type ", StringComparison.Ordinal),
            Tail(libvirt.Problem, "--cell 1=" + cell));
        // The hints teach each syntax's words.
        string Words(string hint) => hint.Replace("host-mem-policy=preferred", "mode='preferred'", StringComparison.Ordinal)
            .Replace("size=", "the cell's size", StringComparison.Ordinal).Replace(", none", "", StringComparison.Ordinal).Replace(", or none", "", StringComparison.Ordinal);
        Assert.Equal(Words(qemu.Hint), libvirt.Hint);
    }

    [Fact]
    public void Bad_metadata_is_refused_where_it_is()
    {
        string With(string cell) => Domains.TwoCells.Replace("<hm:cell id=\"2\" type=\"cxl-ram\" memory=\"256\" unit=\"MiB\" nodes=\"all\"/>", cell, StringComparison.Ordinal);
        Assert.Matches(@"^vm\.xml:5:\d+: <hostmem:cell> has no attribute 'size'$", Domains.Fails("two-socket-cxl", With("<hm:cell id='2' type='cxl-ram' size='1G'/>")).Problem);
        Assert.Matches(@"^vm\.xml:5:\d+: <hostmem:cell> without memory=$", Domains.Fails("two-socket-cxl", With("<hm:cell id='2' type='cxl-ram'/>")).Problem);
        Assert.Matches(@"^vm\.xml:5:\d+: cell 2: mode 'restrictive' is not strict, preferred or interleave$",
            Domains.Fails("two-socket-cxl", With("<hm:cell id='2' type='cxl-ram' memory='1' unit='GiB' mode='restrictive'/>")).Problem);
        Assert.Matches(@"^vm\.xml:5:\d+: cell 2: memory='1' unit='parsecs' is not a libvirt size$",
            Domains.Fails("two-socket-cxl", With("<hm:cell id='2' type='cxl-ram' memory='1' unit='parsecs'/>")).Problem);
        Assert.Contains("not a whole number of MiB", Domains.Fails("two-socket-cxl", With("<hm:cell id='2' type='cxl-ram' memory='100' unit='KiB'/>")).Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1=cxl-ram", "not ID=TYPE:SIZE")]
    [InlineData("x=cxl-ram:1GiB", "cell id 'x' is not a number")]
    [InlineData("1=cxl-ram:64", "size '64' is not a number with a unit")]
    [InlineData("1=cxl-ram:64MiB:fast", "'fast' is not a mode")]
    [InlineData("1=cxl-ram:0GiB", "size 0")]
    public void Bad_cell_options_are_refused(string spec, string problem)
    {
        var e = Assert.Throws<UserError>(() => CellIntent.ParseOption(spec));
        Assert.Contains(problem, e.Problem, StringComparison.Ordinal);
        Assert.StartsWith($"--cell {spec}", e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_asked_is_an_error_that_shows_both_ways_to_ask()
    {
        var e = Domains.Fails("cxl-ram-genport", Domains.Plain);
        Assert.Equal("vm.xml: no cell asks for a memory type: nothing to plan", e.Problem);
        Assert.Contains("--cell", e.Hint, StringComparison.Ordinal);
        Assert.Contains("<hostmem:cell", e.Hint, StringComparison.Ordinal);
    }
}
