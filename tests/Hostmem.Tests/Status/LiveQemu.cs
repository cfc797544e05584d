using Hostmem.Tests.Support;
using System.Diagnostics;
using System.Net.Sockets;

namespace Hostmem.Tests.Status;

/// <summary>
/// A real QEMU, paused (-S, TCG), for `hostmem status` to look at: started with the given arguments plus QMP on a unix
/// socket in a private folder (as <see cref="Monitor"/> says), killed on Dispose. Nothing here connects to QMP: QMP serves
/// one client at a time, and hostmem must be the one.
/// </summary>
public sealed class LiveQemu : IDisposable
{
    public enum Monitor
    {
        /// <summary>-qmp unix:DIR/qmp.sock,server=on,wait=off</summary>
        Qmp,
        /// <summary>-chardev socket,id=qmp0,path=DIR/qmp.sock,server=on,wait=off -mon chardev=qmp0,mode=control</summary>
        QmpViaChardev,
        /// <summary>only the human monitor: -monitor unix:DIR/hmp.sock,server=on,wait=off</summary>
        HumanOnly,
    }

    readonly Process process;
    public string Folder { get; }
    public string QmpSocket { get; }
    public int Pid => process.Id;

    public LiveQemu(string binary, IEnumerable<string> args, Monitor monitor = Monitor.Qmp)
    {
        Folder = Scratch.Folder("hostmem-status-");
        QmpSocket = Path.Combine(Folder, "qmp.sock");
        var psi = new ProcessStartInfo(binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in new[] { "-S", "-accel", "tcg", "-display", "none", "-nodefaults" }.Concat(args)) psi.ArgumentList.Add(a);
        string[] monitorArgs = monitor switch
        {
            Monitor.Qmp => ["-qmp", $"unix:{QmpSocket},server=on,wait=off"],
            Monitor.QmpViaChardev => ["-chardev", $"socket,id=qmp0,path={QmpSocket},server=on,wait=off", "-mon", "chardev=qmp0,mode=control"],
            _ => ["-monitor", $"unix:{HumanSocket},server=on,wait=off"],
        };
        foreach (var a in monitorArgs) psi.ArgumentList.Add(a);
        process = Process.Start(psi)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // The socket (or, without one, QEMU's command line in /proc) exists once QEMU has parsed its options; QEMU
        // greets on it after preallocating, and hostmem waits for that greeting itself.
        var until = DateTime.UtcNow.AddSeconds(60);
        string ready = monitor == Monitor.HumanOnly ? HumanSocket : QmpSocket;
        while (!File.Exists(ready))
        {
            if (process.HasExited) throw new InvalidOperationException($"{binary} exited with {process.ExitCode}");
            if (DateTime.UtcNow > until) throw new TimeoutException($"{binary} made no {ready} within 60 s");
            Thread.Sleep(50);
        }
        // Without QMP nothing tells hostmem that preallocation is over: wait for the human monitor's banner, which QEMU's
        // main loop sends only after the machine (and its memory) is built, then hang up.
        if (monitor == Monitor.HumanOnly)
        {
            using var hmp = ConnectHuman(until);
            var buffer = new byte[256];
            if (hmp.Receive(buffer) == 0) throw new InvalidOperationException("the human monitor closed without a banner");
        }
    }

    /// <summary>bind(2) makes the socket file before listen(2): a connect in between is refused, so it tries again.</summary>
    Socket ConnectHuman(DateTime until)
    {
        while (true)
        {
            var hmp = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified) { ReceiveTimeout = 60_000 };
            try
            {
                hmp.Connect(new UnixDomainSocketEndPoint(HumanSocket));
                return hmp;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused && DateTime.UtcNow < until && !process.HasExited)
            {
                hmp.Dispose();
                Thread.Sleep(50);
            }
        }
    }

    /// <summary>The human monitor's socket (<see cref="Monitor.HumanOnly"/>).</summary>
    public string HumanSocket => Path.Combine(Folder, "hmp.sock");

    public string NumaMaps() => File.ReadAllText($"/proc/{Pid}/numa_maps");

    public void Dispose()
    {
        try { if (!process.HasExited) { process.Kill(); process.WaitForExit(10_000); } }
        catch (InvalidOperationException) { }
        process.Dispose();
        try { Directory.Delete(Folder, true); } catch (IOException) { }
    }
}
