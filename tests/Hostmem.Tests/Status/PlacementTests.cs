using Hostmem.Tests.Support;
using Hostmem.Status;
using Xunit;

namespace Hostmem.Tests.Status;

/// <summary>Backends tied to their mappings and counted per node, on real captures (Status/data).</summary>
public class PlacementTests
{
    static BackendPlacement Of(IReadOnlyList<BackendPlacement> all, string id) => all.Single(b => b.Id == id);

    static string Shares(BackendPlacement b) => string.Join(" ", b.Nodes.Select(n => $"N{n.Node}={n.Bytes >> 20}M/{n.Percent}%{(n.Intended ? "" : "!")}"));

    [Fact]
    public void A_bound_backend_has_every_page_on_its_node()
    {
        var all = Capture.Load("bind-node0").Analyse();
        var m = Of(all, "m");
        Assert.Equal(BackendMatch.RamBlockName, m.Match);
        Assert.Equal(("bind", "bind:0"), (m.Policy, m.MappingPolicy!.ToString()));
        Assert.Equal([0], m.HostNodes);
        Assert.Equal([0], m.IntendedNodes);
        Assert.Equal("N0=64M/100%", Shares(m));
        Assert.Equal((64UL << 20, 0UL, false), (m.ResidentBytes, m.OutsideBytes, m.HasProblem));
        Assert.Empty(m.Notes);
        Assert.DoesNotContain(all, b => b.HasProblem);
    }

    [Fact]
    public void Unnamed_blocks_of_a_unique_size_are_tied_by_size()
    {
        var all = Capture.Load("bind-node0").Analyse();
        var lazy = Of(all, "lazy");
        Assert.Equal(BackendMatch.RamBlockSize, lazy.Match);
        Assert.Equal(0UL, lazy.ResidentBytes);
        Assert.Empty(lazy.Nodes);
        Assert.Contains("no pages yet: the guest has not touched this memory (prealloc=off)", lazy.Notes);
        var fd = Of(all, "fd");
        Assert.Equal(BackendMatch.RamBlockSize, fd.Match);
        Assert.Equal("/memfd:memory-backend-memfd (deleted)", fd.File);
        Assert.Equal("N0=16M/100%", Shares(fd));
        Assert.Empty(fd.IntendedNodes); // policy default: any node is right
    }

    [Fact]
    public void A_virtio_mem_memdev_is_the_block_named_after_the_device_path_and_the_id()
    {
        // QEMU 10 names the block "0000:00:02.0/cm" (the device's PCI path, then the backend's id); beside it an unused
        // backend of the same size has an unnamed block, so size alone could not tell them apart.
        var capture = Capture.Load("virtio-mem");
        var all = capture.Analyse();
        var cm = Of(all, "cm");
        Assert.Equal(BackendMatch.RamBlockName, cm.Match);
        Assert.Equal(capture.Blocks!.Single(b => b.Name == "0000:00:02.0/cm").HostAddress, cm.HostAddress);
        Assert.Equal(("bind", "bind:0", 0UL), (cm.Policy, cm.MappingPolicy!.ToString(), cm.ResidentBytes)); // nothing plugged yet
        Assert.Equal(BackendMatch.RamBlockSize, Of(all, "spare").Match);
        Assert.NotEqual(cm.HostAddress, Of(all, "spare").HostAddress);
    }

    [Fact]
    public void Cxl_type3_memory_is_found_through_the_memfd_named_after_the_backend()
    {
        var all = Capture.Load("cxl-type3").Analyse();
        var vmem0 = Of(all, "vmem0");
        Assert.Equal(BackendMatch.MemfdName, vmem0.Match);
        Assert.Equal("/memfd:vmem0 (deleted)", vmem0.File);
        Assert.Equal(("bind:0", "N0=256M/100%"), (vmem0.MappingPolicy!.ToString(), Shares(vmem0)));
        Assert.Equal(BackendMatch.MemfdName, Of(all, "vmem1").Match);
        Assert.Equal(BackendMatch.RamBlockName, Of(all, "main").Match);
        Assert.Equal("N0=128M/100%", Shares(Of(all, "main")));
        // QEMU 10 applies preferred with one node as MPOL_PREFERRED_MANY: that is agreement, not a mismatch.
        var dimm = Of(all, "dimm");
        Assert.Equal(("preferred", "prefer (many):0", false), (dimm.Policy, dimm.MappingPolicy!.ToString(), dimm.PolicyMismatch));
    }

    [Fact]
    public void Without_memfd_names_two_unnamed_blocks_of_one_size_are_told_apart_by_policy()
    {
        var c = Capture.Load("cxl-type3");
        // The same capture with the memfds renamed, as a QEMU that maps share=on RAM without naming it would show it.
        var all = c.Analyse(c.NumaMapsText.Replace("/memfd:vmem0", "/memfd:x").Replace("/memfd:vmem1", "/memfd:x"));
        Assert.Equal(BackendMatch.RamBlockSizeAndPolicy, Of(all, "vmem0").Match);
        Assert.Equal("bind:0", Of(all, "vmem0").MappingPolicy!.ToString());
        // vmem1 (default) is then the only one left of that size.
        Assert.Equal(BackendMatch.RamBlockSize, Of(all, "vmem1").Match);
        Assert.NotEqual(Of(all, "vmem0").HostAddress, Of(all, "vmem1").HostAddress);
    }

    [Fact]
    public void When_nothing_tells_two_blocks_apart_the_placement_is_unknown_not_guessed()
    {
        var c = Capture.Load("cxl-type3");
        var text = c.NumaMapsText.Replace("/memfd:vmem0", "/memfd:x").Replace("/memfd:vmem1", "/memfd:x").Replace(" bind:0 file=/memfd:x", " default file=/memfd:x");
        var memdevs = c.Memdevs.Select(m => m.Id == "vmem0" ? m with { Policy = "default", HostNodes = [] } : m).ToList();
        var all = PlacementAnalysis.WithQmp(memdevs, c.Blocks, NumaMaps.Parse(text), c.Ends);
        foreach (var id in new[] { "vmem0", "vmem1" })
        {
            var b = Of(all, id);
            Assert.Equal(BackendMatch.Unmatched, b.Match);
            Assert.Null(b.HostAddress);
            Assert.Equal($"placement unknown: 2 unnamed RAM blocks of 256 MiB, and neither name nor policy tells which is {id}", Assert.Single(b.Notes));
        }
    }

    [Fact]
    public void A_report_with_an_unknown_placement_is_not_all_clear()
    {
        // status exits 1 for it (docs/status.md: 0 only when every page was checked); before: exit 0.
        var c = Capture.Load("cxl-type3");
        var text = c.NumaMapsText.Replace("/memfd:vmem0", "/memfd:x").Replace("/memfd:vmem1", "/memfd:x").Replace(" bind:0 file=/memfd:x", " default file=/memfd:x");
        var memdevs = c.Memdevs.Select(m => m.Id == "vmem0" ? m with { Policy = "default", HostNodes = [] } : m).ToList();
        var report = new QemuStatusReport(1, null, null, BackendSource.Qmp, PlacementAnalysis.WithQmp(memdevs, c.Blocks, NumaMaps.Parse(text), c.Ends), []);
        Assert.False(report.HasProblem); // no page is known to be outside
        Assert.True(report.HasUnknownPlacement);
        Assert.False(new QemuStatusReport(1, null, null, BackendSource.Qmp, c.Analyse(), []).HasUnknownPlacement);
    }

    [Fact]
    public void On_the_cxl_host_bind_interleave_and_preferred_land_where_asked()
    {
        var all = Capture.Load("nested-policies").Analyse();
        var cxl = Of(all, "cxl");
        Assert.Equal(BackendMatch.RamBlockSize, cxl.Match);
        Assert.Equal(("bind:1", "N1=64M/100%"), (cxl.MappingPolicy!.ToString(), Shares(cxl)));
        var both = Of(all, "both");
        Assert.Equal(("interleave:0-1", "N0=16M/50% N1=16M/50%"), (both.MappingPolicy!.ToString(), Shares(both)));
        Assert.Equal([0, 1], both.IntendedNodes);
        var pref = Of(all, "pref");
        Assert.Equal(("prefer (many):1", "N1=16M/100%", false), (pref.MappingPolicy!.ToString(), Shares(pref), pref.HasProblem));
        Assert.Equal(BackendMatch.RamBlockName, Of(all, "pc.ram").Match);
        Assert.DoesNotContain(all, b => b.HasProblem);
    }

    [Fact]
    public void Pages_on_a_node_outside_host_nodes_are_flagged()
    {
        var c = Capture.Load("nested-policies");
        // The capture with 1000 of the bound backend's 16384 pages moved to node 0 (as after a migratepages).
        var text = c.NumaMapsText.Replace(" N1=16384 ", " N0=1000 N1=15384 ");
        var cxl = Of(c.Analyse(text), "cxl");
        Assert.Equal(1000UL * 4096, cxl.OutsideBytes);
        Assert.True(cxl.HasProblem);
        Assert.False(cxl.PolicyMismatch);
        Assert.Equal("N0=3M/6.1%! N1=60M/93.9%", Shares(cxl));
    }

    [Fact]
    public void Preferred_pages_elsewhere_are_flagged_with_why_the_kernel_may_do_it()
    {
        var c = Capture.Load("nested-policies");
        var pref = Of(c.Analyse(c.NumaMapsText.Replace("prefer (many):1 anon=4096 dirty=4096 active=0 N1=4096", "prefer (many):1 anon=4096 dirty=4096 active=0 N0=96 N1=4000")), "pref");
        Assert.Equal(96UL * 4096, pref.OutsideBytes);
        Assert.Contains("preferred lets the kernel use other nodes when node 1 has no free memory", pref.Notes);
    }

    [Fact]
    public void A_mapping_whose_policy_is_not_what_qemu_asked_for_is_a_problem()
    {
        var c = Capture.Load("nested-policies");
        var cxl = Of(c.Analyse(c.NumaMapsText.Replace(" bind:1 anon=16384", " default anon=16384")), "cxl");
        Assert.True(cxl.PolicyMismatch);
        Assert.True(cxl.HasProblem);
        Assert.Contains("QEMU says bind node 1 but the kernel applies default to the mapping", cxl.Notes);
    }

    [Fact]
    public void Huge_pages_on_the_cxl_node_are_counted_in_bytes()
    {
        var all = Capture.Load("nested-hugetlb").Analyse();
        var fd = Of(all, "hugefd");
        Assert.Equal((true, 2UL << 20, "N1=64M/100%"), (fd.Huge, fd.PageSizeBytes, Shares(fd)));
        var file = Of(all, "hugefile");
        Assert.StartsWith("/tmp/huge/qemu_back_mem.hugefile.", file.File);
        Assert.Equal((true, "N1=16M/100%", "bind:1"), (file.Huge, Shares(file), file.MappingPolicy!.ToString()));
    }

    [Fact]
    public void Under_numactl_a_default_backend_is_held_to_the_process_policy()
    {
        var all = Capture.Load("numactl-m0").Analyse();
        var ram0 = Of(all, "ram0");
        Assert.Equal(("default", "bind:0"), (ram0.Policy, ram0.MappingPolicy!.ToString()));
        Assert.Equal([0], ram0.IntendedNodes);
        Assert.Contains("policy default: the pages follow QEMU's own policy bind:0 (numactl or a parent process set it)", ram0.Notes);
        var bound = Of(all, "bound");
        Assert.Equal((BackendMatch.RamBlockSize, "N0=16M/100%"), (bound.Match, Shares(bound)));
    }

    [Fact]
    public void Under_weighted_interleave_a_default_backend_is_held_to_its_nodes_and_the_note_names_hostmem_qemu()
    {
        // The numactl capture with the process policy hostmem qemu sets for host-mem-policy=weighted-interleave, as
        // numa_maps prints it (the nested lab's run: "weighted interleave:0-1" on every mapping without a policy).
        var c = Capture.Load("numactl-m0");
        var ram0 = Of(c.Analyse(c.NumaMapsText.Replace("bind:0", "weighted interleave:0-1", StringComparison.Ordinal)), "ram0");
        Assert.Equal(("default", "weighted interleave:0-1"), (ram0.Policy, ram0.MappingPolicy!.ToString()));
        Assert.Equal([0, 1], ram0.IntendedNodes);
        Assert.Contains("policy default: the pages follow QEMU's own policy weighted interleave:0-1 (hostmem qemu's host-mem-policy=weighted-interleave, numactl -w or a parent process set it)", ram0.Notes);
    }

    [Fact]
    public void Qemu_7_2_without_host_addresses_is_tied_by_mapping_size()
    {
        var all = Capture.Load("qemu72-cxl").Analyse();
        Assert.All(all, b => Assert.True(b.Match is BackendMatch.MappingSize or BackendMatch.MappingSizeAndPolicy, $"{b.Id}: {b.Match}"));
        Assert.Equal(("bind:0", "N0=64M/100%"), (Of(all, "m").MappingPolicy!.ToString(), Shares(Of(all, "m"))));
        Assert.Equal(("prefer:0", "N0=16M/100%"), (Of(all, "pref").MappingPolicy!.ToString(), Shares(Of(all, "pref"))));
        Assert.Equal("N0=32M/100%", Shares(Of(all, "shared")));
    }

    [Fact]
    public void A_backend_inside_a_larger_mapping_is_counted_with_a_note()
    {
        var c = Capture.Load("bind-node0");
        var m = c.Blocks!.Single(b => b.Name == "m");
        // The capture as if the mapping began one page below the block (merged with a neighbour).
        var text = c.NumaMapsText.Replace($"{m.HostAddress:x} bind:0", $"{m.HostAddress - 4096:x} bind:0");
        var ends = c.Ends.ToDictionary(kv => kv.Key == m.HostAddress ? kv.Key - 4096 : kv.Key, kv => kv.Value);
        var all = PlacementAnalysis.WithQmp(c.Memdevs, c.Blocks, NumaMaps.Parse(text), ends);
        var b = Of(all, "m");
        Assert.Equal("N0=64M/100%", Shares(b));
        Assert.Contains($"the mapping at 0x{m.HostAddress - 4096:x} also holds memory before the backend: its pages are counted too", b.Notes);
    }

    [Fact]
    public void Without_qmp_the_command_line_gives_ids_sizes_and_policies()
    {
        var c = Capture.Load("nested-policies");
        var asked = CommandLineBackends.From(c.Files.CommandLine());
        Assert.Equal(["cxl", "both", "pref"], asked.Select(m => m.Id));
        Assert.Equal([1], asked[0].HostNodes);
        Assert.Equal([0, 1], asked[1].HostNodes);
        Assert.Equal(("interleave", 32UL << 20, true), (asked[1].Policy, asked[1].Size, asked[1].Prealloc));
        var all = PlacementAnalysis.WithQmp(asked, null, c.NumaMaps, c.Ends);
        Assert.Equal((BackendMatch.MappingSize, "N1=64M/100%"), (Of(all, "cxl").Match, Shares(Of(all, "cxl"))));
        Assert.Equal("N0=16M/50% N1=16M/50%", Shares(Of(all, "both")));
    }

    [Fact]
    public void Without_any_backend_the_explicit_policy_mappings_are_listed_without_ids()
    {
        var c = Capture.Load("nested-policies");
        var listed = PlacementAnalysis.FromNumaMapsOnly(c.NumaMaps, c.Ends);
        Assert.Equal(["bind:1", "interleave:0-1", "prefer (many):1"], listed.OrderBy(b => b.MappingPolicy!.ToString()).Select(b => b.MappingPolicy!.ToString()));
        Assert.All(listed, b => Assert.Null(b.Id));
        Assert.Equal(64UL << 20, listed.Single(b => b.MappingPolicy!.Mode == MemPolicyMode.Bind).SizeBytes);
        // Under numactl -m 0 the process's own policy bind:0 is on every mapping, so a backend bound to node 0 cannot be
        // told from the rest without its size from QMP or the command line: nothing is listed (docs/status.md says so).
        var numactl = Capture.Load("numactl-m0");
        Assert.Empty(PlacementAnalysis.FromNumaMapsOnly(numactl.NumaMaps, numactl.Ends));
    }
}

/// <summary>ProcessFiles over a /proc-like folder: what is missing or unreadable is one line and a hint.</summary>
public class ProcessFilesTests
{
    [Fact]
    public void A_process_folder_without_numa_maps_means_a_kernel_without_numa()
    {
        var proc = Scratch.Folder("hostmem-status-proc-");
        Directory.CreateDirectory(Path.Combine(proc, "7"));
        var e = Assert.Throws<UserError>(() => new ProcessFiles(7, proc).ReadNumaMaps());
        Assert.Equal($"{proc}/7/numa_maps does not exist: this kernel was built without NUMA support (CONFIG_NUMA)", e.Problem);
        var gone = Assert.Throws<UserError>(() => new ProcessFiles(8, proc).ReadNumaMaps());
        Assert.Equal($"no process 8 (cannot read {proc}/8/numa_maps)", gone.Problem);
        Assert.Throws<UserError>(() => new ProcessFiles(8, proc).MustExist());
    }

    [Fact]
    public void The_captured_command_line_and_mapping_ends_read_back()
    {
        var c = Capture.Load("bind-node0");
        Assert.Equal("qemu-system-x86_64", c.Files.CommandLine()[0]);
        var m = c.Blocks!.Single(b => b.Name == "m");
        Assert.Equal(m.HostAddress + m.TotalBytes, c.Ends[m.HostAddress]); // the block is exactly one mapping
    }
}
