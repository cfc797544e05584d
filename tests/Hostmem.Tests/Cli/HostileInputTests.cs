using Hostmem.Tests.Libvirt;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Cli;

/// <summary>
/// Inputs a hostile or careless user gives, run through the built binary: each ends in one line saying what is wrong, a
/// hint line, exit 2, and no stack trace (or, for a damaged tree, a finding instead of a hang).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class HostileInputTests
{
    static readonly string TwoSocket = Trees.Archive("two-socket-cxl");
    static readonly string Hostmem = Path.Combine(AppContext.BaseDirectory, "hostmem");

    static void Refused((int Code, string Out, string Err) r, string problem, string hint) => Refusal.Assert(r, problem, hint);

    /// <summary>Runs the binary from a shell, for redirections the test host cannot make (closed or full stdout).</summary>
    static (int Code, string Err) Shell(string script)
    {
        var (code, _, err) = Tool.Run("/bin/sh", ["-c", script], TimeSpan.FromMinutes(1),
            env: new Dictionary<string, string> { ["H"] = Hostmem, ["F"] = TwoSocket, ["NO_COLOR"] = "1" });
        return (code, err);
    }

    [Fact]
    public void Empty_sysfs_path_is_said_not_thrown()
    {
        // Before: ArgumentException from Path.GetFullPath, stack trace, exit 134.
        Refused(HostmemCli.Run("topology", "--sysfs", ""), "--sysfs is empty", "leave --sysfs out for /sys");
    }

    [Fact]
    public void An_archive_that_is_not_a_tree_is_named_by_its_own_name()
    {
        // Before: "--sysfs /tmp/hostmem-tree-XXXX: not a sysfs tree" (the temporary folder, already deleted).
        var dir = Scratch.Folder("hostmem-sweep-");
        var archive = Path.Combine(Scratch.Folder("hostmem-sweep-"), "notes.tar.gz");
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "not sysfs\n");
        using (var tgz = File.Create(archive))
        using (var gz = new System.IO.Compression.GZipStream(tgz, System.IO.Compression.CompressionLevel.Fastest))
            System.Formats.Tar.TarFile.CreateFromDirectory(Path.Combine(dir), gz, includeBaseDirectory: false);
        var r = HostmemCli.Run("topology", "--sysfs", archive);
        Refused(r, $"--sysfs {archive}: a tar.gz archive, but not a recorded tree", "recorded tree made by lab/run");
        Assert.DoesNotContain("hostmem-tree-", r.Err);
    }

    [Fact]
    public void A_fifo_in_the_tree_is_a_finding_not_a_hang()
    {
        // Before: open(2) of the FIFO waited for a writer for ever (hostmem topology and qemu hung).
        var tree = Trees.CopyOf(Trees.Project("two-socket-cxl"));
        var meminfo = Path.Combine(tree, "sys/devices/system/node/node2/meminfo");
        var acpi = Path.Combine(tree, "sys/firmware/acpi/tables/HMAT");
        foreach (var path in new[] { meminfo, acpi })
        {
            File.Delete(path);
            Tool.Output("mkfifo", path);
        }
        var r = HostmemCli.Run("topology", "--check", "--sysfs", tree);
        Assert.Equal(1, r.Code); // --check: the unreadable files are warnings
        Assert.Contains("/sys/devices/system/node/node2/meminfo: not a regular file (a FIFO, socket or device): not read", r.Out);
    }

    [Fact]
    public void A_lone_surrogate_in_json_is_a_parse_error()
    {
        // Before: InvalidOperationException from System.Text.Json when the id was first read, stack trace, exit 134.
        Refused(HostmemCli.Run("plan", "--sysfs", TwoSocket, "--", "qemu-system-x86_64", "-object",
                "{\"qom-type\":\"memory-backend-ram\",\"id\":\"m\\ud800\",\"size\":67108864,\"host-mem-type\":\"cxl-ram\"}"),
            "JSON parse error: Cannot read incomplete UTF-16 JSON text", "Fix the JSON");
    }

    [Fact]
    public void A_typed_backend_without_id_is_refused()
    {
        // Before: planned, and the guest node it added said -numa node,nodeid=1,memdev=, (QEMU: Parameter 'id' is missing).
        Refused(HostmemCli.Run("qemu", "--dry-run", "--sysfs", TwoSocket, "--", "qemu-system-x86_64", "-object", "memory-backend-ram,size=64M,host-mem-type=cxl-ram"),
            "memory-backend-ram with host-mem-type=: Parameter 'id' is missing", "id=mem1");
    }

    [Fact]
    public void A_folder_as_qemu_is_said_as_a_folder()
    {
        // Before: "cannot start /tmp: Permission denied" with the hint to chmod +x it.
        Refused(HostmemCli.Run("qemu", "--sysfs", TwoSocket, "--guest-numa", "off", "--", "/tmp", "-object", "memory-backend-ram,id=m,size=64M,host-mem-type=cxl-ram"),
            "cannot start /tmp: a folder, not a program", "give the QEMU binary after '--'");
    }

    [Fact]
    public void Too_many_qemu_words_are_counted_not_called_unrecognized()
    {
        // Before: "Unrecognized command or argument 'node,nodeid=49998'" (System.CommandLine stops at 100,000 values).
        var args = new List<string> { "lint", "--no-host", "--", "qemu-system-x86_64" };
        for (int i = 0; i < 50_000; i++) args.AddRange(["-numa", "node"]);
        Refused(HostmemCli.Run([.. args]), "the QEMU command line has 100001 words; hostmem reads at most 100000", "shorten the command line");
    }

    [Fact]
    public void In_place_on_a_pipe_is_refused_before_the_plan()
    {
        // Before: FileNotFoundException for '/dev/fd/pipe:[...]' after the plan was printed, stack trace, exit 134.
        var domain = Path.Combine(Scratch.Folder("hostmem-sweep-"), "vm1.xml");
        File.WriteAllText(domain, Domains.Plain);
        var r = Shell($"cat '{domain}' | \"$H\" libvirt apply --sysfs \"$F\" --cell 1=cxl-ram:64MiB --in-place /dev/stdin");
        Refused((r.Code, "", r.Err), "/dev/stdin: not a regular file, so --in-place cannot replace it", "leave out --in-place");
    }

    [Fact]
    public void In_place_in_a_folder_it_cannot_write_is_refused_before_the_plan()
    {
        // Before: the plan on stderr, then "cannot replace it (Access to the path ... is denied)".
        var dir = Scratch.Folder("hostmem-sweep-");
        var domain = Path.Combine(dir, "vm1.xml");
        File.WriteAllText(domain, Domains.Plain);
        File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.SetUnixFileMode(domain, (UnixFileMode)0x1b6); // rw-rw-rw-: the file is writable, its folder is not
        try
        {
            // As root access(2) lets every folder be written: run as nobody where setpriv can, else as this user.
            bool root = Environment.UserName == "root";
            var prefix = root ? "setpriv --reuid=nobody --regid=nogroup --clear-groups " : "";
            var r = Shell($"{prefix}\"$H\" libvirt apply --sysfs \"$F\" --cell 1=cxl-ram:64MiB --in-place '{domain}'");
            Refused((r.Code, "", r.Err), $"its folder {dir} is not writable: not replaced", "leave out --in-place");
            Assert.Equal(Domains.Plain, File.ReadAllText(domain));
        }
        finally { File.SetUnixFileMode(dir, (UnixFileMode)0x1ed); }
    }

    [Theory]
    [InlineData("\"$H\" topology --sysfs \"$F\" >&-", "cannot write to stdout: it is closed")]
    [InlineData("\"$H\" topology --sysfs \"$F\" --json > /dev/full", "cannot write to stdout: No space left on device")]
    [InlineData("\"$H\" --help > /dev/full", "cannot write to stdout: No space left on device")]
    [InlineData("\"$H\" libvirt apply --sysfs \"$F\" --cell 1=cxl-ram:64MiB \"$D\" > /dev/full 2>/dev/null; exit $?", null)]
    public void A_stdout_that_cannot_be_written_is_one_line_and_exit_2(string script, string? problem)
    {
        // Before: UnauthorizedAccessException / IOException from the console stream, stack trace, SIGABRT (exit 134).
        var domain = Path.Combine(Scratch.Folder("hostmem-sweep-"), "vm1.xml");
        File.WriteAllText(domain, Domains.Plain);
        var r = Shell($"D='{domain}'; {script}");
        if (problem is null) { Assert.Equal(2, r.Code); return; }
        Refused((r.Code, "", r.Err), problem, "give hostmem somewhere to write");
    }

    [Fact]
    public void A_broken_pipe_ends_quietly()
    {
        // 100 backends make far more JSON than a pipe holds (their guest nodes pair up), so the write after head exits meets EPIPE.
        // hostmem's own status goes through a file: a pipeline's status in sh is head's, and pipefail is not POSIX sh.
        var status = Path.Combine(Scratch.Folder("hostmem-pipe-"), "status");
        var r = Shell($"{{ \"$H\" plan --sysfs \"$F\" -- qemu-system-x86_64 $(i=0; while [ $i -lt 100 ]; do echo -object memory-backend-ram,id=m$i,size=1M,host-mem-type=dram; i=$((i+1)); done); echo $? > '{status}'; }} | head -c 10 >/dev/null");
        Assert.Equal(0, r.Code); // head's
        Assert.Equal("", r.Err); // quietly: no "broken pipe" line
        Assert.Equal("2", File.ReadAllText(status).Trim()); // the output was cut short: not a success (docs/hostmem.md, Exit status)
    }

    [Fact]
    public void Non_utf8_argument_is_refused_rather_than_changed()
    {
        // Before: the byte 0xff reached QEMU as U+FFFD (EF BF BD): not "every other argument byte for byte".
        var r = Shell("\"$H\" qemu --sysfs \"$F\" -- /bin/echo \"$(printf 'x\\377y')\"");
        Refused((r.Code, "", r.Err), "is not UTF-8 text: hostmem would pass it on changed", "write it in UTF-8");
    }
}
