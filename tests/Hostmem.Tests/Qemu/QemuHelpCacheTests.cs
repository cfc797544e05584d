using Hostmem.Tests.Planning;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Qemu;

/// <summary>
/// hostmem asks the QEMU binary of a line what it has (<c>-device virtio-mem-pci,help</c>, <c>-object
/// acpi-generic-port,help</c>) and keeps the answer per binary. The binary is the real QEMU 7.2 behind a wrapper that
/// notes each time it is started, so the tests count QEMU's starts; the refusal comes from 7.2's own answer (it has no
/// dynamic-memslots, QEMU 8.2 added it).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class QemuHelpCacheTests
{
    static string Tree => Trees.Project("cxl-ram-genport");

    sealed record Setup(string Qemu, string Calls, string Cache);

    static Setup Wrapped()
    {
        if (QemuBinaries.Missing("7.2") is { } why) Assert.Fail(why);
        var dir = Scratch.Folder("qemu-help-");
        var setup = new Setup(Path.Combine(dir, "qemu-system-x86_64"), Path.Combine(dir, "calls"), Path.Combine(dir, "cache"));
        File.WriteAllText(setup.Qemu, $"#!/bin/sh\necho \"$*\" >> '{setup.Calls}'\nexec '{QemuBinaries.Path_("7.2")}' \"$@\"\n");
        File.SetUnixFileMode(setup.Qemu, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return setup;
    }

    static (int Code, string Out, string Err) Plan(Setup s, params (string Key, string Value)[] env) =>
        Tool.Run(HostmemCli.Path, ["plan", "--sysfs", Tree, "--cpus", "0", "--", s.Qemu, "-M", "q35", "-m", "256M",
                "-object", "memory-backend-ram,id=vmem0,size=256M,host-mem-type=cxl-ram",
                "-device", "virtio-mem-pci,id=vm0,memdev=vmem0,node=1,dynamic-memslots=on"],
            TimeSpan.FromMinutes(1), env: new Dictionary<string, string>(env.Select(e => KeyValuePair.Create(e.Key, e.Value)))
            {
                ["XDG_CACHE_HOME"] = s.Cache,
            });

    static int Starts(Setup s) => File.Exists(s.Calls) ? File.ReadAllLines(s.Calls).Length : 0;

    static void AssertRefused((int Code, string Out, string Err) run)
    {
        Assert.Equal(2, run.Code);
        Assert.Contains("has no virtio-mem-pci property 'dynamic-memslots' (QEMU 8.2 added it", run.Err);
    }

    [Fact]
    public void A_binary_is_asked_once_and_again_when_it_changes()
    {
        var s = Wrapped();
        AssertRefused(Plan(s));
        Assert.Equal(["-device virtio-mem-pci,help"], File.ReadAllLines(s.Calls));
        AssertRefused(Plan(s));
        Assert.Equal(1, Starts(s));
        File.AppendAllText(s.Qemu, "# rebuilt\n"); // another size and modification time: another binary
        AssertRefused(Plan(s));
        Assert.Equal(2, Starts(s));
    }

    [Fact]
    public void HOSTMEM_QEMU_CACHE_off_asks_every_time()
    {
        var s = Wrapped();
        AssertRefused(Plan(s, ("HOSTMEM_QEMU_CACHE", "off")));
        AssertRefused(Plan(s, ("HOSTMEM_QEMU_CACHE", "off")));
        Assert.Equal(2, Starts(s));
        Assert.False(Directory.Exists(s.Cache));
    }

    [Fact]
    public void A_damaged_kept_answer_is_asked_again()
    {
        var s = Wrapped();
        AssertRefused(Plan(s));
        var kept = Assert.Single(Directory.GetFiles(Path.Combine(s.Cache, "hostmem", "qemu")));
        foreach (var damage in new[] { "", "garbage", File.ReadAllLines(kept)[0] + "\n" })
        {
            File.WriteAllText(kept, damage);
            AssertRefused(Plan(s));
        }
        Assert.Equal(4, Starts(s));
    }

    [Fact]
    public void A_cache_that_cannot_be_written_is_no_error()
    {
        var s = Wrapped();
        File.WriteAllText(s.Cache, "a file where the cache folder would be");
        var run = Plan(s);
        AssertRefused(run);
        Assert.Equal(2, run.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length); // the refusal and its hint only
        AssertRefused(Plan(s));
        Assert.Equal(2, Starts(s));
    }
}
