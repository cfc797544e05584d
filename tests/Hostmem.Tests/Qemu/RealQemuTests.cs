using Hostmem.Tests.Support;
using System.Text.Json.Nodes;
using Hostmem.Qemu;
using Xunit;

namespace Hostmem.Tests.Qemu;

/// <summary>A fact that is skipped, with the reason, when QEMU is not installed.</summary>
public sealed class QemuFactAttribute : FactAttribute
{
    public const string Binary = "/usr/bin/qemu-system-x86_64";

    public QemuFactAttribute()
    {
        Skip = Prerequisites.Skip(File.Exists(Binary) ? null : $"{Binary} is not installed (apt-get install qemu-system-x86 from bookworm-backports for QEMU 10)");
    }
}

/// <summary>
/// Feeds rendered command lines to the real QEMU (-machine none, TCG, paused) and reads back query-memdev.
/// Non-contiguous host-nodes: QEMU 10 accepts host-nodes=0,host-nodes=2 (repeated key) and rejects host-nodes.0=/.1=;
/// binding works here although node 2 does not exist, because mbind() only needs one allowed online node in the mask
/// (node 0 always is); a mask with no online node fails with "cannot bind memory to host NUMA nodes: Invalid argument".
/// </summary>
public class RealQemuTests
{
    // -machine none: these tests are about -object parsing, not a machine.
    static (JsonArray? Memdevs, string Stderr) QueryMemdev(IEnumerable<string> args) =>
        QmpStdio.QueryMemdev(QemuFactAttribute.Binary, new[] { "-machine", "none" }.Concat(args));

    static JsonObject Memdev(JsonArray memdevs, string id) =>
        memdevs.OfType<JsonObject>().Single(m => (string?)m["id"] == id);

    static ulong[] Nodes(JsonObject m) => m["host-nodes"]!.AsArray().Select(n => (ulong)n!).ToArray();

    [QemuFact]
    public void Rfc_backend_rewritten_with_non_contiguous_host_nodes_is_understood_by_qemu()
    {
        var cmd = QemuCommandLine.Parse(["qemu-system-x86_64", "-object", "memory-backend-ram,id=vmem0,size=19G,host-mem-type=cxlram",
            "-object", "memory-backend-ram,id=ram0,size=45G"]);
        foreach (var b in cmd.MemoryBackends())
        {
            b.Options.SetSize("size", 64UL << 20); // keep the test light on this host
            if (b.Options.Remove("host-mem-type"))
            {
                b.Options.SetUIntList("host-nodes", [0, 2, 3]);
                b.Options.Set("policy", "bind");
            }
            cmd.SetOptions(b.Index, b.Options);
        }
        var argv = cmd.ToArgv();
        Assert.Equal("memory-backend-ram,id=vmem0,size=64M,host-nodes=0,host-nodes=2-3,policy=bind", argv[2]);
        var (memdevs, err) = QueryMemdev(argv[1..]);
        Assert.True(memdevs is not null, err);
        var v = Memdev(memdevs!, "vmem0");
        Assert.Equal([0UL, 2, 3], Nodes(v));
        Assert.Equal("bind", (string?)v["policy"]);
        Assert.Equal(64UL << 20, (ulong)v["size"]!);
        Assert.Equal("default", (string?)Memdev(memdevs!, "ram0")["policy"]);
    }

    [QemuFact]
    public void Dotted_host_nodes_are_rejected_by_qemu()
    {
        var (memdevs, err) = QueryMemdev(["-object", "memory-backend-ram,id=a,size=1M,host-nodes.0=0,host-nodes.1=2,policy=bind"]);
        Assert.Null(memdevs);
        Assert.Contains("Invalid parameter 'host-nodes.1'", err);
    }

    [QemuFact]
    public void Edited_json_object_is_understood_by_qemu()
    {
        var cmd = QemuCommandLine.Parse(["q", "-object", "{\"qom-type\":\"memory-backend-ram\",\"id\":\"m\",\"size\":1073741824,\"host-mem-type\":\"cxlram\"}"]);
        var b = cmd.MemoryBackends()[0];
        b.Options.Remove("host-mem-type");
        b.Options.SetSize("size", 32UL << 20);
        b.Options.SetUIntList("host-nodes", [0, 2]);
        b.Options.Set("policy", "preferred");
        cmd.SetOptions(b.Index, b.Options);
        var (memdevs, err) = QueryMemdev(cmd.ToArgv()[1..]);
        Assert.True(memdevs is not null, err);
        var m = Memdev(memdevs!, "m");
        Assert.Equal([0UL, 2], Nodes(m));
        Assert.Equal("preferred", (string?)m["policy"]);
        Assert.Equal(32UL << 20, (ulong)m["size"]!);
    }

    [QemuFact]
    public void Fractions_hex_ranges_and_repeated_keys_mean_the_same_to_qemu_and_to_us()
    {
        string[] args = ["-object", "memory-backend-ram,id=a,size=1.5M,size=2M,policy=preferred,host-nodes=0,host-nodes=0x1-0x2,prealloc=off",
                         "-object", "memory-backend-ram,id=b,size=0x100000,id=zzz"];
        var cmd = QemuCommandLine.Parse(["q", .. args]);
        var ours = cmd.MemoryBackends();
        var (memdevs, err) = QueryMemdev(args);
        Assert.True(memdevs is not null, err);
        foreach (var b in ours)
        {
            var m = Memdev(memdevs!, b.Id!);
            Assert.Equal(b.Size, (ulong)m["size"]!);
            Assert.Equal(b.HostNodes, Nodes(m));
            Assert.Equal(b.Policy ?? "default", (string?)m["policy"]);
        }
    }
}
