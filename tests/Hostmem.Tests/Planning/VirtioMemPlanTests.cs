using System.Diagnostics;
using System.Text.Json.Nodes;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Planning;

/// <summary>
/// host-mem-type= on a virtio-mem device's memdev: the device's node= becomes a CPU-less guest node with no boot memory and
/// the backend's figures and tier; -m gets maxmem= room for the device; the layouts a guest would not honour are said or
/// refused. Every line hostmem writes is started by the real QEMU 10.0 and 7.2 (paused), which must report the device on
/// the planned node; QEMU 7.2's missing dynamic-memslots is refused by hostmem, asking the real 7.2 binary.
/// </summary>
public class VirtioMemPlanTests
{
    const ulong MiB = 1UL << 20;
    static string Tree => Trees.Project("cxl-ram-genport");

    static string[] Line(string qemu, params string[] more) =>
    [
        qemu, "-M", "q35", "-m", "256M",
        "-object", "memory-backend-ram,id=vmem0,size=256M,host-mem-type=cxl-ram",
        "-device", "virtio-mem-pci,id=vm0,memdev=vmem0,node=1,requested-size=0", .. more,
    ];

    static JsonNode Plan(params string[] line)
    {
        var (code, stdout, stderr) = HostmemCli.Run(["plan", "--sysfs", Tree, "--cpus", "0", "--", .. line]);
        Assert.True(code == 0, $"exit {code}\n{stderr}");
        return JsonNode.Parse(stdout)!;
    }

    static JsonObject GuestNode(JsonNode plan, int id) => plan["guest_nodes"]!.AsArray().Select(n => n!.AsObject()).Single(n => (int)n["guest_node"]! == id);
    static string[] Argv(JsonNode plan) => [.. plan["argv"]!.AsArray().Select(a => (string)a!)];

    [Fact]
    public void The_devices_node_is_cpu_less_empty_at_boot_and_tiered_from_the_backends_figures()
    {
        var plan = Plan(Line("qemu-system-x86_64"));
        var node1 = GuestNode(plan, 1);
        Assert.Equal((null, "cxl-ram", 0UL, "vm0", 256 * MiB), ((string?)node1["backend"], (string?)node1["type"], (ulong)node1["size_bytes"]!,
            (string?)node1["plug_device"], (ulong)node1["plug_bytes"]!));
        // The host's node1 access1 in the recorded tree (tests/fixtures/INDEX.md: 17350/17450 ns, 16000 MB/s), and the tier
        // by the kernel's formula: 576 * 34800 / 200 * 524200 / 32000 = 1641859 (integer steps), >> 7 = 12826 (the lab guest's).
        Assert.Equal((17350u, 17450u, 16000u, 12826u), ((uint)node1["read_latency_ns"]!, (uint)node1["write_latency_ns"]!, (uint)node1["read_bandwidth_mbps"]!, (uint)node1["predicted_tier"]!));
        var argv = Argv(plan);
        Assert.Contains("node,nodeid=1,initiator=0", argv);
        Assert.Contains("256M,maxmem=512M", argv);       // main RAM 256M + the 256M memdev (QEMU maps device memory above -m)
        Assert.Contains("memory-backend-ram,id=vmem0,size=256M,host-nodes=1,policy=bind", argv);
        Assert.DoesNotContain(argv, a => a.StartsWith("node,", StringComparison.Ordinal) && a.Contains("memdev=vmem0", StringComparison.Ordinal));
        Assert.Contains(plan["notes"]!.AsArray(), n => (string?)n!["code"] == "maxmem-set");
    }

    [Theory]
    [MemberData(nameof(QemuBinaries.Versions), MemberType = typeof(QemuBinaries))]
    public async Task Qemu_starts_the_planned_line_with_the_device_on_the_planned_node(string version)
    {
        if (QemuBinaries.Missing(version) is { } why) Assert.Fail(why);
        var argv = Argv(Plan(Line(QemuBinaries.Path_(version))));
        // This machine has only host node 0: the binding to the recorded host's node1 is left out (as the lab tests do).
        var args = argv[1..].Select(a => a.Replace(",host-nodes=1,policy=bind", "", StringComparison.Ordinal))
            .Concat(["-S", "-display", "none", "-accel", "tcg", "-nodefaults", "-qmp", "stdio"]);
        var psi = new ProcessStartInfo(argv[0]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        if (p.StandardOutput.ReadLine()?.Contains("\"QMP\"", StringComparison.Ordinal) != true) Assert.Fail(await stderr);
        p.StandardInput.WriteLine("""{"execute":"qmp_capabilities"}""");
        p.StandardInput.WriteLine("""{"execute":"query-memory-devices"}""");
        p.StandardInput.Flush();
        JsonObject? device = null;
        for (string? line; device is null && (line = p.StandardOutput.ReadLine()) is not null;)
            if (JsonNode.Parse(line) is JsonObject { } o && o["return"] is JsonArray arr) device = arr[0]!["data"]!.AsObject();
        p.StandardInput.WriteLine("""{"execute":"quit"}""");
        Assert.True(p.WaitForExit(30_000));
        Assert.NotNull(device);
        Assert.Equal((1u, 256 * MiB, 0UL), ((uint)device!["node"]!, (ulong)device["max-size"]!, (ulong)device["size"]!));
    }

    [Fact]
    public void A_users_empty_last_node_takes_the_devices_type_and_figures_and_keeps_its_id()
    {
        var plan = Plan("qemu-system-x86_64", "-M", "q35", "-m", "256M", "-smp", "1",
            "-object", "memory-backend-ram,id=m0,size=256M", "-numa", "node,nodeid=0,cpus=0,memdev=m0", "-numa", "node,nodeid=1",
            "-object", "memory-backend-ram,id=vmem0,size=256M,host-mem-type=cxl-ram",
            "-device", "virtio-mem-pci,id=vm0,memdev=vmem0,node=1");
        var node1 = GuestNode(plan, 1);
        // The same figures and tier as hostmem's own node for the device (the lab guest's memory_tier12826).
        Assert.Equal(("cxl-ram", "vm0", 17350u, 12826u), ((string?)node1["type"], (string?)node1["plug_device"], (uint)node1["read_latency_ns"]!, (uint)node1["predicted_tier"]!));
        Assert.Contains("node,nodeid=1,initiator=0", Argv(plan));
        Assert.Equal(2, plan["guest_nodes"]!.AsArray().Count);
        Assert.DoesNotContain(plan["notes"]!.AsArray(), n => (string?)n!["severity"] == "warning" && (string?)n["code"] != "implausible-latency");
    }

    [Fact]
    public void An_empty_node_before_the_last_is_said_to_lose_its_memory_to_node0()
    {
        // Measured in a 6.12 guest (docs/resize.md): node1 empty, node2 with memory; the device's memory went to node 0.
        var plan = Plan("qemu-system-x86_64", "-M", "q35", "-m", "320M", "-smp", "1",
            "-object", "memory-backend-ram,id=m0,size=256M", "-numa", "node,nodeid=0,cpus=0,memdev=m0", "-numa", "node,nodeid=1",
            "-object", "memory-backend-ram,id=m2,size=64M", "-numa", "node,nodeid=2,memdev=m2",
            "-object", "memory-backend-ram,id=vmem0,size=256M,host-mem-type=cxl-ram",
            "-device", "virtio-mem-pci,id=vm0,memdev=vmem0,node=1");
        Assert.Contains(plan["notes"]!.AsArray(), n => (string?)n!["code"] == "plug-node-unknown" && (string?)n["severity"] == "warning");
        Assert.Null((uint?)GuestNode(plan, 1)["predicted_tier"]);
        Assert.Contains("320M,maxmem=576M", Argv(plan));
    }

    [Fact]
    public void Bad_layouts_are_refused_in_one_line()
    {
        var gap = HostmemCli.Run(["plan", "--sysfs", Tree, "--cpus", "0", "--", .. Line("qemu-system-x86_64")[..^2],
            "-device", "virtio-mem-pci,id=vm0,memdev=vmem0,node=3"]);
        Assert.Equal(2, gap.Code);
        Assert.StartsWith("hostmem: -device 'virtio-mem-pci,id=vm0,memdev=vmem0,node=3': node=3, but the guest has no node 1 (QEMU: numa: Node ID missing: 1)", gap.Err);
        var small = HostmemCli.Run(["plan", "--sysfs", Tree, "--cpus", "0", "--", .. Line("qemu-system-x86_64", "-m", "256M,maxmem=384M")]);
        Assert.Equal(2, small.Code);
        Assert.Contains("hint: give maxmem=512M or more", small.Err);
        Assert.Equal(2, small.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Theory]
    [MemberData(nameof(QemuBinaries.Versions), MemberType = typeof(QemuBinaries))]
    public void Dynamic_memslots_is_refused_for_a_qemu_without_it(string version)
    {
        if (QemuBinaries.Missing(version) is { } why) Assert.Fail(why);
        var run = HostmemCli.Run(["plan", "--sysfs", Tree, "--cpus", "0", "--", .. Line(QemuBinaries.Path_(version))[..^2],
            "-device", "virtio-mem-pci,id=vm0,memdev=vmem0,node=1,dynamic-memslots=on"]);
        if (version == "7.2")
        {
            // QEMU 7.2 itself: "Property 'virtio-mem-pci.dynamic-memslots' not found", only when started.
            Assert.Equal(2, run.Code);
            Assert.Contains("has no virtio-mem-pci property 'dynamic-memslots' (QEMU 8.2 added it", run.Err);
        }
        else Assert.True(run.Code == 0, run.Err);
    }
}
