using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Cli;

/// <summary>
/// stdout and stderr redirected to one file append as any CLI's do (write(2) at the descriptor's shared offset, the
/// shell's own `&gt;` and `2&gt;&amp;1` semantics): nothing hostmem writes lands over the shell's lines or its other stream.
/// </summary>
public class SharedOffsetOutputTests
{
    static readonly string TwoSocket = Trees.Archive("two-socket-cxl");
    const string Line = "qemu-system-x86_64 -m 2G -object memory-backend-ram,id=m1,size=64M,host-mem-type=cxl-ram";

    static string ShellInto(string script)
    {
        var file = Path.Combine(Scratch.Folder("hostmem-output-"), "out.txt");
        var (code, _, err) = Tool.Run("/bin/sh", ["-c", script], TimeSpan.FromMinutes(1), env: new Dictionary<string, string>
        {
            ["H"] = Path.Combine(AppContext.BaseDirectory, "hostmem"), ["F"] = TwoSocket, ["O"] = file, ["NO_COLOR"] = "1",
        });
        Assert.True(code == 0, err);
        return File.ReadAllText(file);
    }

    [Fact]
    public void Lines_the_shell_writes_around_hostmem_stay_in_order()
    {
        // Before: `{ echo BEGIN; hostmem topology; echo END; } > out` had END over the table's first bytes.
        var table = HostmemCli.Run("topology", "--sysfs", TwoSocket).Out; // through a pipe: no offsets involved
        Assert.NotEmpty(table);
        var file = ShellInto("{ echo BEGIN; \"$H\" topology --sysfs \"$F\"; echo END; } > \"$O\"");
        Assert.Equal("BEGIN\n" + table + "END\n", file);
    }

    [Fact]
    public void Stdout_and_stderr_into_one_file_keep_every_byte()
    {
        // Before: `hostmem qemu --dry-run ... > all.txt 2>&1`: the final line (stdout) overwrote the plan's start (stderr).
        var piped = HostmemCli.Run(["qemu", "--dry-run", "--sysfs", TwoSocket, "--", .. Line.Split(' ')]);
        Assert.Equal(0, piped.Code);
        Assert.NotEmpty(piped.Out);
        Assert.NotEmpty(piped.Err);
        var file = ShellInto($"\"$H\" qemu --dry-run --sysfs \"$F\" -- {Line} > \"$O\" 2>&1");
        Assert.Equal(piped.Out.Length + piped.Err.Length, file.Length);
        Assert.Contains(piped.Out, file);
        foreach (var line in piped.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries)) Assert.Contains(line, file);
    }

    [Fact]
    public void Output_appends_to_a_file_opened_for_appending()
    {
        var file = ShellInto("echo FIRST > \"$O\"; \"$H\" topology --sysfs \"$F\" --json >> \"$O\"; echo LAST >> \"$O\"");
        Assert.StartsWith("FIRST\n{", file);
        Assert.EndsWith("}\nLAST\n", file);
    }
}
