using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Hostmem.Tests.Planning;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Status;

/// <summary>
/// `hostmem status` against a live QEMU 10 on this machine (node 0): a 64 MiB backend bound to node 0 with prealloc, and a
/// default-policy backend beside it; through --qmp, through --pid alone (QMP found on QEMU's command line, by -qmp or by
/// -chardev/-mon), and through --pid with no QMP at all. Then the bad inputs: a human-monitor socket, a busy QMP, a
/// PID that is not QEMU, no permission.
/// </summary>
public class StatusLiveTests
{
    const ulong MiB = 1 << 20;
    static readonly string[] Backends =
    [
        "-m", "64M", "-object", "memory-backend-ram,id=m,size=64M,host-nodes=0,policy=bind,prealloc=on", "-numa", "node,memdev=m",
        "-object", "memory-backend-ram,id=plain,size=32M,prealloc=on",
    ];

    static LiveQemu Start(LiveQemu.Monitor monitor = LiveQemu.Monitor.Qmp) => new(QemuBinaries.Qemu10, Backends, monitor);

    static JsonObject Backend(JsonNode report, string id) =>
        report["backends"]!.AsArray().Select(b => b!.AsObject()).Single(b => (string?)b["id"] == id);

    static JsonNode Json((int Code, string Out, string Err) run)
    {
        Assert.True(run.Code == 0, $"exit {run.Code}\n{run.Out}\n{run.Err}");
        return JsonNode.Parse(run.Out)!;
    }

    /// <summary>What the brief asks of every live run: every page of the bound backend on node 0, policy bind, host-nodes [0].</summary>
    static void AssertBoundAndDefault(JsonNode report, string match)
    {
        var m = Backend(report, "m");
        Assert.Equal("bind", (string?)m["policy"]);
        Assert.Equal("[0]", m["host_nodes"]!.ToJsonString());
        Assert.Equal("bind:0", (string?)m["mapping_policy"]);
        Assert.Equal(match, (string?)m["match"]);
        Assert.Equal(64 * MiB, (ulong)m["size_bytes"]!);
        Assert.Equal(64 * MiB, (ulong)m["resident_bytes"]!);
        Assert.Equal(100.0, (double)m["resident_percent"]!);
        var node = Assert.Single(m["nodes"]!.AsArray())!;
        Assert.Equal((0, 64 * MiB, 100.0, true), ((int)node["node"]!, (ulong)node["bytes"]!, (double)node["percent"]!, (bool)node["intended"]!));
        Assert.False((bool)m["pages_outside"]!);
        var plain = Backend(report, "plain");
        Assert.Equal(("default", "default", "[]"), ((string?)plain["policy"], (string?)plain["mapping_policy"], plain["host_nodes"]!.ToJsonString()));
        Assert.Equal(32 * MiB, (ulong)plain["resident_bytes"]!);
        Assert.Equal(0, (int)Assert.Single(plain["nodes"]!.AsArray())!["node"]!);
        Assert.False((bool)report["problem"]!);
    }

    [NeedsProgramFact("qemu-system-x86_64")]
    public void Qmp_socket_shows_every_page_of_the_bound_backend_on_node_0()
    {
        using var q = Start();
        var report = Json(HostmemCli.Run("status", "--qmp", q.QmpSocket, "--format", "json"));
        Assert.Equal(q.Pid, (int)report["pid"]!); // from the socket's peer credentials
        Assert.Equal(("qmp", q.QmpSocket, "10.0.2"), ((string?)report["backends_from"], (string?)report["qmp_socket"], (string?)report["qemu_version"]));
        AssertBoundAndDefault(report, "ramblock-name");
        Assert.Equal("ramblock-size", (string?)Backend(report, "plain")["match"]); // not used by a device: no block name
        // The address status tied the backend to is where numa_maps shows the bound mapping, read here independently.
        Assert.Contains($"{((string)Backend(report, "m")["host_address"]!)[2..]} bind:0 anon=16384 dirty=16384", q.NumaMaps());
    }

    [NeedsProgramFact("qemu-system-x86_64")]
    public void Pid_alone_finds_the_qmp_socket_on_the_command_line()
    {
        using var q = Start();
        var report = Json(HostmemCli.Run("status", "--pid", q.Pid.ToString(), "--json"));
        Assert.Equal(("qmp", q.QmpSocket), ((string?)report["backends_from"], (string?)report["qmp_socket"]));
        AssertBoundAndDefault(report, "ramblock-name");
    }

    [NeedsProgramFact("qemu-system-x86_64")]
    public void Pid_alone_finds_a_qmp_chardev_used_by_mon_mode_control()
    {
        using var q = Start(LiveQemu.Monitor.QmpViaChardev);
        var report = Json(HostmemCli.Run("status", "--pid", q.Pid.ToString(), "--format", "json"));
        Assert.Equal(q.QmpSocket, (string?)report["qmp_socket"]);
        AssertBoundAndDefault(report, "ramblock-name");
    }

    [NeedsProgramFact("qemu-system-x86_64")]
    public void Pid_without_any_qmp_ties_the_command_lines_backends_by_mapping_size()
    {
        using var q = Start(LiveQemu.Monitor.HumanOnly);
        var report = Json(HostmemCli.Run("status", "--pid", q.Pid.ToString(), "--format", "json"));
        Assert.Equal("command-line", (string?)report["backends_from"]);
        Assert.Null((string?)report["qmp_socket"]);
        AssertBoundAndDefault(report, "mapping-size");
        Assert.Contains("QEMU's command line has no QMP socket (-qmp unix:PATH,server=on)", report["notes"]!.AsArray().Select(n => (string?)n));
    }

    [NeedsProgramFact("qemu-system-x86_64")]
    public void The_table_has_one_row_per_backend_with_its_pages_by_node()
    {
        using var q = Start();
        var (code, stdout, stderr) = HostmemCli.Run("status", "--qmp", q.QmpSocket);
        Assert.True(code == 0, stderr);
        Assert.StartsWith($"QEMU pid {q.Pid}, QEMU 10.0.2, QMP {q.QmpSocket}\n", stdout);
        Assert.Matches(@"(?m)^m +64 MiB +bind +0 +bind:0 +4 KiB +64 MiB \(100%\) +node0 64 MiB 100% +ok$", stdout);
        Assert.Matches(@"(?m)^plain +32 MiB +default +- +default +4 KiB +32 MiB \(100%\) +node0 32 MiB 100% +ok$", stdout);
        Assert.DoesNotContain("\u001b[", stdout); // NO_COLOR
    }

    [NeedsProgramFact("qemu-system-x86_64")]
    public void Qemu_7_2_is_read_through_its_mapping_sizes()
    {
        if (QemuBinaries.Missing("7.2") is { } why) Assert.Fail(why);
        using var q = new LiveQemu(QemuBinaries.Path_("7.2"), Backends);
        var report = Json(HostmemCli.Run("status", "--qmp", q.QmpSocket, "--format", "json"));
        Assert.StartsWith("7.2.", (string?)report["qemu_version"]);
        AssertBoundAndDefault(report, "mapping-size");
        Assert.Contains(report["notes"]!.AsArray(), n => ((string?)n)!.Contains("'info ramblock' shows no host addresses", StringComparison.Ordinal));
    }

    [NeedsProgramFact("qemu-system-x86_64")]
    public void A_human_monitor_socket_is_not_qmp()
    {
        using var q = Start(LiveQemu.Monitor.HumanOnly);
        var (code, stdout, stderr) = HostmemCli.Run("status", "--qmp", q.HumanSocket);
        Assert.Equal(2, code);
        Assert.Empty(stdout);
        Assert.Equal($"hostmem: {q.HumanSocket} is not a QMP socket: it said 'QEMU 10.0.2 monitor - type 'help' for more information'\n"
            + "hint: that is the human monitor (HMP, -monitor); give the socket of -qmp (or of -mon mode=control)\n", stderr);
    }

    [NeedsProgramFact("qemu-system-x86_64")]
    public void A_qmp_socket_held_by_another_client_times_out_with_a_hint()
    {
        using var q = Start();
        using var holder = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        holder.Connect(new UnixDomainSocketEndPoint(q.QmpSocket));
        var buffer = new byte[4096];
        Assert.Contains("\"QMP\"", System.Text.Encoding.UTF8.GetString(buffer, 0, holder.Receive(buffer))); // this client has the monitor
        var (code, _, stderr) = HostmemCli.Run("status", "--qmp", q.QmpSocket, "--timeout", "1");
        Assert.Equal(2, code);
        Assert.StartsWith($"hostmem: no QMP greeting from {q.QmpSocket} within 1 s\nhint: QMP serves one client at a time", stderr);
        // --pid falls back to the command line's backends, and says why.
        var report = Json(HostmemCli.Run("status", "--pid", q.Pid.ToString(), "--timeout", "1", "--json"));
        Assert.Equal("command-line", (string?)report["backends_from"]);
        Assert.Contains(report["notes"]!.AsArray(), n => ((string?)n)!.EndsWith($"no QMP greeting from {q.QmpSocket} within 1 s", StringComparison.Ordinal));
        AssertBoundAndDefault(report, "mapping-size");
    }

    [NeedsProgramFact("qemu-system-x86_64")]
    public void The_pid_and_the_socket_must_be_the_same_qemu()
    {
        using var q = Start();
        var (code, _, stderr) = HostmemCli.Run("status", "--qmp", q.QmpSocket, "--pid", Environment.ProcessId.ToString());
        Assert.Equal(2, code);
        Assert.StartsWith($"hostmem: QMP socket {q.QmpSocket} belongs to process {q.Pid}, not {Environment.ProcessId}\n", stderr);
    }

    [Fact]
    public void A_process_that_is_not_qemu_is_refused()
    {
        var (code, stdout, stderr) = HostmemCli.Run("status", "--pid", Environment.ProcessId.ToString());
        Assert.Equal(2, code);
        Assert.Empty(stdout);
        Assert.StartsWith($"hostmem: process {Environment.ProcessId} (", stderr);
        Assert.Contains(") is not QEMU (a qemu-system-* program)\nhint: give the PID of a qemu-system process", stderr);
    }

    [AsRootWithSetprivFact]
    public void Without_permission_to_read_its_files_the_error_says_whose_user_to_be()
    {
        using var q = Start();
        var psi = new ProcessStartInfo("setpriv") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--reuid=nobody", "--regid=nogroup", "--clear-groups", Path.Combine(AppContext.BaseDirectory, "hostmem"), "status", "--pid", q.Pid.ToString() })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(60_000));
        Assert.Equal(2, p.ExitCode);
        Assert.Empty(stdout.Result);
        Assert.Equal($"hostmem: no permission to read /proc/{q.Pid}/numa_maps\n"
            + "hint: run hostmem status as the user that runs QEMU, or as root: it only reads that process's files (ptrace read access)\n", stderr);
    }

    [Theory]
    [InlineData(new string[0], "hostmem: give --pid PID or --qmp SOCKET")]
    [InlineData(new[] { "--pid", "abc" }, "hostmem: --pid 'abc' is not a process id")]
    [InlineData(new[] { "--pid", "0" }, "hostmem: --pid '0' is not a process id")]
    [InlineData(new[] { "--pid", "2147483647" }, "hostmem: no process 2147483647")]
    [InlineData(new[] { "--qmp", "/nonexistent/qmp.sock" }, "hostmem: no QMP socket at /nonexistent/qmp.sock")]
    [InlineData(new[] { "--qmp", "/" }, "hostmem: / is a folder, not a QMP socket")]
    [InlineData(new[] { "--qmp", "/etc/hostname" }, "hostmem: QMP socket /etc/hostname refused the connection: nothing listens there, or it is not a socket")]
    [InlineData(new[] { "--pid", "1", "--timeout", "-1" }, "hostmem: --timeout '-1' is not a number of seconds")]
    [InlineData(new[] { "--pid", "1", "--format", "xml" }, "hostmem: Argument 'xml' not recognized. Must be one of: 'table' 'json'")]
    public void Bad_input_is_one_line_and_a_hint(string[] args, string problem)
    {
        var (code, stdout, stderr) = HostmemCli.Run(["status", .. args]);
        Assert.Equal(2, code);
        Assert.Empty(stdout);
        var lines = stderr.TrimEnd('\n').Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.Equal(problem, lines[0]);
        Assert.StartsWith("hint: ", lines[1]);
    }
}

/// <summary>Needs root (to become another user) and setpriv (util-linux): skipped with the reason otherwise.</summary>
public sealed class AsRootWithSetprivFactAttribute : FactAttribute
{
    public AsRootWithSetprivFactAttribute()
    {
        Skip = Prerequisites.Skip(Environment.UserName != "root" ? "runs hostmem as user nobody, which only root can do"
            : !Programs.Exists("setpriv") ? "setpriv (util-linux) is not installed"
            : !Programs.Exists("qemu-system-x86_64") ? "qemu-system-x86_64 is not installed (lab/install-deps installs it)" : null);
    }
}
