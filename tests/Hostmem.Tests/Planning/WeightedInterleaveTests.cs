using System.Text.Json.Nodes;
using Hostmem.Classification;
using Hostmem.Discovery;
using Hostmem.Planning;
using Hostmem.Qemu;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Planning;

/// <summary>
/// host-mem-policy=weighted-interleave on tests/fixtures/cxl-ram-weighted (a 6.12 guest: node0 DRAM with CPUs, node1 256 MiB
/// CXL RAM; the scenario wrote weights 3 and 1, meta/actions.txt). Expected splits follow the kernel's rule
/// (Documentation/admin-guide/mm/numa_memory_policy.rst: "if nodes [0,1] are weighted [5,2], 5 pages will be allocated on
/// node0 for every 2 pages allocated on node1").
/// </summary>
public class WeightedInterleaveTests
{
    const string Fixture = "cxl-ram-weighted";
    const string Weighted = "memory-backend-ram,id=w,size=64M,host-mem-type=dram+cxl-ram,host-mem-policy=weighted-interleave,prealloc=on";
    static readonly PlanOptions Auto = new([0, 1], "test") { GuestNuma = GuestNumaMode.Auto };

    static ClassifiedHost Host(string tree) => ClassifiedHost.From(TopologyReader.Read(tree));

    static MemoryPlan Plan(PlanOptions options, params string[] args) => Plan(Trees.Project(Fixture), options, args);

    static MemoryPlan Plan(string tree, PlanOptions options, params string[] args) =>
        Planner.Plan(Host(tree), QemuCommandLine.Parse(["qemu-system-x86_64", .. args]), options);

    static UserError Fails(PlanOptions options, params string[] args) => Assert.Throws<UserError>(() => Plan(options, args));

    /// <summary>A copy of the fixture with weighted_interleave files rewritten (null: removed), for states no recording has.</summary>
    static string Edited(string fixture, IReadOnlyDictionary<string, string?> files)
    {
        var copy = Trees.CopyOf(Trees.Project(fixture));
        var dir = Path.Combine(copy, "sys", "kernel", "mm", "mempolicy", "weighted_interleave");
        foreach (var (name, text) in files)
        {
            if (name == "" && text is null) { Directory.Delete(dir, recursive: true); continue; }
            Directory.CreateDirectory(dir);
            File.Delete(Path.Combine(dir, name));
            if (text is not null) File.WriteAllText(Path.Combine(dir, name), text + "\n");
        }
        return copy;
    }

    [Fact]
    public void The_weights_the_scenario_wrote_are_read_and_linux_6_12_has_no_auto_file()
    {
        var w = TopologyReader.Read(Trees.Project(Fixture)).InterleaveWeights;
        Assert.NotNull(w);
        Assert.Equal(new Dictionary<int, int> { [0] = 3, [1] = 1 }, w.Weights);
        Assert.Null(w.Auto);
        Assert.Null(TopologyReader.Read(Edited(Fixture, new Dictionary<string, string?> { [""] = null })).InterleaveWeights);
        Assert.True(TopologyReader.Read(Edited(Fixture, new Dictionary<string, string?> { ["auto"] = "true" })).InterleaveWeights!.Auto);
        // This project's 6.18 host (uname 6.18.44) shows the file as __auto_type, reading "true".
        Assert.False(TopologyReader.Read(Edited(Fixture, new Dictionary<string, string?> { ["__auto_type"] = "false" })).InterleaveWeights!.Auto);
    }

    [Fact]
    public void Topology_shows_the_weights_in_its_table_and_json()
    {
        var (code, table, _) = HostmemCli.Run("topology", "--sysfs", Trees.Project(Fixture));
        Assert.Equal(0, code);
        Assert.Contains("weighted interleave weights: node0 3, node1 1 (set in sysfs; no auto mode before Linux 6.16)", table);
        var (_, json, _) = HostmemCli.Run("topology", "--sysfs", Trees.Project(Fixture), "--format", "json");
        var wi = JsonNode.Parse(json)!["weighted_interleave"]!;
        Assert.Null((bool?)wi["auto"]);
        Assert.Equal("""[{"node":0,"weight":3},{"node":1,"weight":1}]""", wi["weights"]!.ToJsonString());
        var (_, none, _) = HostmemCli.Run("topology", "--sysfs", Trees.Project("cxl-ram-kmem"), "--format", "json");
        Assert.Null(JsonNode.Parse(none)!["weighted_interleave"]); // recorded before mempolicy/ was captured: read as a kernel without it
    }

    [Fact]
    public void Dram_plus_cxl_ram_is_split_3_to_1_and_qemu_gets_policy_default_with_the_task_policy_beside_it()
    {
        var plan = Plan(Auto, "-m", "64M", "-object", Weighted);
        var w = plan.Backends.Single(b => b.Id == "w");
        Assert.Equal([0, 1], w.HostNodes);
        Assert.Equal((BindPolicy.WeightedInterleave, "dram+cxl-ram"), (w.Policy!.Value, w.TypeName));
        Assert.Equal([(0, 3, 48UL << 20), (1, 1, 16UL << 20)], w.Interleave.Select(s => (s.Node, s.Weight, s.ExpectedBytes)));
        Assert.Equal([0.75, 0.25], w.Interleave.Select(s => s.Share));
        Assert.Equal([0, 1], plan.TaskPolicy!.Nodes);
        Assert.Equal(["w"], plan.TaskPolicy.Backends);
        var argv = plan.ToArgv();
        Assert.Contains("memory-backend-ram,id=w,size=64M,policy=default,prealloc=on", argv);
        // hostmem's own main-RAM backend gets QEMU's default placement made explicit, so the task policy misses it.
        Assert.Contains("memory-backend-ram,id=hostmem-ram0,size=64M,host-nodes=0,policy=preferred", argv);
        Assert.Contains(plan.Notes, n => n.Code == NoteCodes.WeightedInterleaveProcess);
    }

    [Fact]
    public void A_node_list_takes_those_nodes_and_they_must_be_of_the_named_types()
    {
        var plan = Plan(Auto, "-m", "64M", "-object", "memory-backend-ram,id=w,size=64M,host-mem-type=dram+cxl-ram,host-mem-policy=weighted-interleave,host-mem-nodes=0-1");
        Assert.Equal(NodeRule.Listed, plan.Backends[0].Rule);
        Assert.Equal([0, 1], plan.Backends[0].HostNodes);
        var e = Fails(Auto, "-object", "memory-backend-ram,id=w,size=64M,host-mem-type=dram,host-mem-policy=weighted-interleave,host-mem-nodes=0,host-mem-nodes=1");
        Assert.Contains("host node1 is cxl-ram, not dram", e.Problem);
        Assert.Contains("host-mem-type=dram+cxl-ram", e.Hint);
    }

    [Fact]
    public void The_guest_node_gets_the_mix_figures_mean_latency_and_the_bandwidth_at_which_the_first_node_saturates()
    {
        // Host figures (tests/fixtures/INDEX.md, cxl-ram-genport's): node0 100/100 ns, 262100 MB/s; node1 17350/17450 ns, 16000 MB/s.
        // Shares 3/4 and 1/4: latency 0.75*100 + 0.25*17350 = 4412.5 -> 4413, 0.75*100 + 0.25*17450 = 4437.5 -> 4438;
        // bandwidth min(262100/0.75, 16000/0.25) = 64000.
        var plan = Plan(Auto, "-m", "64M", "-object", Weighted);
        var node = plan.GuestNodes.Single(n => n.Backend == "w");
        Assert.Equal((4413u, 4438u, 64000u, 64000u), (node.ReadLatencyNs!.Value, node.WriteLatencyNs!.Value, node.ReadBandwidthMBps!.Value, node.WriteBandwidthMBps!.Value));
        Assert.Contains("-numa", plan.ToArgv());
        Assert.Contains("hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=access-bandwidth,bandwidth=64000M", plan.ToArgv());
    }

    [Fact]
    public void Another_backend_without_a_policy_or_main_ram_without_a_backend_is_refused()
    {
        var other = Fails(Auto, "-m", "64M", "-object", Weighted, "-object", "memory-backend-ram,id=plain,size=8M", "-device", "pc-dimm,memdev=plain");
        Assert.StartsWith("memory-backend-ram 'plain' has no policy of its own", other.Problem);
        var mainRam = Fails(PlanOptions.Default, "-m", "64M", "-object", Weighted);
        Assert.Contains("main RAM would be weighted-interleaved", mainRam.Problem);
        // Main RAM in a backend of its own with a policy: accepted.
        var ok = Plan(PlanOptions.Default, "-m", "64M", "-machine", "memory-backend=ram0", "-object", "memory-backend-ram,id=ram0,size=64M,host-mem-type=dram", "-object", Weighted);
        Assert.Equal(["w"], ok.TaskPolicy!.Backends);
    }

    [Fact]
    public void Bad_weighted_requests_are_refused_with_a_hint()
    {
        Assert.Contains("is a bind", Fails(Auto, "-object", "memory-backend-ram,id=w,size=64M,host-mem-type=dram,host-mem-policy=weighted-interleave").Problem);
        Assert.Contains("only weighted interleave spreads", Fails(Auto, "-object", "memory-backend-ram,id=w,size=64M,host-mem-type=dram+cxl-ram").Problem);
        Assert.Contains("a node list is for host-mem-policy=weighted-interleave", Fails(Auto, "-object", "memory-backend-ram,id=w,size=64M,host-mem-type=dram,host-mem-nodes=0").Hint);
        var noKernel = Assert.Throws<UserError>(() => Plan(Edited(Fixture, new Dictionary<string, string?> { [""] = null }), Auto, "-object", Weighted));
        Assert.Contains("this kernel has no weighted interleave", noKernel.Problem);
        Assert.Contains("host-mem-policy=interleave", noKernel.Hint);
    }

    [Fact]
    public void Two_weighted_backends_share_one_node_set_because_a_process_has_one_policy()
    {
        var plan = Plan(Auto, "-m", "64M", "-object", Weighted, "-object", "memory-backend-ram,id=v,size=32M,host-mem-type=dram+cxl-ram,host-mem-policy=weighted-interleave");
        Assert.Equal(["w", "v"], plan.TaskPolicy!.Backends);
        // two-socket-cxl has four nodes (dram 0-1, cxl-ram 2-3); its recording has no weights: these are written here.
        var tree = Edited("two-socket-cxl", new Dictionary<string, string?> { ["node0"] = "3", ["node1"] = "3", ["node2"] = "1", ["node3"] = "1" });
        var e = Assert.Throws<UserError>(() => Plan(tree, Auto, "-m", "64M",
            "-object", "memory-backend-ram,id=a,size=64M,host-mem-type=dram+cxl-ram,host-mem-policy=weighted-interleave,host-mem-nodes=0,host-mem-nodes=2",
            "-object", "memory-backend-ram,id=b,size=64M,host-mem-type=dram+cxl-ram,host-mem-policy=weighted-interleave,host-mem-nodes=1,host-mem-nodes=3"));
        Assert.Contains("one QEMU process has one task policy", e.Problem);
    }

    [Fact]
    public void Libvirt_apply_refuses_weighted_interleave_in_one_line_naming_hostmem_qemu()
    {
        var domain = Path.Combine(Scratch.Folder("hostmem-wi-"), "d.xml");
        File.WriteAllText(domain, "<domain type='kvm'><name>d</name><memory unit='GiB'>1</memory><vcpu>1</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os></domain>");
        foreach (var cell in new[] { "1=dram+cxl-ram:64MiB", "1=cxl-ram:64MiB:weighted-interleave" })
        {
            var (code, stdout, stderr) = HostmemCli.Run("libvirt", "apply", "--sysfs", Trees.Project(Fixture), "--cell", cell, domain);
            Assert.Equal(2, code);
            Assert.Equal("", stdout);
            var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(2, lines.Length);
            Assert.StartsWith("hostmem: ", lines[0]);
            Assert.Contains("libvirt has no weighted interleave", lines[0]);
            Assert.StartsWith("hint: start the VM with 'hostmem qemu", lines[1]);
        }
    }

    [Fact]
    public void Hostmem_qemu_sets_the_policy_on_the_process_it_becomes()
    {
        // The "QEMU" here is sh, which prints the policy numa_maps shows for its heap (the task's: fs/proc/task_mmu.c).
        // The kernel keeps only the mask's nodes that have memory here (mm/mempolicy.c mpol_set_nodemask): nodes 0-1
        // of the recorded host, against this machine's has_memory.
        var script = "grep -m1 -o 'weighted interleave:[0-9,-]*' /proc/self/numa_maps";
        var (code, stdout, stderr) = HostmemCli.Run("qemu", "--no-lint", "--sysfs", Trees.Project(Fixture), "--cpus", "0", "--", "sh", "-c", script,
            "-m", "64M", "-object", Weighted.Replace(",prealloc=on", "", StringComparison.Ordinal));
        if (!Directory.Exists("/sys/kernel/mm/mempolicy/weighted_interleave"))
        {
            Assert.Equal(2, code); // this kernel refuses the policy: QEMU is not started
            Assert.StartsWith("hostmem: set_mempolicy(MPOL_WEIGHTED_INTERLEAVE", stderr);
            return;
        }
        var here = Sysfs.CpuList.TryParse(File.ReadAllText("/sys/devices/system/node/has_memory").Trim())!.Intersect([0, 1]);
        Assert.True(code == 0, stderr);
        Assert.Equal($"weighted interleave:{Sysfs.CpuList.Format(here)}", stdout.Trim());
    }
}
