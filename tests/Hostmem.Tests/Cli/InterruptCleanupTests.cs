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
        var tmp = Scratch.Folder("hostmem-interrupt-"); // hostmem's TMPDIR: its hostmem-tree-* folders land here alone
        var archive = Trees.Archive("two-socket-cxl");
        Process Start()
        {
            var psi = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "hostmem")) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "topology", "--sysfs", archive, "--format", "json" }) psi.ArgumentList.Add(a);
            psi.Environment["TMPDIR"] = tmp;
            var p = Process.Start(psi)!;
            p.StandardOutput.ReadToEndAsync();
            p.StandardError.ReadToEndAsync();
            return p;
        }
        bool Unpacked(Process _) => Directory.EnumerateDirectories(tmp, "hostmem-tree-*").Any();

        using var caught = Signals.CatchAndSignal(Start, Unpacked, signal);
        Assert.NotNull(caught); // never caught with its tree unpacked: the test proved nothing
        Assert.Equal(128 + signal, caught.ExitCode); // ended by the signal (Process reports 128 + signal number)
        // (The JIT-compiled test build's runtime leaves its own diagnostics sockets there too; the shipped NativeAOT binary has none.)
        Assert.Empty(Directory.EnumerateFileSystemEntries(tmp, "hostmem-*"));
    }
}
