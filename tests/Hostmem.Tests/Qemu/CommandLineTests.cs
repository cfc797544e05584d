using Hostmem;
using Hostmem.Qemu;
using Xunit;

namespace Hostmem.Tests.Qemu;

public class CommandLineTests
{
    /// <summary>The authors' command line from the seed thread (after <c>numactl -N 0 -m 0 ${QEMU}</c>), with
    /// QEMU=qemu-system-x86_64, HOST_CXL_NODE=2, DISK_IMG=/var/lib/vm/disk.qcow2.</summary>
    public static readonly string[] SeedArgv =
    [
        "qemu-system-x86_64",
        "-M", "q35,cxl=on,hmat=on",
        "-m", "64G",
        "-smp", "8,sockets=1,cores=8,threads=1",
        "-object", "memory-backend-ram,id=ram0,size=45G",
        "-numa", "node,memdev=ram0,cpus=0-7,nodeid=0",
        "-msg", "timestamp=on", "-L", "/usr/share/seabios",
        "-enable-kvm",
        "-object", "memory-backend-ram,id=vmem0,size=19G,host-nodes=2,policy=bind",
        "-device", "pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1",
        "-device", "cxl-rp,port=0,bus=cxl.1,id=root_port13,chassis=0,slot=2",
        "-device", "cxl-type3,bus=root_port13,volatile-memdev=vmem0,id=cxl-vmem0",
        "-numa", "node,memdev=vmem0,nodeid=1",
        "-M", "cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=19G,cxl-fmw.0.interleave-granularity=8k",
        "-numa", "dist,src=0,dst=0,val=10",
        "-numa", "dist,src=0,dst=1,val=14",
        "-numa", "dist,src=1,dst=0,val=14",
        "-numa", "dist,src=1,dst=1,val=10",
        "-numa", "hmat-lb,initiator=0,target=0,hierarchy=memory,data-type=read-latency,latency=91",
        "-numa", "hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=read-latency,latency=100",
        "-numa", "hmat-lb,initiator=0,target=0,hierarchy=memory,data-type=write-latency,latency=91",
        "-numa", "hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=write-latency,latency=100",
        "-numa", "hmat-lb,initiator=0,target=0,hierarchy=memory,data-type=read-bandwidth,bandwidth=262100M",
        "-numa", "hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=read-bandwidth,bandwidth=30000M",
        "-numa", "hmat-lb,initiator=0,target=0,hierarchy=memory,data-type=write-bandwidth,bandwidth=176100M",
        "-numa", "hmat-lb,initiator=0,target=1,hierarchy=memory,data-type=write-bandwidth,bandwidth=30000M",
        "-drive", "file=/var/lib/vm/disk.qcow2,format=qcow2",
        "-device", "pci-bridge,chassis_nr=3,id=pci.3,bus=pcie.0,addr=0xd",
        "-netdev", "tap,id=vm-sk-tap22,ifname=tap22,script=/usr/local/etc/qemu-ifup,downscript=no",
        "-device", "virtio-net-pci,netdev=vm-sk-tap22,id=net0,mac=02:11:17:01:7e:33,bus=pci.3,addr=0x1,bootindex=3",
        "-serial", "mon:stdio",
    ];

    /// <summary>The RFC example from the top of the seed thread, as a full command line.</summary>
    public static readonly string[] RfcArgv =
    [
        "qemu-system-x86_64", "-M", "q35,cxl=on", "-m", "4G",
        "-object", "memory-backend-ram,id=vmem0,size=19G,host-mem-type=cxlram",
        "-device", "pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1",
        "-device", "cxl-rp,port=0,bus=cxl.1,id=root_port13,chassis=0,slot=2",
        "-device", "cxl-type3,bus=root_port13,volatile-memdev=vmem0,id=cxl-vmem0",
        "-M", "cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=19G,cxl-fmw.0.interleave-granularity=8k",
    ];

    [Fact]
    public void Seed_command_line_round_trips_byte_for_byte()
    {
        var cmd = QemuCommandLine.Parse(SeedArgv);
        Assert.Equal(SeedArgv, cmd.ToArgv());
        Assert.Equal(RfcArgv, QemuCommandLine.Parse(RfcArgv).ToArgv());
    }

    [Fact]
    public void Seed_command_line_splits_into_options()
    {
        var cmd = QemuCommandLine.Parse(SeedArgv);
        Assert.Equal("qemu-system-x86_64", cmd.Program);
        Assert.Equal(31, cmd.Arguments.Count);
        var kvm = cmd.Arguments[7];
        Assert.Equal("-enable-kvm", kvm.OptionWord);
        Assert.Null(kvm.Value);
        Assert.All(cmd.Arguments, a => Assert.True(a.IsKnown));
    }

    [Fact]
    public void Seed_memory_backends()
    {
        var b = QemuCommandLine.Parse(SeedArgv).MemoryBackends();
        Assert.Equal(2, b.Count);
        Assert.Equal("ram0", b[0].Id);
        Assert.Equal(45UL << 30, b[0].Size);
        Assert.Empty(b[0].HostNodes);
        Assert.Null(b[0].Policy);
        Assert.Equal("vmem0", b[1].Id);
        Assert.Equal(19UL << 30, b[1].Size);
        Assert.Equal([2UL], b[1].HostNodes);
        Assert.Equal("bind", b[1].Policy);
        Assert.Equal("memory-backend-ram", b[1].QomType);
    }

    [Fact]
    public void Seed_numa_entries_by_type()
    {
        var cmd = QemuCommandLine.Parse(SeedArgv);
        var nodes = cmd.Numa("node");
        Assert.Equal(2, nodes.Count);
        Assert.Equal(0UL, nodes[0].NodeId);
        Assert.Equal("ram0", nodes[0].MemDev);
        Assert.Equal([0UL, 1, 2, 3, 4, 5, 6, 7], nodes[0].Cpus);
        Assert.Equal(1UL, nodes[1].NodeId);
        Assert.Empty(nodes[1].Cpus);
        var dist = cmd.Numa("dist");
        Assert.Equal(4, dist.Count);
        Assert.Equal((1UL, 0UL, 14UL), (dist[2].Src!.Value, dist[2].Dst!.Value, dist[2].Val!.Value));
        var lb = cmd.Numa("hmat-lb");
        Assert.Equal(8, lb.Count);
        Assert.Equal(91UL, lb[0].Latency);
        Assert.Equal("read-latency", lb[0].DataType);
        Assert.Equal("memory", lb[0].Hierarchy);
        Assert.Equal(262100UL << 20, lb[4].Bandwidth);
        Assert.Equal(1UL, lb[5].Target);
        Assert.Equal(14, cmd.Numa().Count);
    }

    [Fact]
    public void Seed_memory_smp_machine_accel()
    {
        var cmd = QemuCommandLine.Parse(SeedArgv);
        Assert.Equal(64UL << 30, cmd.Memory()!.Size);
        var smp = cmd.Smp()!;
        Assert.Equal(8UL, smp.Cpus);
        Assert.Equal((1UL, 8UL, 1UL), (smp.Sockets!.Value, smp.Cores!.Value, smp.Threads!.Value));
        var m = cmd.Machine();
        Assert.Equal("q35", m.Type);
        Assert.True(m.Cxl);
        Assert.True(m.Hmat);
        Assert.Equal(2, m.Occurrences.Count);
        var w = Assert.Single(m.CxlFixedMemoryWindows);
        Assert.Equal(["cxl.1"], w.Targets);
        Assert.Equal(19UL << 30, w.Size);
        Assert.Equal(8192UL, w.InterleaveGranularity);
        Assert.Equal(["kvm"], cmd.Accelerators());
    }

    [Fact]
    public void Seed_cxl_type3_devices()
    {
        var d = Assert.Single(QemuCommandLine.Parse(SeedArgv).CxlType3Devices());
        Assert.Equal("vmem0", d.VolatileMemdev);
        Assert.Null(d.PersistentMemdev);
        Assert.Equal("cxl-vmem0", d.Id);
        Assert.Equal("root_port13", d.Bus);
        Assert.Equal(11, d.Index);
    }

    [Fact]
    public void Rfc_host_mem_type_rewrite_touches_only_that_argument()
    {
        var cmd = QemuCommandLine.Parse(RfcArgv);
        var b = Assert.Single(cmd.MemoryBackends());
        Assert.Equal("cxlram", b.Get("host-mem-type"));
        b.Options.Remove("host-mem-type");
        b.Options.SetUIntList("host-nodes", [2, 3]);
        b.Options.Set("policy", "bind");
        cmd.SetOptions(b.Index, b.Options);
        cmd.InsertAfter(b.Index, QemuArgument.Option("numa", "node,memdev=vmem0,nodeid=1"));
        string[] expected = [.. RfcArgv[..6], "memory-backend-ram,id=vmem0,size=19G,host-nodes=2-3,policy=bind",
            "-numa", "node,memdev=vmem0,nodeid=1", .. RfcArgv[7..]];
        Assert.Equal(expected, cmd.ToArgv());
    }

    [Fact]
    public void Double_dash_options_are_options_and_keep_their_spelling()
    {
        var cmd = QemuCommandLine.Parse(["qemu", "--object", "memory-backend-ram,id=m,size=1G", "--enable-kvm", "--machine", "q35"]);
        Assert.Equal("m", cmd.MemoryBackends()[0].Id);
        Assert.Equal(["kvm"], cmd.Accelerators());
        Assert.Equal("q35", cmd.Machine().Type);
        cmd.SetValue(0, "memory-backend-ram,id=m,size=2G");
        Assert.Equal(["qemu", "--object", "memory-backend-ram,id=m,size=2G", "--enable-kvm", "--machine", "q35"], cmd.ToArgv());
    }

    [Fact]
    public void Option_value_may_start_with_a_dash()
    {
        var cmd = QemuCommandLine.Parse(["qemu", "-append", "-x", "-name", "-object", "-S"]);
        Assert.Equal(3, cmd.Arguments.Count);
        Assert.Equal("-x", cmd.Arguments[0].Value);
        Assert.Equal("-object", cmd.Arguments[1].Value);
        Assert.Null(cmd.Arguments[2].Value);
        Assert.Empty(cmd.MemoryBackends());
    }

    [Fact]
    public void Option_missing_its_argument_at_the_end_is_a_user_error()
    {
        var e = Assert.Throws<UserError>(() => QemuCommandLine.Parse(["qemu-system-x86_64", "-m", "1G", "-object"]));
        Assert.Equal("-object: requires an argument", e.Problem);
        Assert.Contains("memory-backend-ram", e.Hint);
    }

    [Fact]
    public void Empty_argv_is_a_user_error() => Assert.Throws<UserError>(() => QemuCommandLine.Parse([]));

    [Fact]
    public void Positional_words_are_disk_images_and_kept()
    {
        var cmd = QemuCommandLine.Parse(["qemu", "disk.img", "-snapshot", "-m", "1G"]);
        Assert.True(cmd.Arguments[0].IsPositional);
        Assert.Equal("disk.img", cmd.Arguments[0].Value);
        Assert.Equal(["qemu", "disk.img", "-snapshot", "-m", "1G"], cmd.ToArgv());
    }

    [Fact]
    public void Unknown_option_takes_the_next_word_unless_it_looks_like_an_option()
    {
        var cmd = QemuCommandLine.Parse(["qemu", "-future-opt", "x=1", "-future-flag", "-m", "1G", "-last-unknown"]);
        Assert.Equal("x=1", cmd.Arguments[0].Value);
        Assert.False(cmd.Arguments[0].IsKnown);
        Assert.Null(cmd.Arguments[1].Value);
        Assert.Equal("1G", cmd.Arguments[2].Value);
        Assert.Null(cmd.Arguments[3].Value);
        Assert.Equal(["qemu", "-future-opt", "x=1", "-future-flag", "-m", "1G", "-last-unknown"], cmd.ToArgv());
    }

    [Fact]
    public void Removed_options_split_with_their_old_arity()
    {
        var cmd = QemuCommandLine.Parse(["qemu", "-no-acpi", "disk.img", "-realtime", "mlock=off"]);
        Assert.Null(cmd.Arguments[0].Value);
        Assert.True(cmd.Arguments[1].IsPositional);
        Assert.Equal("mlock=off", cmd.Arguments[2].Value);
        Assert.False(cmd.Arguments[0].IsKnown);
    }

    [Fact]
    public void Machine_fragments_merge_and_later_scalars_win()
    {
        var cmd = QemuCommandLine.Parse(["qemu", "-M", "q35,hmat=on", "-machine", "hmat=off", "-M", "memory-backend=ram0"]);
        var m = cmd.Machine();
        Assert.Equal("q35", m.Type);
        Assert.False(m.Hmat);
        Assert.Equal("ram0", m.MemoryBackend);
        Assert.Null(m.Cxl);
    }

    [Fact]
    public void Cxl_windows_in_two_machine_options_are_rejected_like_qemu()
    {
        // QEMU 10: "-M cxl-fmw.0.targets.0=cxl.2,cxl-fmw.0.size=8G: Parameters 'cxl-fmw.*' used inconsistently"
        var cmd = QemuCommandLine.Parse(["qemu", "-M", "q35,cxl=on", "-M", "cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4G",
            "-M", "cxl-fmw.0.targets.0=cxl.2,cxl-fmw.0.size=8G"]);
        var e = Assert.Throws<UserError>(() => cmd.Machine());
        Assert.Contains("'cxl-fmw.*' used inconsistently", e.Problem);
    }

    [Fact]
    public void Cxl_window_with_two_targets()
    {
        var cmd = QemuCommandLine.Parse(["qemu", "-M", "q35,cxl=on,cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4G,cxl-fmw.0.targets.1=cxl.2,cxl-fmw.1.targets.0=cxl.3,cxl-fmw.1.size=8G"]);
        var w = cmd.Machine().CxlFixedMemoryWindows;
        Assert.Equal(2, w.Count);
        Assert.Equal(["cxl.1", "cxl.2"], w[0].Targets);
        Assert.Equal(8UL << 30, w[1].Size);
    }

    [Fact]
    public void Dash_m_merges_and_reads_slots_and_maxmem()
    {
        var cmd = QemuCommandLine.Parse(["qemu", "-m", "size=8G,slots=4,maxmem=16G", "-m", "512"]);
        var m = cmd.Memory()!;
        Assert.Equal(512UL << 20, m.Size);
        Assert.Equal(4UL, m.Slots);
        Assert.Equal(16UL << 30, m.MaxMem);
        Assert.Equal(4294967296UL, QemuCommandLine.Parse(["q", "-m", "1G,maxmem=4294967296"]).Memory()!.MaxMem);
    }

    [Fact]
    public void Smp_merges_and_computes_cpus()
    {
        Assert.Equal(3UL, QemuCommandLine.Parse(["q", "-smp", "2", "-smp", "3"]).Smp()!.Cpus);
        Assert.Equal(3UL, QemuCommandLine.Parse(["q", "-smp", "cpus=2,cpus=3"]).Smp()!.Cpus);
        Assert.Equal(4UL, QemuCommandLine.Parse(["q", "-smp", "sockets=2,cores=2"]).Smp()!.EffectiveCpus);
        Assert.Null(QemuCommandLine.Parse(["q"]).Smp());
    }

    [Fact]
    public void Accelerators_from_accel_enable_kvm_and_machine()
    {
        var cmd = QemuCommandLine.Parse(["q", "-accel", "kvm,kernel-irqchip=on", "-accel", "tcg", "-machine", "pc,accel=kvm:tcg"]);
        Assert.Equal(["kvm", "tcg", "kvm", "tcg"], cmd.Accelerators());
    }

    [Fact]
    public void Memfd_and_file_backends_are_enumerated_other_objects_are_not()
    {
        var cmd = QemuCommandLine.Parse(["q", "-object", "memory-backend-memfd,id=a,size=1G,share=on",
            "-object", "rng-random,id=rng0,filename=/dev/urandom",
            "-object", "memory-backend-file,id=b,size=2G,mem-path=/dev/dax0.0"]);
        var b = cmd.MemoryBackends();
        Assert.Equal(["a", "b"], b.Select(x => x.Id));
        Assert.Equal([0, 2], b.Select(x => x.Index));
    }

    [Fact]
    public void Persistent_and_legacy_memdev_on_cxl_type3()
    {
        var cmd = QemuCommandLine.Parse(["q", "-device", "cxl-type3,bus=rp0,persistent-memdev=p0,lsa=lsa0,id=pm0",
            "-device", "cxl-type3,bus=rp1,memdev=p1,id=pm1", "-device", "virtio-rng-pci"]);
        var d = cmd.CxlType3Devices();
        Assert.Equal("p0", d[0].PersistentMemdev);
        Assert.Equal("lsa0", d[0].LsaMemdev);
        Assert.Equal("p1", d[1].Memdev);
    }

    [Fact]
    public void Insert_and_append_options()
    {
        var cmd = QemuCommandLine.Parse(["q", "-m", "1G"]);
        cmd.InsertAfter(-1, QemuArgument.Option("M", "q35"));
        cmd.Add(QemuArgument.Option("numa", "node,nodeid=0"), QemuArgument.Option("S"));
        Assert.Equal(["q", "-M", "q35", "-m", "1G", "-numa", "node,nodeid=0", "-S"], cmd.ToArgv());
        Assert.Throws<ArgumentException>(() => QemuArgument.Option("object"));
        Assert.Throws<ArgumentException>(() => QemuArgument.Option("S", "x"));
    }

    [Fact]
    public void Shell_line_quotes_only_what_needs_it()
    {
        var cmd = QemuCommandLine.Parse(["qemu-system-x86_64", "-object", "memory-backend-ram,id=m,size=1G",
            "-append", "console=ttyS0 root=/dev/vda", "-name", "it's", "-drive", "file=", "-device", ""]);
        Assert.Equal("qemu-system-x86_64 -object memory-backend-ram,id=m,size=1G -append 'console=ttyS0 root=/dev/vda' -name 'it'\\''s' -drive file= -device ''",
            cmd.ToShellCommand());
        Assert.Equal("'{\"a\":1}'", ShellQuote.Quote("{\"a\":1}"));
        Assert.Equal("'A=b'", ShellQuote.Quote("A=b", commandWord: true));
    }

    [Fact]
    public void Numa_json_is_not_accepted_by_qemu_so_it_is_parsed_as_key_value()
    {
        // QEMU 10: -numa '{"type":"node"}' → "Parameter 'type' does not accept value '{"type":"node"'"
        var cmd = QemuCommandLine.Parse(["q", "-numa", "{\"type\":\"node\",\"nodeid\":0}"]);
        Assert.False(cmd.Arguments[0].IsJson);
        Assert.Equal("{\"type\":\"node\"", cmd.Numa()[0].Type);
    }

    [Fact]
    public void Option_table_matches_probed_qemu_10()
    {
        Assert.True(QemuOptionTable.Lookup("object")!.HasArgument);
        Assert.True(QemuOptionTable.Lookup("M")!.HasArgument);
        Assert.Equal("machine", QemuOptionTable.Canonical("-M"));
        Assert.Equal("machine", QemuOptionTable.Canonical("--machine"));
        foreach (string flag in new[] { "S", "nographic", "enable-kvm", "no-reboot", "snapshot", "daemonize", "no-shutdown", "nodefaults" })
            Assert.False(QemuOptionTable.Lookup(flag)!.HasArgument, flag);
        foreach (string arg in new[] { "m", "smp", "numa", "device", "append", "kernel", "chardev", "drive", "netdev", "fsdev", "virtfs", "L", "accel", "cpu", "qmp", "serial", "msg", "mon", "global", "name" })
            Assert.True(QemuOptionTable.Lookup(arg)!.HasArgument, arg);
    }
}
