using Hostmem.Status;
using Xunit;

namespace Hostmem.Tests.Status;

/// <summary>QMP sockets found on QEMU command lines: the captured ones (Status/data) and the forms QEMU accepts.</summary>
public class MonitorSocketsTests
{
    static MonitorSockets Find(string line) => MonitorSockets.Find(["qemu-system-x86_64", .. line.Split(' ')]);

    [Fact]
    public void A_captured_command_line_gives_its_qmp_socket()
    {
        var argv = Capture.Load("bind-node0").Files.CommandLine();
        var qmp = argv[argv.ToList().IndexOf("-qmp") + 1];
        var s = Assert.Single(MonitorSockets.Find(argv).Sockets);
        Assert.Equal($"unix:{s.Path},server=on,wait=off", qmp);
        Assert.StartsWith("/tmp/hostmem-capture-", s.Path);
        Assert.False(s.Abstract);
        Assert.Equal($"-qmp '{qmp}'", s.Option);
    }

    [Theory]
    [InlineData("-qmp unix:/run/q.sock,server=on,wait=off", "/run/q.sock")]
    [InlineData("-qmp unix:/run/q.sock,server,nowait", "/run/q.sock")] // the old short booleans
    [InlineData("-qmp-pretty unix:/run/a,,b.sock,server=on", "/run/a,b.sock")] // ',,' is a comma
    [InlineData("-qmp unix:path=/run/q.sock,server=yes", "/run/q.sock")]
    [InlineData("-chardev socket,id=mon0,path=/run/q.sock,server=on,wait=off -mon chardev=mon0,mode=control", "/run/q.sock")]
    [InlineData("-mon mon0,mode=control -chardev socket,id=mon0,path=relative.sock,server=on", "relative.sock")]
    [InlineData("-chardev socket,id=c,path=/run/q.sock,server=on -qmp chardev:c", "/run/q.sock")]
    public void Qmp_server_sockets_are_found(string line, string path)
    {
        var s = Assert.Single(Find(line).Sockets);
        Assert.Equal(path, s.Path);
    }

    [Fact]
    public void An_abstract_socket_is_marked()
    {
        var s = Assert.Single(Find("-chardev socket,id=c,path=hostmem-vm,server=on,abstract=on -mon chardev=c,mode=control").Sockets);
        Assert.True(s.Abstract);
    }

    [Theory]
    [InlineData("-monitor unix:/run/h.sock,server=on,wait=off")] // HMP
    [InlineData("-chardev socket,id=c,path=/run/h.sock,server=on -mon chardev=c")] // -mon is HMP unless mode=control
    [InlineData("-m 1G")]
    public void Human_monitors_and_no_monitor_give_nothing(string line)
    {
        var found = Find(line);
        Assert.Empty(found.Sockets);
        Assert.Empty(found.Unusable);
    }

    [Theory]
    [InlineData("-chardev socket,id=charmonitor,fd=23,server=on,wait=off -mon chardev=charmonitor,id=monitor,mode=control", "passed as a file descriptor")]
    [InlineData("-qmp tcp:localhost:4444,server=on,wait=off", "not a unix socket")]
    [InlineData("-chardev socket,id=c,host=localhost,port=4444,server=on -mon chardev=c,mode=control", "a TCP socket")]
    [InlineData("-qmp unix:/run/q.sock", "QEMU is the client of that socket")]
    [InlineData("-mon chardev=nothere,mode=control", "no -chardev with id=nothere")]
    [InlineData("-chardev pty,id=c -mon chardev=c,mode=control", "a pty chardev")]
    public void Monitors_status_cannot_reach_say_why(string line, string why)
    {
        var found = Find(line);
        Assert.Empty(found.Sockets);
        Assert.Contains(why, Assert.Single(found.Unusable));
    }

    [Fact]
    public void A_command_line_qemu_could_not_parse_gives_nothing() => Assert.Empty(Find("-m").Sockets);
}
