using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Planning;

/// <summary>Backend ids hostmem turns into guest nodes (memdev=ID): only ids QEMU 10 takes, each once. QEMU's own words
/// come from qemu-system-x86_64 10.0.2 (object-id-invalid.qemu and object-id-duplicate.qemu in the lint corpus run them).</summary>
public class BackendIdTests
{
    static readonly string TwoSocket = Trees.Archive("two-socket-cxl");

    [Fact]
    public void Two_backends_with_one_id_are_refused_not_planned_as_two_nodes()
    {
        // Before: exit 0, guest node1 and node2 both memdev=m; QEMU: "Duplicate ID 'm' for object".
        var (code, stdout, stderr) = HostmemCli.Run("plan", "--sysfs", TwoSocket, "--", "qemu-system-x86_64",
            "-object", "memory-backend-ram,id=m,size=64M,host-mem-type=cxl-ram", "-object", "memory-backend-ram,id=m,size=64M,host-mem-type=cxl-ram");
        Assert.Equal(2, code);
        Assert.Empty(stdout);
        Assert.Equal("hostmem: two -object memory-backend-* with id=m: Duplicate ID 'm' for object\nhint: give each -object its own id=\n", stderr);
    }

    [Fact]
    public void An_id_with_an_escaped_comma_is_refused_in_qemus_words()
    {
        // Before: planned, and written back as memdev=m,x (a second key 'x' to QEMU). QEMU 10 refuses the id itself.
        var (code, _, stderr) = HostmemCli.Run("plan", "--sysfs", TwoSocket, "--", "qemu-system-x86_64",
            "-object", "memory-backend-ram,id=m,,x,size=64M,host-mem-type=cxl-ram");
        Assert.Equal(2, code);
        Assert.StartsWith("hostmem: memory-backend-ram 'm,x': Parameter 'id' expects an identifier\nhint: Identifiers consist of letters, digits", stderr);
    }
}
