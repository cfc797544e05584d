using System.Diagnostics;
using System.Text.Json;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Planning;

/// <summary>`hostmem qemu --dry-run` as users run it (the built apphost), on recorded trees.</summary>
public class QemuCliTests
{
    static (int Code, string Out, string Err) Hostmem(params string[] args) => HostmemCli.Run(args);

    static string Fixture(string name) => Path.Combine(Trees.ProjectFixtures, name + ".tar.gz");

    [Fact]
    public void Dry_run_prints_the_shell_quoted_line_and_the_plan_on_stderr()
    {
        var (code, stdout, stderr) = Hostmem("qemu", "--dry-run", "--sysfs", Fixture("cxl-ram-kmem"), "--",
            "qemu-system-x86_64", "-append", "console=ttyS0 quiet", "-object", "memory-backend-ram,id=vmem0,size=128M,host-mem-type=cxlram");
        Assert.Equal(0, code);
        Assert.Equal("qemu-system-x86_64 -append 'console=ttyS0 quiet' -object memory-backend-ram,id=vmem0,size=128M,host-nodes=1,policy=bind\n", stdout);
        Assert.Matches(@"(?m)^vmem0\s+cxl-ram\s+128 MiB\s+1\s+bind\s+nearest", stderr);
        Assert.Contains("node1 is nearest", stderr);
    }

    [Fact]
    public void Json_format_prints_an_argv_array()
    {
        var (code, stdout, _) = Hostmem("qemu", "--dry-run", "--format", "json", "--cpus", "1", "--sysfs", Fixture("two-socket-cxl"), "--",
            "qemu-system-x86_64", "-object", "memory-backend-ram,id=m,size=64M,host-mem-type=dram");
        Assert.Equal(0, code);
        Assert.Equal(["qemu-system-x86_64", "-object", "memory-backend-ram,id=m,size=64M,host-nodes=1,policy=bind"], JsonSerializer.Deserialize<string[]>(stdout)!);
    }

    [Fact]
    public void Qemu_words_that_look_like_hostmem_options_stay_qemus()
    {
        var (code, stdout, _) = Hostmem("qemu", "--dry-run", "--sysfs", Fixture("cxl-ram-kmem"), "--", "q", "--dry-run", "@file", "--", "--help");
        Assert.Equal(0, code);
        Assert.Equal("q --dry-run @file -- --help\n", stdout);
    }

    [Theory]
    [InlineData("no '--' before the QEMU command line", "qemu", "--dry-run", "q", "-m", "1G")]
    [InlineData("words between 'hostmem qemu' and '--'", "qemu", "--dry-run", "q", "--", "-m", "1G")]
    [InlineData("--cpus x: not a CPU list", "qemu", "--dry-run", "--cpus", "x", "--", "q")]
    [InlineData("-object: requires an argument", "qemu", "--dry-run", "--", "q", "-object")]
    public void Bad_command_lines_exit_2_with_one_line_and_a_hint(string problem, params string[] args)
    {
        var (code, stdout, stderr) = Hostmem([.. args[..2], "--sysfs", Fixture("cxl-ram-kmem"), .. args[2..]]);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains(problem, lines[0]);
        Assert.StartsWith("hint: ", lines[1]);
    }
}
