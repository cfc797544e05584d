using System.Text.Json;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Lint;

/// <summary>`hostmem lint` and the lint inside `hostmem qemu`, run as users run them (the built apphost).</summary>
public class LintCliTests
{
    static string Fixture(string name) => Trees.Archive(name);

    static readonly string[] SeedHao = ShellWords.Split(File.ReadAllText(Path.Combine(LintCorpus.Folder, "seed-hao-setup.qemu"))
        .Split('\n').Where(l => !l.StartsWith('#')).Aggregate("", (a, l) => a + l + "\n")).ToArray();

    const string Qemu = "qemu-system-x86_64";
    static readonly string[] Clean = [Qemu, "-M", "q35", "-m", "256M", "-object", "memory-backend-ram,id=m,size=64M,host-nodes=1,policy=bind"];
    // A CPU node whose own latency is 0: QEMU starts; the guest has no reference figures (two warnings).
    static readonly string[] Zero = [Qemu, "-M", "q35,hmat=on", "-m", "128M", "-object", "memory-backend-ram,id=m,size=128M",
        "-numa", "node,nodeid=0,cpus=0,memdev=m", "-numa", "hmat-lb,initiator=0,target=0,hierarchy=memory,data-type=access-latency,latency=0",
        "-numa", "hmat-lb,initiator=0,target=0,hierarchy=memory,data-type=access-bandwidth,bandwidth=1G"];
    // One backend in two nodes: QEMU refuses it.
    static readonly string[] Twice = [Qemu, "-M", "q35", "-m", "256M", "-object", "memory-backend-ram,id=m,size=128M",
        "-numa", "node,nodeid=0,memdev=m", "-numa", "node,nodeid=1,memdev=m"];

    [Fact]
    public void A_clean_line_exits_0_and_says_what_was_checked()
    {
        var (code, stdout, stderr) = HostmemCli.Run(["lint", "--sysfs", Fixture("cxl-ram-kmem"), "--cpus", "0", "--", .. Clean]);
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Equal($"no findings (host {Fixture("cxl-ram-kmem")}, CPUs 0 (--cpus))\n", stdout);
    }

    [Fact]
    public void The_seed_setup_exits_1_with_a_block_per_finding()
    {
        var (code, stdout, _) = HostmemCli.Run(["lint", "--no-host", "--", .. SeedHao]);
        Assert.Equal(1, code);
        Assert.Contains("error cxl-memdev-also-numa-node  argv[22] -device 'cxl-type3,bus=root_port13,volatile-memdev=vmem0,id=cxl-vmem0'\n"
            + "  backend vmem0 is the memory of guest node 1 and of cxl-type3 'cxl-vmem0' (volatile-memdev=)\n", stdout);
        Assert.Contains("  qemu refuses: memory backend vmem0 can't be used multiple times.\n", stdout);
        Assert.Contains("error cxl-type3-kvm ", stdout);
        Assert.Contains("  qemu starts anyway: only hostmem tells\n", stdout);
        Assert.EndsWith("2 errors, 1 warning: QEMU refuses this line (1 of them), and would say nothing about the other 2 (host checks off (--no-host))\n", stdout);
        Assert.DoesNotContain("\u001b[", stdout); // NO_COLOR (and not a terminal)
    }

    [Fact]
    public void Json_has_stable_snake_case_fields()
    {
        var (code, stdout, _) = HostmemCli.Run(["lint", "--format", "json", "--sysfs", Fixture("two-socket-cxl"), "--cpus", "0", "--", .. SeedHao]);
        Assert.Equal(1, code);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal(Fixture("two-socket-cxl"), root.GetProperty("sysfs").GetString());
        Assert.Equal([0], root.GetProperty("cpus").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal("--cpus", root.GetProperty("cpus_source").GetString());
        var findings = root.GetProperty("findings").EnumerateArray().ToList();
        // The authors' 100 ns for their CXL node against the recorded host's 17350/17450 ns (picoseconds) for node 2.
        Assert.Equal(["host-node-too-small", "cxl-memdev-also-numa-node", "cxl-type3-kvm", "cxl-hypervisor-cpu", "hmat-lb-host-differs"],
            findings.Select(f => f.GetProperty("code").GetString()));
        var small = findings[0];
        Assert.Equal("error", small.GetProperty("severity").GetString());
        Assert.Equal(16, small.GetProperty("argv_index").GetInt32());
        Assert.Equal("-object 'memory-backend-ram,id=vmem0,size=19G,host-nodes=2,policy=bind'", small.GetProperty("argument").GetString());
        Assert.Equal("backend vmem0 is 19 GiB, and host node 2 holds 256 MiB", small.GetProperty("message").GetString());
        // 19 GiB is more than the whole recorded host: under the default overcommit QEMU cannot even map it.
        Assert.False(small.GetProperty("qemu_accepts").GetBoolean());
        Assert.Equal("cannot set up guest memory 'vmem0': Cannot allocate memory", small.GetProperty("qemu_says").GetString());
        Assert.True(findings[2].GetProperty("qemu_accepts").GetBoolean());
        Assert.Equal(JsonValueKind.Null, findings[2].GetProperty("qemu_says").ValueKind);
        Assert.False(findings[1].GetProperty("qemu_accepts").GetBoolean());
        Assert.Equal("memory backend vmem0 can't be used multiple times.", findings[1].GetProperty("qemu_says").GetString());
        var summary = root.GetProperty("summary");
        Assert.Equal(3, summary.GetProperty("errors").GetInt32());
        Assert.Equal(2, summary.GetProperty("warnings").GetInt32());
        Assert.Equal(3, summary.GetProperty("qemu_accepts").GetInt32());
    }

    [Theory]
    [InlineData("no '--' before the QEMU command line", "lint", "q", "-m", "1G")]
    [InlineData("words between 'hostmem lint' and '--'", "lint", "q", "--", "-m", "1G")]
    [InlineData("--cpus x: not a CPU list", "lint", "--cpus", "x", "--", "q")]
    [InlineData("--cpus x: not a CPU list", "lint", "--no-host", "--cpus", "x", "--", "q")]
    [InlineData("-numa: requires an argument", "lint", "--", "q", "-numa")]
    [InlineData("Parameter 'nodeid' expects a non-negative integer", "lint", "--", "q", "-numa", "node,nodeid=x")]
    [InlineData("invalid bandwidth 'fast'", "lint", "--", "q", "-numa", "hmat-lb,initiator=0,target=0,hierarchy=memory,data-type=access-bandwidth,bandwidth=fast")]
    [InlineData("no QEMU program given", "lint", "--", "")]
    public void Bad_input_exits_2_with_one_line_and_a_hint(string problem, params string[] args)
    {
        Refusal.Assert(HostmemCli.Run([args[0], "--sysfs", Fixture("cxl-ram-kmem"), .. args[1..]]), problem);
    }

    [Fact]
    public void A_sysfs_that_is_not_one_exits_2()
    {
        var (code, stdout, stderr) = HostmemCli.Run(["lint", "--sysfs", "/nonexistent", "--", Qemu]);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("hostmem: ", stderr);
    }

    [Fact]
    public void Hostmem_qemu_dry_run_lints_the_final_line_on_stderr_and_keeps_stdout_the_line()
    {
        var (code, stdout, stderr) = HostmemCli.Run(["qemu", "--dry-run", "--guest-numa", "off", "--sysfs", Fixture("cxl-ram-kmem"), "--", .. Zero]);
        Assert.Equal(0, code);
        Assert.Equal(string.Join(' ', Zero) + "\n", stdout);
        Assert.EndsWith("hostmem: lint warning hmat-cpu-node-incomplete (argv[7]): guest node 0 has CPUs and memory, and no latency to itself\n"
            + "  fix: add -numa hmat-lb,initiator=N,target=N,hierarchy=memory for both data-type=access-latency and access-bandwidth\n"
            + "hostmem: lint warning hmat-lb-zero (argv[9]): access-latency 0 for initiator=0 and target=0: the guest reads it as no figure\n"
            + "  fix: write the real figure (latency in ns, bandwidth like 30000M), or leave the entry out\n", stderr);
    }

    [Fact]
    public void Hostmem_qemu_strict_refuses_to_start_qemu_with_findings()
    {
        // echo stands in for QEMU: had hostmem exec'd it, stdout would carry the line.
        var (code, stdout, stderr) = HostmemCli.Run(["qemu", "--strict", "--guest-numa", "off", "--sysfs", Fixture("cxl-ram-kmem"), "--", "echo", .. Zero[1..]]);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("hostmem: lint warning hmat-cpu-node-incomplete", lines[0]);
        Assert.Equal("hostmem: 2 lint findings (--strict): QEMU not started", lines[^2]);
        Assert.StartsWith("hint: ", lines[^1]);
    }

    [Fact]
    public void Hostmem_qemu_without_strict_warns_and_starts_qemu_anyway()
    {
        var (code, stdout, stderr) = HostmemCli.Run(["qemu", "--guest-numa", "off", "--sysfs", Fixture("cxl-ram-kmem"), "--", "echo", .. Twice[1..]]);
        Assert.Equal(0, code);
        Assert.Equal(string.Join(' ', Twice[1..]) + "\n", stdout);
        Assert.Contains("hostmem: lint error memdev-used-twice (argv[9]): backend m is already used by guest node 0; guest node 1 uses it again (QEMU will refuse it)\n", stderr);
    }

    [Fact]
    public void Hostmem_qemu_no_lint_says_nothing_and_strict_passes_a_clean_line()
    {
        var (code, _, stderr) = HostmemCli.Run(["qemu", "--dry-run", "--no-lint", "--guest-numa", "off", "--sysfs", Fixture("cxl-ram-kmem"), "--", .. Zero]);
        Assert.Equal(0, code);
        Assert.DoesNotContain("lint", stderr);
        var (code2, stdout2, stderr2) = HostmemCli.Run(["qemu", "--strict", "--cpus", "0", "--sysfs", Fixture("cxl-ram-genport"), "--",
            "echo", "-M", "q35", "-m", "256M", "-object", "memory-backend-ram,id=vmem0,size=64M,host-mem-type=cxl-ram"]);
        Assert.Equal(0, code2);
        Assert.DoesNotContain("lint", stderr2);
        Assert.Contains("-numa node,nodeid=1,memdev=vmem0,initiator=0", stdout2);
    }

    [Fact]
    public void Hostmem_qemu_leaves_the_size_of_backends_it_placed_to_the_planner()
    {
        var (code, _, stderr) = HostmemCli.Run(["qemu", "--dry-run", "--guest-numa", "off", "--cpus", "0", "--sysfs", Fixture("two-socket-cxl"), "--",
            Qemu, "-object", "memory-backend-ram,id=v,size=510M,host-mem-type=cxl-ram,host-mem-nodes=all", "-object", "memory-backend-ram,id=w,size=254M,host-nodes=2,policy=bind"]);
        Assert.Equal(0, code);
        Assert.Contains("warning: size 510 MiB is more than the 508 MiB free on node2 and node3 now", stderr); // the planner's, for v
        Assert.Contains("hostmem: lint warning host-node-low-free (argv[3]): backend w is 254 MiB, and host node 2 has 252 MiB free now\n", stderr);
        Assert.DoesNotContain("(argv[1])", stderr);
    }

    [Fact]
    public void A_line_lint_cannot_read_is_skipped_with_a_warning_unless_strict()
    {
        string[] line = ["echo", "-numa", "node,cpus=a"]; // nothing for the planner to read: only lint parses -numa here
        var (code, stdout, stderr) = HostmemCli.Run(["qemu", "--sysfs", Fixture("cxl-ram-kmem"), "--", .. line]);
        Assert.Equal(0, code);
        Assert.Equal("-numa node,cpus=a\n", stdout);
        Assert.Equal("hostmem: warning: lint skipped: -numa 'node,cpus=a': Parameter 'cpus' expects a uint64 value or range, not 'a'\n", stderr);
        var (code2, stdout2, stderr2) = HostmemCli.Run(["qemu", "--strict", "--sysfs", Fixture("cxl-ram-kmem"), "--", .. line]);
        Assert.Equal(2, code2);
        Assert.Equal("", stdout2);
        Assert.StartsWith("hostmem: -numa 'node,cpus=a': Parameter 'cpus'", stderr2);
    }
}
