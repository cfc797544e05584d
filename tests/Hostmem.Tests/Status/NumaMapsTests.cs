using Hostmem.Status;
using Xunit;

namespace Hostmem.Tests.Status;

/// <summary>The numa_maps parser on real captures (Status/data) and on the lines the kernel can write.</summary>
public class NumaMapsTests
{
    public static TheoryData<string> Names => [.. Capture.All];

    [Theory, MemberData(nameof(Names))]
    public void Every_line_of_a_real_capture_parses(string name)
    {
        var text = Capture.Text($"{name}.numa_maps");
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var maps = NumaMaps.Parse(text);
        Assert.Equal(lines.Length, maps.Count);
        // Each line's address and page counts come back as written.
        for (int i = 0; i < lines.Length; i++)
        {
            Assert.Equal(lines[i][..lines[i].IndexOf(' ')], maps[i].Address.ToString("x"));
            foreach (var n in maps[i].PagesByNode)
                Assert.Contains($" N{n.Key}={n.Value}", lines[i]);
        }
    }

    [Fact]
    public void A_bound_preallocated_backend_is_bind_0_with_every_page_on_node_0()
    {
        var m = NumaMaps.Parse(Capture.Text("bind-node0.numa_maps")).Single(x => x.Policy.Mode == MemPolicyMode.Bind);
        Assert.Equal([0], m.Policy.Nodes);
        Assert.Equal(16384UL, m.PagesByNode[0]);
        Assert.Equal(16384UL, m.Anon);
        Assert.Equal(4096UL, m.PageSizeBytes);
        Assert.Equal(64UL << 20, m.BytesOn(0));
        Assert.Equal(64UL << 20, m.ResidentBytes);
        Assert.False(m.Huge);
    }

    [Fact]
    public void The_cxl_node_interleave_and_prefer_many_from_the_nested_host()
    {
        var maps = NumaMaps.Parse(Capture.Text("nested-policies.numa_maps"));
        var bind = maps.Single(x => x.Policy.Mode == MemPolicyMode.Bind);
        Assert.Equal("bind:1", bind.Policy.ToString());
        Assert.Equal(new Dictionary<int, ulong> { [1] = 16384 }, bind.PagesByNode);
        var interleave = maps.Single(x => x.Policy.Mode == MemPolicyMode.Interleave);
        Assert.Equal([0, 1], interleave.Policy.Nodes);
        Assert.Equal(16UL << 20, interleave.BytesOn(0));
        Assert.Equal(16UL << 20, interleave.BytesOn(1));
        // "prefer (many)" has a space in it: the parser must not split the policy there.
        var prefer = maps.Single(x => x.Policy.Mode == MemPolicyMode.PreferredMany);
        Assert.Equal([1], prefer.Policy.Nodes);
        Assert.Equal("prefer (many):1", prefer.Policy.ToString());
        Assert.Equal(4096UL, prefer.PagesByNode[1]);
    }

    [Fact]
    public void Hugetlb_mappings_count_huge_pages_of_kernelpagesize()
    {
        var maps = NumaMaps.Parse(Capture.Text("nested-hugetlb.numa_maps")).Where(x => x.Huge).ToList();
        Assert.Equal(2, maps.Count);
        var memfd = maps.Single(x => x.File!.StartsWith("/memfd:", StringComparison.Ordinal));
        Assert.Equal("/memfd:memory-backend-memfd (deleted)", memfd.File); // \040 is a space
        Assert.Equal(2UL << 20, memfd.PageSizeBytes);
        Assert.Equal(32UL, memfd.PagesByNode[1]);
        Assert.Equal(64UL << 20, memfd.ResidentBytes);
        var file = maps.Single(x => x.File!.StartsWith("/tmp/huge/", StringComparison.Ordinal));
        Assert.EndsWith(" (deleted)", file.File);
        Assert.Equal(16UL << 20, file.BytesOn(1));
    }

    [Fact]
    public void Under_numactl_every_mapping_without_its_own_policy_shows_the_process_policy()
    {
        var maps = NumaMaps.Parse(Capture.Text("numactl-m0.numa_maps"));
        Assert.All(maps, m => Assert.Equal("bind:0", m.Policy.ToString()));
        Assert.Contains(maps, m => m.Heap);
        Assert.Contains(maps, m => m.Stack);
        Assert.Equal("bind:0", PlacementAnalysis.ProcessPolicy(maps).ToString());
        Assert.Equal("default", PlacementAnalysis.ProcessPolicy(NumaMaps.Parse(Capture.Text("bind-node0.numa_maps"))).ToString());
    }

    [Fact]
    public void A_mapping_without_pages_has_no_page_size_and_no_bytes()
    {
        var maps = NumaMaps.Parse(Capture.Text("bind-node0.numa_maps"));
        var empty = maps.First(m => m.PagesByNode.Count == 0);
        Assert.Null(empty.PageSizeBytes);
        Assert.Equal(0UL, empty.ResidentBytes);
    }

    // Lines in the kernel's format (mm/mempolicy.c mpol_to_str, fs/proc/task_mmu.c) that these captures do not hold.
    [Theory]
    [InlineData("7f0000000000 bind=static:0,2 anon=3 N0=1 N2=2 kernelpagesize_kB=4", MemPolicyMode.Bind, "static", "0,2")]
    [InlineData("7f0000000000 interleave=relative:0-3 N1=5 kernelpagesize_kB=4", MemPolicyMode.Interleave, "relative", "0-3")]
    [InlineData("7f0000000000 weighted interleave:0-1 anon=2 N0=1 N1=1 kernelpagesize_kB=4", MemPolicyMode.WeightedInterleave, null, "0-1")]
    [InlineData("7f0000000000 local anon=1 N0=1 kernelpagesize_kB=4", MemPolicyMode.Local, null, "")]
    [InlineData("7f0000000000 bind=static|balancing:1 anon=1 N1=1 kernelpagesize_kB=4", MemPolicyMode.Bind, "static|balancing", "1")]
    [InlineData("7f0000000000 prefer:3 stack anon=1 swapcache=1 N3=1 kernelpagesize_kB=4", MemPolicyMode.Preferred, null, "3")]
    public void Kernel_policy_spellings(string line, MemPolicyMode mode, string? flags, string nodes)
    {
        var m = NumaMaps.ParseLine(line)!;
        Assert.Equal(mode, m.Policy.Mode);
        Assert.Equal(flags, m.Policy.Flags);
        Assert.Equal(nodes, Hostmem.Sysfs.CpuList.Format(m.Policy.Nodes));
        Assert.StartsWith($"7f0000000000 {m.Policy} ", line); // written back as the kernel wrote it
    }

    [Theory]
    [InlineData("hello world")]
    [InlineData("55644753a000-5564479d1000 r--p 00000000 08:01 123 /usr/bin/qemu")] // a maps line
    [InlineData("7f0000000000 sometimes N0=1")]
    [InlineData("7f0000000000 bind:x N0=1")]
    [InlineData("7f0000000000 interleaved:0 N0=1")]
    [InlineData("7f0000000000 bind:0 N0=many")]
    public void A_line_the_kernel_would_not_write_is_refused(string line)
    {
        Assert.Null(NumaMaps.ParseLine(line));
        var e = Assert.Throws<UserError>(() => NumaMaps.Parse("7f0000000000 default\n" + line + "\n", "x/numa_maps"));
        Assert.StartsWith("x/numa_maps line 2 is not a numa_maps line", e.Problem);
    }

    [Fact]
    public void An_empty_file_has_no_mappings() => Assert.Empty(NumaMaps.Parse(""));
}
