using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Planning;

/// <summary>
/// two-socket-cxl (recorded from a 6.12 guest) has cxl-ram on node2 and node3, from dax0.0 and dax1.0 (kmem). With
/// `online` rewritten to 0-1, the state `daxctl offline-memory` leaves: plan says the memory is offline and how to
/// online it, and topology marks those nodes.
/// </summary>
public class OfflineNodeTests
{
    static string OfflineCxlHost()
    {
        var tree = Trees.CopyOf(Trees.Project("two-socket-cxl"));
        File.WriteAllText(Path.Combine(tree, "sys", "devices", "system", "node", "online"), "0-1\n");
        return tree;
    }

    [Fact]
    public void Plan_says_the_type_is_offline_and_how_to_online_it()
    {
        // Before: "no cxl-ram memory on this host (it has ...; cxl-ram on node2 and node3)" with a hint to choose cxl-ram.
        var (code, _, stderr) = HostmemCli.Run("plan", "--sysfs", OfflineCxlHost(), "--", "qemu-system-x86_64",
            "-object", "memory-backend-ram,id=m,size=64M,host-mem-type=cxl-ram");
        Assert.Equal(2, code);
        Assert.Equal("hostmem: memory-backend-ram 'm': the cxl-ram memory on this host (node2, node3) is offline\n"
            + "hint: online it: daxctl online-memory dax0.0 dax1.0, then run again ('hostmem topology' marks offline nodes)\n", stderr);
    }

    [Fact]
    public void Topology_marks_offline_nodes()
    {
        var (code, stdout, _) = HostmemCli.Run("topology", "--sysfs", OfflineCxlHost());
        Assert.NotEqual(2, code); // read and shown (whether findings make it 1 is topology's own rule)
        Assert.Matches(@"(?m)^0\s+dram", stdout);
        Assert.Matches(@"(?m)^2 offline\s+cxl-ram", stdout);
        Assert.Matches(@"(?m)^3 offline\s+cxl-ram", stdout);
    }
}
