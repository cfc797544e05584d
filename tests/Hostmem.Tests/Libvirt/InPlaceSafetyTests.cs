using System.Diagnostics;
using System.Text.RegularExpressions;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Libvirt;

/// <summary>`libvirt apply --in-place` against what a careless or hostile moment does to it: a signal while the new file
/// is written, a root run on a user's file, two runs on one file at once.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class InPlaceSafetyTests : IDisposable
{
    readonly string dir = Scratch.Folder("hostmem-inplace-");
    static readonly string Genport = Trees.Archive("cxl-ram-genport");
    const UnixFileMode UserOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    static Process Start(params string[] args)
    {
        var p = Signals.StartHostmem(args);
        p.StandardOutput.ReadToEndAsync();
        p.StandardError.ReadToEndAsync();
        return p;
    }

    [Theory]
    [InlineData(Signals.SIGINT)]
    [InlineData(Signals.SIGTERM)]
    public void A_signal_while_the_new_file_is_written_removes_it_and_keeps_the_original(int signal)
    {
        // A large <description> (a domain may carry <graphics passwd=...> as well) makes the write long enough to catch.
        string vm = Path.Combine(dir, "vm1.xml");
        string original = Domains.Plain.Replace("<name>vm1</name>", "<name>vm1</name>\n  <description>" + new string('x', 64 << 20) + "</description>");
        File.WriteAllText(vm, original);
        File.SetUnixFileMode(vm, UserOnly);
        string Temp(Process p) => Path.Combine(dir, $".vm1.xml.hostmem-{p.Id}.tmp");
        UnixFileMode? seen = null;

        using var caught = Signals.CatchAndSignal(
            () => Start("libvirt", "apply", "--in-place", "--sysfs", Genport, "--cell", "1=cxl-ram:64MiB", vm),
            p => File.Exists(Temp(p)), signal, attempts: 10,
            whileStopped: p => seen = File.GetUnixFileMode(Temp(p)));
        Assert.NotNull(caught);
        // Never more open than the original, not even for a moment (before: 0666 minus umask until the end).
        Assert.Equal((UnixFileMode)0, seen!.Value & ~UserOnly);
        Assert.Equal(["vm1.xml"], Directory.GetFiles(dir).Select(Path.GetFileName)); // before: the temporary file stayed
        // The signal ends the run (the original kept), or comes too late to (the new file complete, renamed into place).
        if (caught.ExitCode == 128 + signal) Assert.Equal(original, File.ReadAllText(vm));
        else
        {
            Assert.Equal(0, caught.ExitCode);
            Assert.Contains("<hostmem:cell id='1'", File.ReadAllText(vm), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Root_keeps_the_files_owner_and_group()
    {
        if (Environment.UserName != "root") return; // only root can make a file of another user's to begin with
        string vm = Path.Combine(dir, "vm1.xml");
        File.WriteAllText(vm, Domains.Plain);
        Trees.Run("chown", "4321:8765", vm);
        var (code, _, err) = HostmemCli.Run("libvirt", "apply", "--in-place", "--sysfs", Genport, "--cell", "1=cxl-ram:64MiB", vm);
        Assert.True(code == 0, err);
        Assert.Equal("4321:8765\n", Trees.Run("stat", "-c", "%u:%g", vm)); // coreutils' stat, not hostmem's reading
        Assert.Contains("<hostmem:cell id='1'", File.ReadAllText(vm), StringComparison.Ordinal);
    }

    /// <summary>Cells 1 and 2 without vCPUs: `--cell 1=...` and `--cell 2=...` each make one of them hostmem's, in either order.</summary>
    const string ThreeCells = """
        <domain type='qemu'>
          <name>vm3</name>
          <memory unit='KiB'>1179648</memory>
          <vcpu placement='static'>2</vcpu>
          <os>
            <type arch='x86_64' machine='q35'>hvm</type>
          </os>
          <cpu>
            <numa>
              <cell id='0' cpus='0-1' memory='1048576' unit='KiB'/>
              <cell id='1' memory='65536' unit='KiB'/>
              <cell id='2' memory='65536' unit='KiB'/>
            </numa>
          </cpu>
        </domain>

        """;

    [Fact]
    public void Two_runs_at_once_on_one_file_lose_neither_update()
    {
        // Before: both read the original, both wrote: the file had one of the two cells, and both said "updated".
        // util-linux flock holds the file's lock until both runs say they wait for it, so the race happens every round
        // instead of when the scheduler allows; then both take their turn.
        for (int round = 0; round < 3; round++)
        {
            string vm = Path.Combine(dir, $"vm{round}.xml"), held = vm + ".held", release = vm + ".release";
            File.WriteAllText(vm, ThreeCells);
            using var holder = Process.Start("flock", [vm, "-c", $"touch '{held}'; while [ ! -e '{release}' ]; do sleep 0.05; done"])!;
            Until(() => File.Exists(held), () => "flock did not take the lock");
            var said = new System.Collections.Concurrent.ConcurrentQueue<string>();
            using var one = StartSaying(said, "libvirt", "apply", "--in-place", "--sysfs", Genport, "--cell", "1=cxl-ram:64MiB", vm);
            using var two = StartSaying(said, "libvirt", "apply", "--in-place", "--sysfs", Genport, "--cell", "2=cxl-ram:64MiB", vm);
            Until(() => said.Count(l => l.Contains(" is locked by another process", StringComparison.Ordinal)) == 2,
                () => $"the two runs did not both say they wait for the lock:\n{string.Join('\n', said)}");
            // Nobody wrote while the lock was held (read with cat: .NET's own open takes a shared flock, which waits too).
            Assert.Equal(ThreeCells, Tool.Output("cat", vm));
            File.WriteAllText(release, "");
            Assert.True(one.WaitForExit(120_000) && two.WaitForExit(120_000) && holder.WaitForExit(60_000));
            Assert.Equal((0, 0), (one.ExitCode, two.ExitCode));
            var cells = CellIntent().Matches(File.ReadAllText(vm)).Select(m => m.Groups[1].Value).Order();
            Assert.Equal(["1", "2"], cells);
        }
    }

    /// <summary>Starts hostmem with every stderr line going to <paramref name="said"/>.</summary>
    static Process StartSaying(System.Collections.Concurrent.ConcurrentQueue<string> said, params string[] args)
    {
        var psi = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "hostmem")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = new Process { StartInfo = psi };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) said.Enqueue(e.Data); };
        p.Start();
        p.StandardOutput.ReadToEndAsync();
        p.BeginErrorReadLine();
        return p;
    }

    static void Until(Func<bool> condition, Func<string> failure)
    {
        var until = DateTime.UtcNow.AddSeconds(90);
        while (!condition())
        {
            if (DateTime.UtcNow > until) Assert.Fail(failure());
            Thread.Sleep(1);
        }
    }

    [GeneratedRegex("<hostmem:cell id='(\\d+)'")]
    private static partial Regex CellIntent();
}
