using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Hostmem.Tests.Fleet;

/// <summary>The real prometheus-node-exporter (Debian), on 127.0.0.1 at a free port, with only the textfile collector
/// reading <c>dir</c>; killed on Dispose. In a container it does not start by itself: the test starts it.</summary>
public sealed class NodeExporter : IDisposable
{
    readonly Process process;
    readonly int port;
    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    NodeExporter(Process process, int port)
    {
        this.process = process;
        this.port = port;
    }

    public static NodeExporter Start(string textfileDirectory)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var psi = new ProcessStartInfo("prometheus-node-exporter") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { $"--web.listen-address=127.0.0.1:{port}", "--collector.disable-defaults", "--collector.textfile",
                     $"--collector.textfile.directory={textfileDirectory}" })
            psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return new NodeExporter(p, port);
    }

    /// <summary>GET /metrics, retried until the exporter listens (30 s at most).</summary>
    public async Task<string> Scrape()
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                return await Http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
            }
            catch (HttpRequestException) when (DateTime.UtcNow < until && !process.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    public void Dispose()
    {
        try { if (!process.HasExited) { process.Kill(); process.WaitForExit(10_000); } }
        catch (InvalidOperationException) { }
        process.Dispose();
    }
}
