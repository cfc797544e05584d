using Hostmem.Classification;
using Hostmem.Discovery;
using Hostmem.Libvirt;
using Hostmem.Lint;
using Hostmem.Planning;
using Hostmem.Qemu;
using Hostmem.Tests.Libvirt;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Planning;

/// <summary>
/// One guest model: what the user wrote wins (hmat-lb, dist, interconnects), hostmem fills in only what is missing, and
/// the figures and tiers the plan reports are the ones the output gives the guest.
/// </summary>
public class GuestModelTests
{
    static ClassifiedHost Host(string fixture) => ClassifiedHost.From(TopologyReader.Read(Trees.Project(fixture)));

    static readonly PlanOptions Auto = new([0], "test") { GuestNuma = GuestNumaMode.Auto };

    static MemoryPlan Plan(string fixture, params string[] args) =>
        Planner.Plan(Host(fixture), QemuCommandLine.Parse(["qemu-system-x86_64", .. args]), Auto);

    static string Lb(int i, int t, string type, string value) => $"hmat-lb,initiator={i},target={t},hierarchy=memory,data-type={type},{value}";

    /// <summary>The seed thread's authors' line (their last message), sizes cut to fit the recorded host, without the
    /// cxl-type3 device QEMU 10 refuses beside -numa node,memdev=vmem0, and host-mem-type= on vmem0.</summary>
    public static readonly string[] AuthorsLine =
    [
        "-M", "q35,hmat=on", "-m", "256M", "-smp", "2",
        "-object", "memory-backend-ram,id=ram0,size=128M", "-numa", "node,memdev=ram0,cpus=0-1,nodeid=0",
        "-object", "memory-backend-ram,id=vmem0,size=128M,host-mem-type=cxl-ram", "-numa", "node,memdev=vmem0,nodeid=1",
        "-numa", "dist,src=0,dst=0,val=10", "-numa", "dist,src=0,dst=1,val=14", "-numa", "dist,src=1,dst=0,val=14", "-numa", "dist,src=1,dst=1,val=10",
        "-numa", Lb(0, 0, "read-latency", "latency=91"), "-numa", Lb(0, 1, "read-latency", "latency=100"),
        "-numa", Lb(0, 0, "write-latency", "latency=91"), "-numa", Lb(0, 1, "write-latency", "latency=100"),
        "-numa", Lb(0, 0, "read-bandwidth", "bandwidth=262100M"), "-numa", Lb(0, 1, "read-bandwidth", "bandwidth=30000M"),
        "-numa", Lb(0, 0, "write-bandwidth", "bandwidth=176100M"), "-numa", Lb(0, 1, "write-bandwidth", "bandwidth=30000M"),
    ];

    [Fact]
    public void The_authors_line_keeps_their_figures_and_the_plan_reports_and_predicts_from_them()
    {
        var plan = Plan("cxl-ram-genport", AuthorsLine);
        var argv = plan.ToArgv();
        foreach (var word in AuthorsLine.Where(a => a.StartsWith("hmat-lb", StringComparison.Ordinal) || a.StartsWith("dist", StringComparison.Ordinal)))
            Assert.Single(argv, word);
        Assert.Equal(8, argv.Count(a => a.StartsWith("hmat-lb", StringComparison.Ordinal))); // nothing added: every figure was given
        Assert.Contains("node,memdev=vmem0,nodeid=1,initiator=0", argv);

        var cxl = plan.GuestNodes.Single(n => n.GuestNode == 1);
        Assert.Equal((100u, 100u, 30000u, 30000u), (cxl.ReadLatencyNs!.Value, cxl.WriteLatencyNs!.Value, cxl.ReadBandwidthMBps!.Value, cxl.WriteBandwidthMBps!.Value));
        Assert.Equal("user", cxl.FiguresFromName);
        // mm/memory-tiers.c with the authors' figures: 576 * (100+100) / (91+91) * (262100+176100) / (30000+30000) = 4615 -> >> 7 = 36
        // (integer division left to right); a 6.12 guest booted with this line agrees (PlannedGuestTests, "authors-line").
        Assert.Equal(36u, cxl.PredictedTier);
        var dram = plan.GuestNodes.Single(n => n.GuestNode == 0);
        Assert.Equal((91u, 91u, 262100u, 176100u), (dram.ReadLatencyNs!.Value, dram.WriteLatencyNs!.Value, dram.ReadBandwidthMBps!.Value, dram.WriteBandwidthMBps!.Value));

        // Each conflict once: the host's figures for node1 are 17350/17450 ns, 16000 MB/s (cxl-ram-genport's access1).
        Assert.Equal([0, 1], plan.Conflicts.Select(c => c.Node));
        var c1 = plan.Conflicts.Single(c => c.Node == 1);
        Assert.Equal(new MemoryPerformance(17350, 17450, 16000, 16000), c1.Host);
        Assert.Equal(new MemoryPerformance(100, 100, 30000, 30000), c1.User);
        Assert.Equal(2, plan.Notes.Count(n => n.Code == NoteCodes.UserFiguresDiffer));
        // Lint warns once: node 1's 100 ns are 173x off the host's 17350 ns (which are picoseconds, and it says so); node 0's
        // 91 ns and 176100 MB/s are within 2x of the host's 100 ns and 262100 MB/s.
        var counted = Assert.Single(QemuLinter.LintPlan(plan, Host("cxl-ram-genport"), Auto), QemuLinter.Counts);
        Assert.Equal("hmat-lb-host-differs", counted.Code);
        Assert.StartsWith("guest node 1 (host node1, backend vmem0): your read latency 100 ns is 173.5x off the host's 17350 ns", counted.Message, StringComparison.Ordinal);
        Assert.Contains("likely picoseconds", counted.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void User_latencies_alone_get_the_hosts_bandwidths_beside_them_and_no_second_latency()
    {
        var plan = Plan("cxl-ram-genport", "-M", "q35", "-m", "256M", "-smp", "2",
            "-object", "memory-backend-ram,id=ram0,size=128M", "-numa", "node,memdev=ram0,cpus=0-1,nodeid=0",
            "-object", "memory-backend-ram,id=vmem0,size=128M,host-mem-type=cxl-ram", "-numa", "node,memdev=vmem0,nodeid=1",
            "-numa", Lb(0, 0, "access-latency", "latency=91"), "-numa", Lb(0, 1, "access-latency", "latency=270"));
        var lb = plan.ToArgv().Where(a => a.StartsWith("hmat-lb", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, lb.Count);
        Assert.DoesNotContain(lb, a => a.Contains("-latency,", StringComparison.Ordinal) && !a.Contains("access-latency", StringComparison.Ordinal));
        // The host's access1 bandwidths: node0 262100 MB/s, node1 16000 MB/s (the recorded tree).
        Assert.Contains(Lb(0, 0, "access-bandwidth", "bandwidth=262100M"), lb);
        Assert.Contains(Lb(0, 1, "access-bandwidth", "bandwidth=16000M"), lb);
        var cxl = plan.GuestNodes.Single(n => n.GuestNode == 1);
        Assert.Equal((270u, 270u, 16000u, 16000u), (cxl.ReadLatencyNs!.Value, cxl.WriteLatencyNs!.Value, cxl.ReadBandwidthMBps!.Value, cxl.WriteBandwidthMBps!.Value));
        Assert.Equal("user+access1", cxl.FiguresFromName);
        // 576 * 540 / 182 * 524200 / 32000 = 27995 (integer steps) -> memory_tier218
        Assert.Equal(218u, cxl.PredictedTier);
        Assert.Contains(plan.Notes, n => n.Code == NoteCodes.FiguresFilled && n.Text.StartsWith("guest node1: access-bandwidth", StringComparison.Ordinal));
        Assert.Contains(plan.Conflicts, c => c.Node == 1 && c.User.ReadLatencyNs == 270 && c.User.ReadBandwidthMBps == 0);
    }

    [Fact]
    public void A_read_latency_alone_gets_the_hosts_write_latency_beside_it()
    {
        var plan = Plan("cxl-ram-genport", "-M", "q35", "-m", "256M",
            "-object", "memory-backend-ram,id=ram0,size=128M", "-numa", "node,memdev=ram0,cpus=0,nodeid=0",
            "-object", "memory-backend-ram,id=vmem0,size=128M,host-mem-type=cxl-ram", "-numa", "node,memdev=vmem0,nodeid=1",
            "-numa", Lb(0, 1, "read-latency", "latency=300"));
        var lb = plan.ToArgv().Where(a => a.StartsWith("hmat-lb", StringComparison.Ordinal)).ToList();
        Assert.Contains(Lb(0, 1, "write-latency", "latency=17450"), lb);
        Assert.DoesNotContain(lb, a => a.Contains("target=1,", StringComparison.Ordinal) && a.Contains("access-latency", StringComparison.Ordinal));
        Assert.Single(lb, a => a.Contains("target=1,", StringComparison.Ordinal) && a.Contains("read-latency", StringComparison.Ordinal));
        var cxl = plan.GuestNodes.Single(n => n.GuestNode == 1);
        Assert.Equal((300u, 17450u), (cxl.ReadLatencyNs!.Value, cxl.WriteLatencyNs!.Value));
    }

    [Fact]
    public void A_users_distance_to_the_node_hostmem_adds_comes_after_that_node()
    {
        // QEMU reads -numa in order: "dist,src=0,dst=1" before node 1 exists is refused (issue #17, item 12).
        var plan = Plan("cxl-ram-genport", "-M", "q35", "-m", "256M",
            "-object", "memory-backend-ram,id=ram0,size=256M", "-numa", "node,memdev=ram0,cpus=0,nodeid=0", "-numa", "dist,src=0,dst=1,val=30",
            "-object", "memory-backend-ram,id=vmem0,size=64M,host-mem-type=cxl-ram");
        var argv = plan.ToArgv().ToList();
        int node1 = argv.IndexOf("node,nodeid=1,memdev=vmem0,initiator=0"), dist = argv.IndexOf("dist,src=0,dst=1,val=30");
        Assert.True(node1 >= 0 && node1 < dist, string.Join(' ', argv));
        Assert.DoesNotContain(argv, a => a.StartsWith("dist,src=1,dst=0", StringComparison.Ordinal)); // QEMU mirrors it itself
        Assert.Equal(30, plan.Distances.Single(d => (d.From, d.To) == (1, 0)).Value);
        // The backend's position is the output's (lint and status find it there).
        Assert.Equal("memory-backend-ram,id=vmem0,size=64M,host-nodes=1,policy=bind", plan.Command!.Arguments[plan.Backends[0].ArgumentIndex].Value);
    }

    [Fact]
    public void A_backend_a_cxl_device_uses_for_labels_gets_no_guest_node_and_the_line_lints_clean()
    {
        var argv = new[]
        {
            "-M", "q35,cxl=on", "-m", "256M", "-cpu", "qemu64,-hypervisor",
            "-object", "memory-backend-ram,id=ram0,size=256M", "-numa", "node,nodeid=0,cpus=0,memdev=ram0",
            "-object", "memory-backend-ram,id=vmem0,size=64M,share=on",
            "-object", "memory-backend-ram,id=lsa0,size=1M,share=on,host-mem-type=cxl-ram",
            "-device", "pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1", "-device", "cxl-rp,port=0,bus=cxl.1,id=root_port13,chassis=0,slot=2",
            "-device", "cxl-type3,bus=root_port13,volatile-memdev=vmem0,lsa=lsa0,id=cxl-vmem0",
            "-M", "cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4G",
        };
        var plan = Plan("cxl-ram-genport", argv);
        Assert.DoesNotContain(plan.ToArgv(), a => a.Contains("memdev=lsa0", StringComparison.Ordinal));
        Assert.Contains(plan.Notes, n => n.Code == NoteCodes.CxlDeviceBackend && n.Text.Contains("lsa=", StringComparison.Ordinal));
        var findings = QemuLinter.LintPlan(plan, Host("cxl-ram-genport"), Auto);
        Assert.DoesNotContain(findings, f => f.Severity == Severity.Error);
    }

    [Fact]
    public void More_guest_nodes_than_qemu_takes_are_refused_in_qemus_words()
    {
        // QEMU's MAX_NODES is 128 ("Max number of NUMA nodes reached: 128", hw/core/numa.c): node 0 for main RAM plus 127
        // backends fit, one more does not.
        string[] Backends(int n) => ["-M", "q35", "-m", "256M", .. Enumerable.Range(0, n).SelectMany(i => new[] { "-object", $"memory-backend-ram,id=v{i},size=2M,host-mem-type=dram" })];
        var plan = Planner.Plan(Host("hmat-two-tier"), QemuCommandLine.Parse(["qemu-system-x86_64", .. Backends(127)]), Auto);
        Assert.Equal(128, plan.GuestNodes.Count);
        var e = Assert.Throws<UserError>(() => Planner.Plan(Host("hmat-two-tier"), QemuCommandLine.Parse(["qemu-system-x86_64", .. Backends(128)]), Auto));
        Assert.Contains("Max number of NUMA nodes reached: 128", e.Problem, StringComparison.Ordinal);
    }

    static string ProbeFile(string name) => Path.Combine(Trees.RepoRoot, "tests", "Hostmem.Tests", "Probe", "data", name);

    [Fact]
    public void Measured_figures_take_firmwares_place_and_options_and_user_entries_still_win()
    {
        // The probe file measured in the lab's nested host of this very tree (tests/Hostmem.Tests/Probe/data/README.md):
        // node0 704 ns, read 2275 / write 7358 MiB/s; node1 2518 ns, 17 / 27 MiB/s. Firmware says 17350/17450 ns for node1.
        var host = Host("cxl-ram-genport");
        var measured = Auto with { Measured = Hostmem.Probe.MeasuredFigures.Load(ProbeFile("nested-cxl-ram-genport.probe.json"), host.Host) };
        string[] line = ["qemu-system-x86_64", "-M", "q35", "-m", "256M", "-object", "memory-backend-ram,id=vmem0,size=64M,host-mem-type=cxl-ram"];
        var plan = Planner.Plan(host, QemuCommandLine.Parse(line), measured);
        var cxl = plan.GuestNodes.Single(n => n.GuestNode == 1);
        Assert.Equal((2518u, 2518u, 17u, 27u), (cxl.ReadLatencyNs!.Value, cxl.WriteLatencyNs!.Value, cxl.ReadBandwidthMBps!.Value, cxl.WriteBandwidthMBps!.Value));
        Assert.Equal("measured", cxl.FiguresFromName);
        Assert.Contains(cxl.Why, w => w.Contains("firmware gives 17350/17450 ns", StringComparison.Ordinal) && w.Contains("picoseconds", StringComparison.Ordinal));
        // 576 * 5036 / 1408 * 9633 / 44 = 451000 -> memory_tier3523 (integer steps; booted: PlannedGuestTests "measured-figures")
        Assert.Equal(3523u, cxl.PredictedTier);

        var withLatency = Planner.Plan(host, QemuCommandLine.Parse(line), measured with { LatencyNs = new Dictionary<HostMemType, ulong> { [HostMemType.CxlRam] = 300 } });
        var l = withLatency.GuestNodes.Single(n => n.GuestNode == 1);
        Assert.Equal((300u, 17u), (l.ReadLatencyNs!.Value, l.ReadBandwidthMBps!.Value));

        string[] userLine = ["qemu-system-x86_64", "-M", "q35,hmat=on", "-m", "256M", "-object", "memory-backend-ram,id=ram0,size=192M", "-numa", "node,nodeid=0,cpus=0,memdev=ram0",
            "-object", "memory-backend-ram,id=vmem0,size=64M,host-mem-type=cxl-ram", "-numa", "node,nodeid=1,memdev=vmem0",
            "-numa", Lb(0, 1, "access-latency", "latency=270")];
        var user = Planner.Plan(host, QemuCommandLine.Parse(userLine), measured);
        Assert.Equal(270u, user.GuestNodes.Single(n => n.GuestNode == 1).ReadLatencyNs);
        Assert.Contains(user.Conflicts, c => c.Node == 1 && c.HostSource == FiguresSource.Measured && c.Host.ReadLatencyNs == 2518);
    }

    [Fact]
    public void A_figures_file_from_another_host_is_refused_in_one_line()
    {
        // two-socket-cxl.probe.json describes a 4-node host; cxl-ram-genport has 2 nodes.
        var (code, stdout, stderr) = HostmemCli.Run(["plan", "--figures", ProbeFile("two-socket-cxl.probe.json"), "--sysfs", Trees.Archive("cxl-ram-genport"),
            "--cpus", "0", "--", "qemu-system-x86_64", "-m", "256M", "-object", "memory-backend-ram,id=v,size=64M,host-mem-type=cxl-ram"]);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal(2, stderr.TrimEnd('\n').Split('\n').Length);
        Assert.StartsWith("hostmem: ", stderr, StringComparison.Ordinal);
    }

    [Theory]
    // QEMU: "can't create backend with size 0" (backends/hostmem.c).
    [InlineData("size=0", "size=0")]
    // QEMU rounds -m up to 8 KiB (vl.c) and then refuses "total memory for NUMA nodes ... should equal RAM size".
    [InlineData("size=12K", "not a multiple of 8 KiB")]
    [InlineData("size=18446744073709551615,host-mem-policy=preferred", "not a multiple of 8 KiB")]
    // -m would wrap past 2^64.
    [InlineData("size=18446744073709543424,host-mem-policy=preferred", "more than 2^64 bytes")]
    public void Sizes_qemu_would_refuse_or_wrap_are_refused_in_one_line(string backend, string problem)
    {
        Refusal.Assert(HostmemCli.Run(["plan", "--sysfs", Trees.Archive("cxl-ram-genport"), "--cpus", "0", "--",
            "qemu-system-x86_64", "-m", "256M", "-object", $"memory-backend-ram,id=v,{backend},host-mem-type=cxl-ram"]), problem);
    }

    [Fact]
    public void Minus_m_0_is_qemus_default_ram_and_a_config_file_beside_host_mem_type_is_refused()
    {
        // QEMU takes -m 0 as its default RAM size, 128 MiB on x86 (the finding; hw/i386 default_ram_size).
        var plan = Plan("cxl-ram-genport", "-m", "0", "-object", "memory-backend-ram,id=v,size=64M,host-mem-type=cxl-ram");
        Assert.Contains("-m", plan.ToArgv());
        Assert.Equal("192M", plan.ToArgv()[Array.IndexOf(plan.ToArgv(), "-m") + 1]);
        var e = Assert.Throws<UserError>(() => Plan("cxl-ram-genport", "-readconfig", "vm.cfg", "-m", "256M", "-object", "memory-backend-ram,id=v,size=64M,host-mem-type=cxl-ram"));
        Assert.StartsWith("-readconfig 'vm.cfg': hostmem does not read QEMU's config files", e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_domain_with_more_cells_than_qemu_takes_is_refused_before_any_work()
    {
        // #17 item 8: 1000 cells took minutes; libvirt's QEMU takes 128 nodes at most (one per cell).
        var cells = Enumerable.Range(1, 128).Select(i => $"{i}=dram:1MiB").ToArray();
        var e = Assert.Throws<UserError>(() => Domains.Apply("hmat-two-tier", Domains.Plain.Replace("1179648", "4194304", StringComparison.Ordinal), cells));
        Assert.Contains("Max number of NUMA nodes reached: 128", e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_device_key_that_names_a_backend_is_in_the_one_list()
    {
        // QEMU 10's devices that take a memory backend by id: pc-dimm/nvdimm/virtio-mem (memdev), cxl-type3
        // (volatile-memdev, persistent-memdev, memdev, lsa, volatile-dc-memdev): hw/mem/*.c and hw/mem/cxl_type3.c properties.
        Assert.Equal(["memdev", "volatile-memdev", "persistent-memdev", "lsa", "volatile-dc-memdev"], DeviceUses.MemdevKeys);
    }

    static readonly string TwoCellsWithUserLinks = Domains.Plain
        .Replace("<vcpu placement='static'>2</vcpu>", "<vcpu placement='static'>2</vcpu>\n  <cpu>\n    <numa>\n      <cell id='0' cpus='0-1' memory='1179648' unit='KiB'/>\n"
            + "      <interconnects>\n        <latency initiator='0' target='0' type='access' value='80'/>\n"
            + "        <bandwidth initiator='0' target='0' type='access' value='209715200' unit='KiB'/>\n      </interconnects>\n    </numa>\n  </cpu>", StringComparison.Ordinal);

    [Fact]
    public void Libvirt_keeps_the_users_interconnects_byte_for_byte_and_adds_only_whats_missing()
    {
        var (xml, plan) = Domains.Apply("cxl-ram-genport", TwoCellsWithUserLinks, "1=cxl-ram:128MiB");
        Assert.Contains("<latency initiator='0' target='0' type='access' value='80'/>", xml, StringComparison.Ordinal);
        Assert.Contains("<bandwidth initiator='0' target='0' type='access' value='209715200' unit='KiB'/>", xml, StringComparison.Ordinal);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(xml, "initiator='0' target='0'").Count);
        // Node 1's figures are the host's (17350/17450 ns, 16000 MB/s = 16384000 KiB/s), its latencies as one access figure
        // (the mean, 17400): the user's access-latency table would be zeroed for node 0 by a read-latency table (lab: rl=0).
        Assert.Contains("<latency initiator='0' target='1' type='access' value='17400'/>", xml, StringComparison.Ordinal);
        Assert.Contains("<bandwidth initiator='0' target='1' type='access' value='16384000' unit='KiB'/>", xml, StringComparison.Ordinal);
        var dram = plan.Plan.GuestNodes.Single(n => n.GuestNode == 0);
        Assert.Equal((80u, 200u * 1024), (dram.ReadLatencyNs!.Value, dram.ReadBandwidthMBps!.Value)); // 209715200 KiB/s = 204800 MiB/s
        Assert.Equal("user", dram.FiguresFromName);
        Assert.Contains(plan.Plan.Conflicts, c => c.Node == 0 && c.User.ReadLatencyNs == 80 && c.Host.ReadLatencyNs == 100);
        // 576 * 34800 / 160 * 409600 / 32000 = 1603584 -> memory_tier12528 (the kernel's formula on the figures in the domain)
        Assert.Equal(12528u, plan.Plan.GuestNodes.Single(n => n.GuestNode == 1).PredictedTier);

        // Applying again to the result changes nothing.
        var (again, _) = Domains.Apply("cxl-ram-genport", xml);
        Assert.Equal(xml, again);
    }

    [Fact]
    public void Every_memory_type_is_one_entry_that_every_list_and_parser_knows()
    {
        foreach (var type in Enum.GetValues<HostMemType>())
        {
            var entry = Assert.Single(HostMemTypeNames.Table, e => e.Type == type);
            Assert.Equal(entry.Name, type.Name());
            Assert.True(HostMemTypeNames.TryParse(entry.Name.ToUpperInvariant(), out var parsed) && parsed == type, entry.Name);
            foreach (var alias in entry.Aliases) Assert.True(HostMemTypeNames.TryParse(alias, out var a) && a == type, alias);
            Assert.Contains(entry.Name, Planner.ValidTypes, StringComparison.Ordinal);
            Assert.Contains(entry.Name, CellIntent.ValidTypes, StringComparison.Ordinal);
            Assert.Equal(type, CellIntent.ParseOption($"1={entry.Name}:64MiB").Type);
            Assert.Contains($"`{entry.Name}`", File.ReadAllText(Path.Combine(Trees.RepoRoot, "docs", "topology.md")), StringComparison.Ordinal);
        }
    }
}
