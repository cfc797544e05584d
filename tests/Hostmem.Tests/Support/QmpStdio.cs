using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Hostmem.Tests.Support;

/// <summary>Starts QEMU paused with QMP on stdio, asks query-memdev, quits: what QEMU really made of a command line.</summary>
public static class QmpStdio
{
    /// <summary>The memdevs QEMU reports (null when it refused the command line) and its stderr.</summary>
    public static (JsonArray? Memdevs, string Stderr) QueryMemdev(string binary, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(binary) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args.Concat(["-S", "-display", "none", "-accel", "tcg", "-nodefaults", "-qmp", "stdio"])) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.StandardInput.WriteLine("{\"execute\":\"qmp_capabilities\"}");
        p.StandardInput.WriteLine("{\"execute\":\"query-memdev\"}");
        p.StandardInput.WriteLine("{\"execute\":\"quit\"}");
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000)) { p.Kill(); throw new TimeoutException("qemu did not exit"); }
        foreach (var line in stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            if (JsonNode.Parse(line) is JsonObject o && o["return"] is JsonArray arr) return (arr, stderr.Result);
        return (null, stderr.Result);
    }
}
