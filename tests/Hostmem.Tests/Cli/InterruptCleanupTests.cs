using System.Diagnostics;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Cli;

/// <summary>SIGINT, SIGTERM or SIGHUP while hostmem has a --sysfs archive unpacked: the folder goes with it, and the
/// process ends by the signal as a shell expects (status 128 + signal).</summary>
public class InterruptCleanupTests
{
    [Theory]
    [InlineData(Signals.SIGINT)]
    [InlineData(Signals.SIGTERM)]
    [InlineData(Signals.SIGHUP)]
    public void A_signal_during_an_archive_read_leaves_no_unpacked_tree(int signal)
    {
        var (tmp, start) = TopologyRun();
        bool Unpacked(Process _) => Directory.EnumerateDirectories(tmp, "hostmem-tree-*").Any();

        using var caught = Signals.CatchAndSignal(() => start(null).Process, Unpacked, signal);
        Assert.NotNull(caught); // never caught with its tree unpacked: the test proved nothing
        Assert.Equal(128 + signal, caught.ExitCode); // ended by the signal (Process reports 128 + signal number)
        // (The JIT-compiled test build's runtime leaves its own diagnostics sockets there too; the shipped NativeAOT binary has none.)
        Assert.Empty(Directory.EnumerateFileSystemEntries(tmp, "hostmem-*"));
    }

    [Fact]
    public async Task Under_nohup_a_hangup_is_ignored_and_the_report_completes()
    {
        // nohup(1) starts a command with SIGHUP ignored; that handling passes through exec, and hostmem keeps it.
        var (tmp, start) = TopologyRun();
        Task<string>? report = null;
        bool Unpacked(Process _) => Directory.EnumerateDirectories(tmp, "hostmem-tree-*").Any();

        using var caught = Signals.CatchAndSignal(() => { var run = start("HUP"); report = run.Stdout; return run.Process; }, Unpacked, Signals.SIGHUP);
        Assert.NotNull(caught);
        Assert.Equal(0, caught.ExitCode);
        using (System.Text.Json.JsonDocument.Parse(await report!)) { } // the whole report, as JSON
        Assert.Empty(Directory.EnumerateFileSystemEntries(tmp, "hostmem-*"));
    }

    /// <summary>A scratch TMPDIR (hostmem's hostmem-tree-* folders land there alone) and a starter of `topology` over an archive.</summary>
    static (string Tmp, Func<string?, (Process Process, Task<string> Stdout)> Start) TopologyRun()
    {
        var tmp = Scratch.Folder("hostmem-interrupt-");
        var archive = Trees.Archive("two-socket-cxl");
        return (tmp, ignore =>
        {
            var p = Signals.StartHostmem(["topology", "--sysfs", archive, "--format", "json"], new Dictionary<string, string> { ["TMPDIR"] = tmp }, ignore);
            var stdout = p.StandardOutput.ReadToEndAsync();
            p.StandardError.ReadToEndAsync();
            return (p, stdout);
        });
    }
}
