using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Hostmem.Qmp;
using Hostmem.Status;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Status;

/// <summary>
/// QMP servers that are not a VM or do not answer as QMP documents: qemu-storage-daemon (a real QMP server without guest
/// memory), and servers in this test that greet a byte at a time, send events without end, send a line without end, or
/// answer with the wrong JSON. Each ends in one UserError within the time-out, without .NET type names.
/// </summary>
public class HostileQmpTests
{
    const string Greeting = "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 2, \"minor\": 0, \"major\": 10}, \"package\": \"\"}, \"capabilities\": [\"oob\"]}}\n";
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    /// <summary>A unix socket server in this process; <paramref name="serve"/> talks to the one client.</summary>
    sealed class FakeServer : IDisposable
    {
        readonly Socket listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        readonly CancellationTokenSource stop = new();
        public string Path { get; } = System.IO.Path.Combine(Scratch.Folder("hostmem-qmp-"), "qmp.sock");

        public FakeServer(Action<Socket, CancellationToken> serve)
        {
            listener.Bind(new UnixDomainSocketEndPoint(Path));
            listener.Listen(1);
            Task.Run(() =>
            {
                using var client = listener.Accept();
                try { serve(client, stop.Token); }
                catch (SocketException) { } // the client gave up: that is the point
                catch (ObjectDisposedException) { }
            });
        }

        public void Dispose() { stop.Cancel(); listener.Dispose(); }
    }

    static void Send(Socket s, string text) => s.Send(Encoding.UTF8.GetBytes(text));

    static string ReadCommand(Socket s)
    {
        var line = new List<byte>();
        var one = new byte[1];
        while (s.Receive(one) == 1 && one[0] != '\n') line.Add(one[0]);
        return Encoding.UTF8.GetString(line.ToArray());
    }

    [Fact]
    public void A_greeting_sent_a_byte_at_a_time_is_cut_off_at_the_time_out()
    {
        // Before: the time-out was per recv, so a byte every 100 ms kept hostmem waiting for ever.
        using var server = new FakeServer((s, stop) =>
        {
            while (!stop.IsCancellationRequested) foreach (var b in Encoding.UTF8.GetBytes(Greeting.Replace("\n", "", StringComparison.Ordinal)))
            {
                if (stop.IsCancellationRequested) return;
                s.Send([b]);
                Thread.Sleep(100);
            }
        });
        var e = Assert.Throws<UserError>(() => QmpClient.Connect(server.Path, Timeout));
        Assert.Equal($"no QMP greeting from {server.Path} within 2 s", e.Problem);
    }

    [Fact]
    public void A_full_listen_queue_waits_for_the_time_out_like_a_busy_monitor()
    {
        // QEMU listens with a backlog of 1 and accepts no one while a client holds the monitor. Linux refuses a connect
        // with EAGAIN once the queue holds more than the backlog (net/unix/af_unix.c: unix_recvq_full), where a blocking
        // connect would wait. Before: "cannot connect ...: Resource temporarily unavailable" at once, under CI's load.
        var path = Path.Combine(Scratch.Folder("hostmem-qmp-"), "qmp.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1); // never accepts
        var waiting = new List<Socket>();
        try
        {
            SocketException? refused = null;
            for (int i = 0; i < 8 && refused is null; i++)
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified) { Blocking = false };
                waiting.Add(s);
                try { s.Connect(new UnixDomainSocketEndPoint(path)); }
                catch (SocketException full) { refused = full; }
            }
            Assert.Equal(SocketError.WouldBlock, refused?.SocketErrorCode); // the queue is full now: the case under test
            var started = Stopwatch.StartNew();
            var e = Assert.Throws<UserError>(() => QmpClient.Connect(path, Timeout));
            Assert.Equal($"no QMP greeting from {path} within 2 s", e.Problem);
            Assert.True(started.Elapsed >= Timeout - TimeSpan.FromMilliseconds(100), $"gave up after {started.Elapsed}, before the time-out");
        }
        finally { foreach (var s in waiting) s.Dispose(); }
    }

    [Fact]
    public void Events_without_end_do_not_stretch_the_wait_for_an_answer()
    {
        using var server = new FakeServer((s, stop) =>
        {
            Send(s, Greeting);
            ReadCommand(s); // qmp_capabilities, never answered
            while (!stop.IsCancellationRequested)
            {
                Send(s, "{\"event\": \"RTC_CHANGE\", \"data\": {\"offset\": 0}, \"timestamp\": {\"seconds\": 1, \"microseconds\": 0}}\n");
                Thread.Sleep(50);
            }
        });
        var e = Assert.Throws<UserError>(() => QmpClient.Connect(server.Path, Timeout));
        Assert.Equal($"no answer to qmp_capabilities from {server.Path} within 2 s", e.Problem);
    }

    [Fact]
    public void A_line_without_end_is_refused_at_the_limit_not_read_into_memory()
    {
        // Before: the reader grew the line until memory ran out (5-8 GB in 20 s).
        using var server = new FakeServer((s, stop) =>
        {
            var chunk = Encoding.UTF8.GetBytes(new string('x', 64 * 1024));
            Send(s, "{\"QMP\": \"");
            while (!stop.IsCancellationRequested) s.Send(chunk);
        });
        var e = Assert.Throws<UserError>(() => QmpClient.Connect(server.Path, TimeSpan.FromSeconds(30)));
        Assert.Equal($"QMP socket {server.Path} sent a line longer than 1 MiB as its QMP greeting: not a QMP answer", e.Problem);
    }

    [Theory]
    [InlineData("{\"return\": 42}")]
    [InlineData("{\"return\": [{\"id\": 5, \"size\": \"big\"}]}")]
    [InlineData("{\"return\": [null]}")]
    [InlineData("{\"return\": [{}]}")]
    [InlineData("{\"error\": 7}")]
    public void A_malformed_answer_is_said_without_dotnet_type_names(string answer)
    {
        using var server = new FakeServer((s, _) =>
        {
            Send(s, Greeting);
            ReadCommand(s);
            Send(s, "{\"return\": {}}\n");
            ReadCommand(s);
            Send(s, answer + "\n");
            ReadCommand(s);
        });
        // A process that looks like QEMU (a fake /proc for this test's PID, which serves the socket) answering wrongly.
        var proc = Scratch.Folder("hostmem-qmp-proc-");
        var pidDir = Directory.CreateDirectory(Path.Combine(proc, Environment.ProcessId.ToString())).FullName;
        File.WriteAllText(Path.Combine(pidDir, "cmdline"), "qemu-system-x86_64\0-S\0");
        File.WriteAllText(Path.Combine(pidDir, "numa_maps"), "");
        File.WriteAllText(Path.Combine(pidDir, "maps"), "");
        var e = Record.Exception(() => QemuStatus.Read(null, server.Path, Timeout, proc));
        var u = Assert.IsType<UserError>(e); // before: QmpCommandException, JsonException or NullReferenceException: "internal error"
        string said = u.Problem + "\n" + u.Hint;
        Assert.DoesNotContain("System.", said, StringComparison.Ordinal);
        Assert.DoesNotContain("Hostmem.", said, StringComparison.Ordinal);
        Assert.DoesNotContain("QmpMemdev", said, StringComparison.Ordinal);
    }

    [NeedsProgramFact("qemu-storage-daemon")]
    public void Qemu_storage_daemon_is_a_qmp_server_but_not_a_vm()
    {
        var dir = Scratch.Folder("hostmem-qsd-");
        var socket = Path.Combine(dir, "qsd.qmp");
        var psi = new ProcessStartInfo("qemu-storage-daemon") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "--chardev", $"socket,path={socket},server=on,wait=off,id=m", "--monitor", "chardev=m" }) psi.ArgumentList.Add(a);
        using var qsd = Process.Start(psi)!;
        try
        {
            for (int i = 0; i < 500 && !File.Exists(socket); i++) Thread.Sleep(10);
            // Through the CLI: its process is not a qemu-system-* (before: "internal error: QmpCommandException").
            var (code, stdout, stderr) = HostmemCli.Run("status", "--qmp", socket);
            Assert.Equal(2, code);
            Assert.Empty(stdout);
            Assert.StartsWith($"hostmem: process {qsd.Id} (qemu-storage-daemon) is not QEMU", stderr);

            // A process that looks like QEMU but answers as the storage daemon does (a fake /proc for its PID):
            // query-memdev's CommandNotFound is one line, not an internal error.
            var proc = Scratch.Folder("hostmem-qsd-proc-");
            var pidDir = Directory.CreateDirectory(Path.Combine(proc, qsd.Id.ToString())).FullName;
            File.WriteAllText(Path.Combine(pidDir, "cmdline"), "qemu-system-x86_64\0-S\0");
            File.WriteAllText(Path.Combine(pidDir, "numa_maps"), "");
            File.WriteAllText(Path.Combine(pidDir, "maps"), "");
            var e = Assert.Throws<UserError>(() => QemuStatus.Read(null, socket, TimeSpan.FromSeconds(10), proc));
            Assert.StartsWith($"QMP socket {socket} answers, but not as a QEMU system emulator: query-memdev: CommandNotFound", e.Problem);
        }
        finally { qsd.Kill(); qsd.WaitForExit(); }
    }

    [Fact]
    public void A_process_whose_name_only_contains_qemu_is_not_qemu()
    {
        // Before: any process whose program name contained "qemu" was taken for QEMU.
        Assert.False(QemuProcess.IsSystemEmulator("/usr/bin/qemu-storage-daemon"));
        Assert.False(QemuProcess.IsSystemEmulator("/usr/local/bin/my-qemu-watcher"));
        Assert.False(QemuProcess.IsSystemEmulator("qemu-img"));
        Assert.True(QemuProcess.IsSystemEmulator("/usr/bin/qemu-system-x86_64"));
        Assert.True(QemuProcess.IsSystemEmulator("/usr/libexec/qemu-kvm"));       // RHEL's name for it
        Assert.True(QemuProcess.IsSystemEmulator("/usr/bin/qemu-system-x86_64 (deleted)")); // exe after an upgrade
    }

    [Fact]
    public void A_zombie_qemu_is_said_to_have_exited()
    {
        // A real zombie: a child of sh that exits once sh has become sleep, which never reaps it (a child that ended
        // while sh was still sh could be reaped by it).
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("sleep 0.5 & echo $!; exec sleep 30");
        using var parent = Process.Start(psi)!;
        try
        {
            int child = int.Parse(parent.StandardOutput.ReadLine()!, System.Globalization.CultureInfo.InvariantCulture);
            for (int i = 0; i < 500 && !File.ReadAllText($"/proc/{child}/stat").Contains(") Z ", StringComparison.Ordinal); i++) Thread.Sleep(10);
            var (code, _, stderr) = HostmemCli.Run("status", "--pid", child.ToString());
            Assert.Equal(2, code);
            Assert.StartsWith($"hostmem: process {child} (", stderr); // before: "(no command line) is not QEMU"
            Assert.Contains(") has exited: a zombie its parent has not reaped yet\nhint: ", stderr, StringComparison.Ordinal);
        }
        finally { parent.Kill(entireProcessTree: true); parent.WaitForExit(); }
    }
}
