using Hostmem.Classification;
using Hostmem.Discovery;
using Hostmem.Planning;
using Hostmem.Qemu;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Planning;

/// <summary>The planner on recorded trees of real 6.12 guests (tests/fixtures): which nodes, why, and the rewritten argv.</summary>
public class PlannerTests
{
    static ClassifiedHost Host(string fixture) => ClassifiedHost.From(TopologyReader.Read(Trees.Project(fixture)));

    static MemoryPlan Plan(string fixture, PlanOptions? options, params string[] args) =>
        Planner.Plan(Host(fixture), QemuCommandLine.Parse(["qemu-system-x86_64", .. args]), options ?? new PlanOptions([0, 1], "test"));

    static UserError Fails(string fixture, params string[] args) =>
        Assert.Throws<UserError>(() => Plan(fixture, null, args));

    [Fact]
    public void Rfc_spelling_cxlram_lands_on_the_cxl_node_with_bind()
    {
        var plan = Plan("cxl-ram-kmem", null, "-m", "1G", "-object", "memory-backend-ram,id=vmem0,size=128M,host-mem-type=cxlram,prealloc=on");
        var b = Assert.Single(plan.Backends);
        Assert.Equal(HostMemType.CxlRam, b.Type);
        Assert.Equal([1], b.HostNodes);
        Assert.Equal(BindPolicy.Bind, b.Policy);
        Assert.Equal(NodeRule.Nearest, b.Rule);
        Assert.Equal(["qemu-system-x86_64", "-m", "1G", "-object", "memory-backend-ram,id=vmem0,size=128M,host-nodes=1,policy=bind,prealloc=on"], plan.ToArgv());
    }

    [Fact]
    public void Every_other_argument_is_kept_byte_for_byte()
    {
        string[] others = ["-M", "q35,cxl=on", "-append", "console=ttyS0 a,,b", "disk.img", "-object", "memory-backend-ram,id=plain,size=1M,x=a,,b", "-unknown-opt", "-S"];
        var plan = Plan("cxl-ram-kmem", null, [.. others, "-object", "memory-backend-ram,id=v,size=1M,host-mem-type=dram"]);
        Assert.Equal(["qemu-system-x86_64", .. others], plan.ToArgv()[..^2]);
    }

    [Fact]
    public void Json_objects_stay_json_with_an_array_of_host_nodes()
    {
        var plan = Plan("two-socket-cxl", null, "-object", """{"qom-type":"memory-backend-ram","id":"m","size":134217728,"host-mem-type":"cxl-ram","host-mem-policy":"preferred"}""");
        Assert.Equal("""{"qom-type":"memory-backend-ram","id":"m","size":134217728,"host-nodes":[2,3],"policy":"preferred"}""", plan.ToArgv()[2]);
    }

    [Theory]
    [InlineData(0, 2)]
    [InlineData(1, 3)]
    public void Nearest_rule_breaks_a_distance_tie_by_where_the_cxl_memdev_attaches(int cpu, int expected)
    {
        // QEMU writes no SLIT: the kernel gives 20 for every remote node, so both CXL nodes tie. The memdevs'
        // numa_node (pxb-cxl numa_node=0 and 1 in the lab's command line) says which socket each one hangs off.
        var b = Assert.Single(Plan("two-socket-cxl", new PlanOptions([cpu], "--cpus"), "-object", "memory-backend-ram,id=m,size=64M,host-mem-type=cxl-ram").Backends);
        Assert.Equal([expected], b.HostNodes);
        Assert.Contains(b.Why, w => w.Contains("node2 and node3 tie at 20") && w.Contains($"node{expected} taken, its CXL memdevs attach to node{cpu} (memdev numa_node)"));
    }

    [Fact]
    public void Nearest_rule_ties_take_every_tied_node_when_the_cpus_span_both_sockets()
    {
        var b = Assert.Single(Plan("two-socket-cxl", new PlanOptions([0, 1], "--cpus"), "-object", "memory-backend-ram,id=m,size=64M,host-mem-type=cxl-ram").Backends);
        Assert.Equal([2, 3], b.HostNodes);
        Assert.Contains(b.Why, w => w.Contains("tie at 20: all taken") && w.Contains("CPUs 0-1 (--cpus)"));
    }

    [Fact]
    public void Nearest_rule_ties_take_every_tied_node_when_the_memdevs_do_not_say_where_they_attach()
    {
        var tree = Trees.CopyOf(Trees.Project("two-socket-cxl"));
        foreach (var mem in new[] { "mem0", "mem1" })
            File.WriteAllText(Path.Combine(tree, "sys/bus/cxl/devices", mem, "numa_node"), "-1\n");
        var host = ClassifiedHost.From(TopologyReader.Read(tree));
        var b = Assert.Single(Planner.Plan(host, QemuCommandLine.Parse(["qemu-system-x86_64", "-object", "memory-backend-ram,id=m,size=64M,host-mem-type=cxl-ram"]),
            new PlanOptions([1], "--cpus")).Backends);
        Assert.Equal([2, 3], b.HostNodes);
        Assert.Contains(b.Why, w => w.Contains("tie at 20: all taken"));
    }

    [Fact]
    public void Dram_nearest_to_the_cpus_is_the_cpus_own_node()
    {
        var b = Assert.Single(Plan("two-socket-cxl", new PlanOptions([1], "--cpus"), "-object", "memory-backend-ram,id=m,size=64M,host-mem-type=dram").Backends);
        Assert.Equal([1], b.HostNodes);
        Assert.Contains(b.Why, w => w.Contains("node1 is nearest"));
    }

    [Fact]
    public void All_rule_takes_every_node_and_non_contiguous_lists_repeat_the_key()
    {
        var plan = Plan("two-socket-cxl", new PlanOptions([0], "--cpus", [0, 2]), "-object", "memory-backend-memfd,id=m,size=64M,host-mem-type=dram,host-mem-nodes=all,host-mem-policy=interleave",
            "-object", "memory-backend-ram,id=n,size=64M,host-mem-nodes=all,host-mem-type=cxl-ram");
        Assert.Equal([0], plan.Backends[0].HostNodes); // node1 is outside Mems_allowed_list 0,2
        Assert.Contains(plan.Backends[0].Why, w => w.Contains("not in Mems_allowed_list"));
        Assert.Equal("memory-backend-memfd,id=m,size=64M,host-nodes=0,policy=interleave", plan.ToArgv()[2]);
        Assert.Equal("memory-backend-ram,id=n,size=64M,host-nodes=2,policy=bind", plan.ToArgv()[4]);
        var wide = Plan("two-socket-cxl", new PlanOptions(null, "unknown"), "-object", "memory-backend-ram,id=m,size=64M,host-mem-type=dram,host-mem-nodes=all");
        Assert.Equal("memory-backend-ram,id=m,size=64M,host-nodes=0-1,policy=bind", wide.ToArgv()[2]);
    }

    [Fact]
    public void Property_order_is_kept_where_host_mem_type_stood()
    {
        var plan = Plan("cxl-ram-kmem", null, "-object", "memory-backend-ram,host-mem-policy=preferred,id=v,host-mem-type=cxl-ram,size=64M,host-mem-nodes=nearest,share=on");
        Assert.Equal("memory-backend-ram,id=v,host-nodes=1,policy=preferred,size=64M,share=on", plan.ToArgv()[2]);
    }

    [Fact]
    public void None_removes_hostmems_properties()
    {
        var plan = Plan("cxl-ram-kmem", null, "-object", "memory-backend-ram,id=v,size=64M,host-mem-type=none");
        Assert.Equal("memory-backend-ram,id=v,size=64M", plan.ToArgv()[2]);
        Assert.Equal(NodeRule.None, Assert.Single(plan.Backends).Rule);
    }

    [Fact]
    public void Backends_without_host_mem_type_are_not_planned()
    {
        var plan = Plan("cxl-ram-kmem", null, "-object", "memory-backend-ram,id=v,size=64M,host-nodes=0,policy=bind");
        Assert.Empty(plan.Backends);
        Assert.Equal("memory-backend-ram,id=v,size=64M,host-nodes=0,policy=bind", plan.ToArgv()[2]);
    }

    [Fact]
    public void The_input_command_line_is_not_changed()
    {
        var cmd = QemuCommandLine.Parse(["q", "-object", "memory-backend-ram,id=v,size=64M,host-mem-type=dram"]);
        Planner.Plan(Host("cxl-ram-kmem"), cmd, PlanOptions.Default);
        Assert.Equal("memory-backend-ram,id=v,size=64M,host-mem-type=dram", cmd.ToArgv()[2]);
    }

    [Fact]
    public void Devdax_fills_in_mem_path_align_and_share_and_never_reuses_a_device()
    {
        var plan = Plan("cxl-devdax", null, "-object", "memory-backend-file,id=v,size=128M,host-mem-type=cxl-ram");
        Assert.Equal("memory-backend-file,id=v,size=128M,mem-path=/dev/dax0.0,align=2M,share=on", plan.ToArgv()[2]);
        Assert.Equal(NodeRule.Devdax, plan.Backends[0].Rule);
        var json = Plan("cxl-devdax", null, "-object", """{"qom-type":"memory-backend-file","id":"v","host-mem-type":"cxl-ram"}""");
        Assert.Equal("""{"qom-type":"memory-backend-file","id":"v","mem-path":"/dev/dax0.0","align":2097152,"share":true}""", json.ToArgv()[2]);
        var e = Fails("cxl-devdax", "-object", "memory-backend-file,id=a,size=1M,mem-path=/dev/dax0.0,share=on", "-object", "memory-backend-file,id=v,size=1M,host-mem-type=cxl-ram");
        Assert.Contains("already used", e.Problem);
        Assert.Contains("more than every free", Fails("cxl-devdax", "-object", "memory-backend-file,id=v,size=1G,host-mem-type=cxl-ram").Problem);
        Assert.Contains("share=off", Fails("cxl-devdax", "-object", "memory-backend-file,id=v,share=off,host-mem-type=cxl-ram").Problem);
    }

    [Fact]
    public void Ram_backend_on_a_devdax_only_host_suggests_memory_backend_file()
    {
        var e = Fails("cxl-devdax", "-object", "memory-backend-ram,id=v,size=64M,host-mem-type=cxl-ram");
        Assert.Contains("no cxl-ram memory on this host (it has dram on node0)", e.Problem);
        Assert.Contains("dax0.0 (CXL region0, 256 MiB) is a devdax device /dev/dax0.0", e.Problem);
        Assert.Contains("memory-backend-file", e.Hint);
    }

    [Fact]
    public void Memdev_without_a_region_is_named_with_how_to_create_one()
    {
        var e = Fails("cxl-no-region", "-object", "memory-backend-ram,id=v,size=64M,host-mem-type=cxl-ram");
        Assert.Contains("no cxl-ram memory on this host", e.Problem);
        Assert.Contains("mem1 has 256 MiB volatile capacity but no region maps it", e.Problem);
        Assert.Contains("create_ram_region", e.Hint);
    }

    [Fact]
    public void Host_without_cxl_says_so_and_lists_its_types()
    {
        var e = Fails("nvdimm-kmem", "-object", "memory-backend-ram,id=v,size=64M,host-mem-type=cxl-ram");
        Assert.Contains("it has dram on node0; pmem on node1", e.Problem);
        Assert.Contains("no CXL memory device", e.Problem);
        Assert.Equal([1], Assert.Single(Plan("nvdimm-kmem", null, "-object", "memory-backend-ram,id=v,size=64M,host-mem-type=pmem").Backends).HostNodes);
    }

    [Theory]
    [InlineData("host-mem-type=cxl-ram,host-nodes=1", "incompatible")]
    [InlineData("host-mem-type=cxl-ram,policy=bind", "incompatible")]
    [InlineData("host-mem-type=cxlmem", "unknown host-mem-type 'cxlmem'")]
    [InlineData("host-mem-nodes=all", "host-mem-nodes= without host-mem-type=")]
    [InlineData("host-mem-type=cxl-ram,host-mem-nodes=far", "not all or nearest")]
    [InlineData("host-mem-type=cxl-ram,host-mem-policy=default", "not bind, preferred, interleave or weighted-interleave")]
    [InlineData("host-mem-type=cxl-ram,size=1G", "size 1 GiB is more than the 256 MiB of cxl-ram on node1")]
    [InlineData("host-mem-type=cxl-ram,size=1Q", "invalid size '1Q'")]
    public void Bad_backends_are_one_line_errors(string props, string expected)
    {
        var e = Fails("cxl-ram-kmem", "-object", $"memory-backend-ram,id=v,size=64M,{props}");
        Assert.Contains(expected, e.Problem);
        Assert.DoesNotContain('\n', e.Problem);
        Assert.NotEmpty(e.Hint);
    }

    [Fact]
    public void Unknown_type_lists_the_valid_ones()
    {
        var e = Fails("cxl-ram-kmem", "-object", "memory-backend-ram,id=v,size=64M,host-mem-type=optane");
        Assert.Contains("cxl-ram (the RFC's cxlram), dram, hbm, pmem, cxl-pmem", e.Hint);
    }

    [Fact]
    public void Size_above_free_memory_is_a_warning_and_preferred_may_spill()
    {
        var host = Host("cxl-ram-kmem");
        var free = host.Host.Node(0)!.MemFreeBytes!.Value;
        var total = host.Host.Node(0)!.MemTotalBytes!.Value;
        Assert.True(free < total);
        var size = (free + total) / 2;
        var b = Assert.Single(Plan("cxl-ram-kmem", null, "-object", $"memory-backend-ram,id=v,size={size},host-mem-type=dram").Backends);
        Assert.Contains(b.Warnings, w => w.Contains("free on node0"));
        var p = Assert.Single(Plan("cxl-ram-kmem", null, "-object", "memory-backend-ram,id=v,size=1G,host-mem-type=cxl-ram,host-mem-policy=preferred").Backends);
        Assert.Contains(p.Warnings, w => w.Contains("the rest comes from other nodes"));
    }

    [Fact]
    public void Cpus_on_no_node_are_an_error()
    {
        var e = Assert.Throws<UserError>(() => Plan("cxl-ram-kmem", new PlanOptions([7], "--cpus"), "-object", "memory-backend-ram,id=v,size=1M,host-mem-type=dram"));
        Assert.Contains("CPUs 7 (--cpus) are on no NUMA node", e.Problem);
    }

    [Fact]
    public void Affinity_comes_from_proc_self_status()
    {
        var o = ProcessAffinity.Parse("Name:\tx\nCpus_allowed:\t3\nCpus_allowed_list:\t0-1\nMems_allowed_list:\t0-3\n");
        Assert.Equal([0, 1], o.Cpus);
        Assert.Equal([0, 1, 2, 3], o.MemsAllowed);
        Assert.Null(ProcessAffinity.Parse(null).Cpus);
    }
}
