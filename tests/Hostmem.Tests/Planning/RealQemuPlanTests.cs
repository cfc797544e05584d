using System.Diagnostics;
using System.Text.Json.Nodes;
using Hostmem.Classification;
using Hostmem.Discovery;
using Hostmem.Planning;
using Hostmem.Qemu;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Planning;

/// <summary>The QEMU binaries these tests run: QEMU 10 (installed by lab/install-deps) and QEMU 7.2 (unpacked by lab/qemu72,
/// which these tests run when lab/work/qemu72 is absent: apt-get download from bookworm, about 20 s).</summary>
public static class QemuBinaries
{
    public const string Qemu10 = "/usr/bin/qemu-system-x86_64";

    static readonly Lazy<(string? Path, string? Why)> qemu72 = new(() =>
    {
        var wrapper = Path.Combine(Trees.RepoRoot, "lab", "work", "qemu72", "qemu-system-x86_64");
        if (File.Exists(wrapper)) return (wrapper, null);
        try
        {
            var printed = Trees.RunIn(Trees.RepoRoot, Path.Combine(Trees.RepoRoot, "lab", "qemu72")).Trim().Split('\n')[^1];
            return File.Exists(printed) ? (printed, null) : (null, $"lab/qemu72 printed '{printed}', not a file");
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return (null, "lab/qemu72 could not unpack QEMU 7.2: " + e.Message);
        }
    });

    public static string Path_(string version) => version == "7.2" ? qemu72.Value.Path ?? "" : Qemu10;

    public static string? Missing(string version) => version == "7.2" ? qemu72.Value.Why
        : File.Exists(Qemu10) ? null : $"{Qemu10} is not installed (lab/install-deps installs QEMU 10)";

    public static IEnumerable<object[]> Versions() => [["10.0"], ["7.2"]];
}

/// <summary>
/// hostmem's output fed to real QEMU 10.0 and 7.2, paused (-S), TCG, QMP on stdio: QEMU accepts every line hostmem writes,
/// and query-memdev shows the policy and host nodes hostmem chose. Through the CLI, hostmem execs QEMU (same PID).
/// A version that cannot be had makes the test fail with the reason: these results are what `hostmem qemu` promises.
/// </summary>
public class RealQemuPlanTests
{
    static string HostmemApphost => Path.Combine(AppContext.BaseDirectory, "hostmem");

    /// <summary>Starts FILE ARGS, waits for the QMP greeting on stdout, runs query-memdev, quits. Returns the memdevs, stderr
    /// and the path /proc/PID/exe pointed to once QEMU was up (PID = the process started).</summary>
    static (JsonArray? Memdevs, string Stderr, string? Exe, int ExitCode) Run(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string? exe = null;
        JsonArray? memdevs = null;
        var greeting = p.StandardOutput.ReadLine();
        if (greeting is not null && greeting.Contains("\"QMP\"", StringComparison.Ordinal))
        {
            try { exe = new FileInfo($"/proc/{p.Id}/exe").LinkTarget; } catch (IOException) { }
            p.StandardInput.WriteLine("{\"execute\":\"qmp_capabilities\"}");
            p.StandardInput.WriteLine("{\"execute\":\"query-memdev\"}");
            p.StandardInput.Flush();
            for (string? line; (line = p.StandardOutput.ReadLine()) is not null;)
                if (JsonNode.Parse(line) is JsonObject o && o["return"] is JsonArray arr) { memdevs = arr; break; }
            p.StandardInput.WriteLine("{\"execute\":\"quit\"}");
            p.StandardInput.Close();
        }
        p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(60_000)) { p.Kill(); throw new TimeoutException($"{file} did not exit"); }
        return (memdevs, stderr.Result, exe, p.ExitCode);
    }

    static readonly string[] Paused = ["-machine", "none", "-S", "-display", "none", "-accel", "tcg", "-nodefaults", "-qmp", "stdio"];

    static JsonObject Memdev(JsonArray memdevs, string id) => memdevs.OfType<JsonObject>().Single(m => (string?)m["id"] == id);
    static string Show(JsonObject m) => $"{(string?)m["id"]} [{string.Join(",", Nodes(m))}] {(string?)m["policy"]}";
    static int[] Nodes(JsonObject m) => m["host-nodes"]!.AsArray().Select(n => (int)n!).ToArray();

    static void NeedQemu(string version)
    {
        if (QemuBinaries.Missing(version) is { } why) Assert.Fail(why);
    }

    [Theory]
    [MemberData(nameof(QemuBinaries.Versions), MemberType = typeof(QemuBinaries))]
    public void Hostmem_qemu_execs_qemu_with_dram_bound_to_node0(string version)
    {
        NeedQemu(version);
        var qemu = QemuBinaries.Path_(version);
        string[] args = ["qemu", "--", qemu, .. Paused,
            "-object", "memory-backend-ram,id=m,size=32M,host-mem-type=dram,prealloc=on",
            "-object", """{"qom-type":"memory-backend-ram","id":"j","size":16777216,"host-mem-type":"dram","host-mem-policy":"preferred"}""",
            "-object", "memory-backend-memfd,id=f,size=16M,host-mem-type=dram,host-mem-policy=interleave",
            "-object", "memory-backend-ram,id=plain,size=8M"];
        var (memdevs, err, exe, code) = Run(HostmemApphost, args);
        Assert.True(memdevs is not null, $"exit {code}: {err}");
        Assert.Equal(0, code);
        Assert.NotNull(exe);
        Assert.Contains("qemu-system-x86_64", exe); // the same PID is QEMU now: hostmem exec'd it
        Assert.Equal("m [0] bind", Show(Memdev(memdevs!, "m")));
        Assert.Equal("j [0] preferred", Show(Memdev(memdevs!, "j")));
        Assert.Equal("f [0] interleave", Show(Memdev(memdevs!, "f")));
        Assert.Equal("default", (string?)Memdev(memdevs!, "plain")["policy"]);
    }

    [Theory]
    [MemberData(nameof(QemuBinaries.Versions), MemberType = typeof(QemuBinaries))]
    public void Non_contiguous_host_nodes_as_hostmem_writes_them_are_read_by_qemu(string version)
    {
        NeedQemu(version);
        // A host whose dram is node0 and node2 (two-socket-cxl with node1 relabelled): hostmem writes [0,2].
        var real = ClassifiedHost.From(TopologyReader.Read(Trees.Project("two-socket-cxl")));
        var host = real with { Classes = [.. real.Classes.Select(c => c with { Type = c.Node is 0 or 2 ? HostMemType.Dram : HostMemType.CxlRam })] };
        var cmd = QemuCommandLine.Parse(["q",
            "-object", "memory-backend-ram,id=kv,size=8M,host-mem-type=dram,host-mem-nodes=all",
            "-object", """{"qom-type":"memory-backend-ram","id":"js","size":8388608,"host-mem-type":"dram","host-mem-nodes":"all"}"""]);
        var argv = Planner.Plan(host, cmd, new PlanOptions([0], "test")).ToArgv();
        Assert.Equal("memory-backend-ram,id=kv,size=8M,host-nodes=0,host-nodes=2,policy=bind", argv[2]);
        Assert.Equal("""{"qom-type":"memory-backend-ram","id":"js","size":8388608,"host-nodes":[0,2],"policy":"bind"}""", argv[4]);
        // This host has node 0 only; mbind() accepts a mask with at least one online allowed node, so [0,2] binds.
        var (memdevs, err, _, _) = Run(QemuBinaries.Path_(version), [.. Paused, .. argv[1..]]);
        Assert.True(memdevs is not null, err);
        Assert.Equal([0, 2], Nodes(Memdev(memdevs!, "kv")));
        Assert.Equal([0, 2], Nodes(Memdev(memdevs!, "js")));
        Assert.Equal("bind", (string?)Memdev(memdevs!, "kv")["policy"]);
    }

    [Theory]
    [MemberData(nameof(QemuBinaries.Versions), MemberType = typeof(QemuBinaries))]
    public void Dotted_list_syntax_is_refused_by_qemu(string version)
    {
        NeedQemu(version);
        var (memdevs, err, _, _) = Run(QemuBinaries.Path_(version), [.. Paused, "-object", "memory-backend-ram,id=a,size=1M,host-nodes.0=0,host-nodes.1=2,policy=bind"]);
        Assert.Null(memdevs);
        Assert.Contains("host-nodes.", err);
    }

    [Fact]
    public void Bad_input_exits_2_with_one_line_and_a_hint_and_qemu_is_not_started()
    {
        var (code, stdout, stderr) = Tool.Run(HostmemApphost,
            ["qemu", "--", QemuBinaries.Qemu10, .. Paused, "-object", "memory-backend-ram,id=m,size=32M,host-mem-type=cxl-ram,host-nodes=0"]);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, code);
        Assert.Equal("", stdout); // QEMU would have printed its QMP greeting
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("hostmem: memory-backend-ram 'm': 'host-mem-type=' and 'host-nodes='/'policy=' are incompatible", lines[0]);
        Assert.StartsWith("hint: ", lines[1]);
    }

    [Fact]
    public void Qemus_exit_status_is_the_users()
    {
        var (code, _, _) = Tool.Run(HostmemApphost, ["qemu", "--", "sh", "-c", "exit 7", "-object", "memory-backend-ram,id=m,size=1M,host-mem-type=dram"]);
        Assert.Equal(7, code);
    }
}
