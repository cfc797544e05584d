using Hostmem;
using Hostmem.Qemu;
using Xunit;

namespace Hostmem.Tests.Qemu;

public class JsonOptionsTests
{
    const string Backend = "{\"qom-type\":\"memory-backend-ram\",\"id\":\"m\",\"size\":1073741824}";

    [Fact]
    public void Json_object_is_recognised_for_object_and_device()
    {
        var cmd = QemuCommandLine.Parse(["q", "-object", Backend, "-device", "{\"driver\":\"cxl-type3\",\"id\":\"d\",\"volatile-memdev\":\"m\"}"]);
        Assert.True(cmd.Arguments[0].IsJson);
        var b = Assert.Single(cmd.MemoryBackends());
        Assert.True(b.IsJson);
        Assert.Equal("m", b.Id);
        Assert.Equal(1073741824UL, b.Size);
        Assert.Equal("m", Assert.Single(cmd.CxlType3Devices()).VolatileMemdev);
    }

    [Fact]
    public void Unedited_json_renders_byte_for_byte()
    {
        const string spaced = "{ \"qom-type\" : \"memory-backend-ram\", \"id\": \"m\",\n \"size\": 1073741824 }";
        Assert.Equal(spaced, JsonOptions.Parse(spaced, "-object").Render());
    }

    [Fact]
    public void Json_object_keeps_key_order_on_render()
    {
        var j = JsonOptions.Parse(Backend, "-object");
        j.Set("id", "vmem0");
        j.SetUIntList("host-nodes", [0, 2]);
        j.Set("policy", "bind");
        Assert.Equal("{\"qom-type\":\"memory-backend-ram\",\"id\":\"vmem0\",\"size\":1073741824,\"host-nodes\":[0,2],\"policy\":\"bind\"}", j.Render());
    }

    [Fact]
    public void Json_numbers_stay_numbers()
    {
        var j = JsonOptions.Parse("{\"qom-type\":\"memory-backend-ram\",\"id\":\"m\",\"size\":1073741824,\"host-mem-type\":\"cxlram\"}", "-object");
        j.Remove("host-mem-type");
        j.SetSize("size", 19UL << 30);
        Assert.Equal("{\"qom-type\":\"memory-backend-ram\",\"id\":\"m\",\"size\":20401094656}", j.Render());
    }

    [Fact]
    public void Json_host_nodes_array_is_read()
    {
        var cmd = QemuCommandLine.Parse(["q", "-object", "{\"qom-type\":\"memory-backend-ram\",\"id\":\"m\",\"size\":1048576,\"host-nodes\":[0,2],\"policy\":\"preferred\"}"]);
        Assert.Equal([0UL, 2], cmd.MemoryBackends()[0].HostNodes);
    }

    [Fact]
    public void Json_string_size_is_rejected_like_qemu()
    {
        // QEMU 10: "Parameter 'size' expects uint64"
        var cmd = QemuCommandLine.Parse(["q", "-object", "{\"qom-type\":\"memory-backend-ram\",\"id\":\"m\",\"size\":\"1M\"}"]);
        var e = Assert.Throws<UserError>(() => cmd.MemoryBackends()[0].Size);
        Assert.Contains("expects uint64", e.Problem);
    }

    [Fact]
    public void Json_host_nodes_string_is_rejected_like_qemu()
    {
        var cmd = QemuCommandLine.Parse(["q", "-object", "{\"qom-type\":\"memory-backend-ram\",\"id\":\"m\",\"size\":1,\"host-nodes\":\"0-1\"}"]);
        Assert.Throws<UserError>(() => cmd.MemoryBackends()[0].HostNodes);
    }

    [Fact]
    public void Unbalanced_json_is_a_user_error_naming_the_argument()
    {
        const string bad = "{\"qom-type\":\"memory-backend-ram\",\"id\":\"m\",\"size\":1048576";
        var cmd = QemuCommandLine.Parse(["q", "-object", bad]);
        var e = Assert.Throws<UserError>(() => cmd.MemoryBackends());
        Assert.StartsWith($"-object '{bad}': JSON parse error", e.Problem);
    }

    [Fact]
    public void Duplicate_json_keys_are_rejected_like_qemu()
    {
        // QEMU 10: "JSON parse error, duplicate key"
        Assert.Throws<UserError>(() => JsonOptions.Parse("{\"qom-type\":\"memory-backend-ram\",\"id\":\"m\",\"id\":\"n\"}", "-object"));
    }

    [Fact]
    public void Single_quoted_json_is_rejected_with_a_hint()
    {
        var e = Assert.Throws<UserError>(() => JsonOptions.Parse("{'qom-type':'memory-backend-ram'}", "-object"));
        Assert.Contains("double-quoted", e.Hint);
    }

    [Fact]
    public void Leading_space_means_not_json()
    {
        // QEMU 10 only takes JSON when the first character is '{'.
        var cmd = QemuCommandLine.Parse(["q", "-object", " {\"qom-type\":\"memory-backend-ram\"}"]);
        Assert.False(cmd.Arguments[0].IsJson);
    }

    [Fact]
    public void Non_ascii_strings_are_written_unescaped()
    {
        var j = JsonOptions.Parse("{\"qom-type\":\"memory-backend-file\",\"id\":\"m\"}", "-object");
        j.Set("mem-path", "/mnt/pmém/x+y<z>");
        Assert.Equal("{\"qom-type\":\"memory-backend-file\",\"id\":\"m\",\"mem-path\":\"/mnt/pmém/x+y<z>\"}", j.Render());
    }
}
