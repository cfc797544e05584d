using System.Diagnostics;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Planning;

/// <summary>
/// Two VMs never get one devdax device: hostmem passes over a device a running process maps (its proc/PID/maps, as the
/// kernel writes it), and two `hostmem qemu` started at once do not both take the same one (the first keeps a lock on
/// it into QEMU). cxl-devdax (recorded from a 6.12 guest) has one cxl-ram devdax device, /dev/dax0.0.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class DevdaxClaimTests
{
    const string Backend = "memory-backend-file,id=v,size=128M,host-mem-type=cxl-ram";

    [Fact]
    public void A_device_a_running_process_maps_is_not_chosen()
    {
        var tree = Trees.CopyOf(Trees.Project("cxl-devdax"));
        var proc = Directory.CreateDirectory(Path.Combine(tree, "proc", "4242")).FullName;
        // A maps line as the kernel prints a shared mapping of a devdax device (fs/proc/task_mmu.c: show_map_vma).
        File.WriteAllText(Path.Combine(proc, "maps"),
            "55d4c0a00000-55d4c0c00000 r-xp 00000000 08:01 131 /usr/bin/qemu-system-x86_64\n" +
            "7f3a40000000-7f3a50000000 rw-s 00000000 00:06 4 /dev/dax0.0\n");
        File.WriteAllText(Path.Combine(proc, "comm"), "qemu-system-x86\n");

        var (code, _, err) = HostmemCli.Run("plan", "--sysfs", tree, "--", "qemu-system-x86_64", "-object", Backend);
        Assert.Equal(2, code); // before: exit 0 and mem-path=/dev/dax0.0, the running VM's memory
        Assert.Contains("/dev/dax0.0 mapped by pid 4242 (qemu-system-x86)", err, StringComparison.Ordinal);
        Assert.StartsWith("hint: ", err.Split('\n')[1]);

        // Without that process the same line plans dax0.0.
        Directory.Delete(proc, recursive: true);
        var free = HostmemCli.Run("plan", "--sysfs", tree, "--", "qemu-system-x86_64", "-object", Backend);
        Assert.True(free.Code == 0, free.Err);
        Assert.Contains("/dev/dax0.0", free.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_starts_at_once_never_both_get_the_device()
    {
        var tree = Trees.CopyOf(Trees.Project("cxl-devdax")); // one folder for both: the host they share
        var work = Scratch.Folder("hostmem-devdax-race-");
        // Stands in for QEMU: records the line it got and holds what hostmem handed it across exec until the test lets it go
        // (a fixed sleep was not enough: under load the second hostmem sometimes started after the first QEMU had ended).
        var fakeQemu = Path.Combine(work, "qemu-system-x86_64");
        File.WriteAllText(fakeQemu, "#!/bin/sh\necho \"$@\" > \"$OUT/started.$$\"\nn=0; while [ ! -e \"$OUT/release\" ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n+1)); done\n");
        File.SetUnixFileMode(fakeQemu, (UnixFileMode)0b111_101_101);

        for (int round = 0; round < 5; round++)
        {
            var outDir = Directory.CreateDirectory(Path.Combine(work, $"round{round}")).FullName;
            var runs = Enumerable.Range(0, 2).Select(_ => Start(tree, fakeQemu, outDir)).ToList();
            // The refused run ends by itself while the other holds the device; then the holder is let go.
            var until = DateTime.UtcNow.AddSeconds(60);
            while (!runs.Any(r => r.HasExited) && DateTime.UtcNow < until) Thread.Sleep(50);
            File.WriteAllText(Path.Combine(outDir, "release"), "");
            foreach (var r in runs) Assert.True(r.WaitForExit(60_000));
            var started = Directory.GetFiles(outDir, "started.*").Select(File.ReadAllText).ToList();
            Assert.Single(started); // before: both started, both with mem-path=/dev/dax0.0
            Assert.Contains("mem-path=/dev/dax0.0", started[0], StringComparison.Ordinal);
            var refused = runs.Single(r => r.ExitCode == 2);
            Assert.Contains("/dev/dax0.0 claimed by another hostmem qemu", refused.StandardError.ReadToEnd(), StringComparison.Ordinal);
            foreach (var r in runs) r.Dispose();
        }
    }

    static Process Start(string tree, string qemu, string outDir)
    {
        var psi = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "hostmem")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "qemu", "--no-lint", "--sysfs", tree, "--", qemu, "-object", Backend }) psi.ArgumentList.Add(a);
        psi.Environment["OUT"] = outDir;
        return Process.Start(psi)!; // stderr is read once it has ended (a refused run writes two lines)
    }
}
