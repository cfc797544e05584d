using Hostmem.Discovery;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Discovery;

/// <summary>Huge page pools per node, as the kernel lays them out (Documentation/admin-guide/mm/hugetlbpage.rst:
/// /sys/devices/system/node/nodeN/hugepages/hugepages-SIZEkB/{nr,free}_hugepages).</summary>
public class HugePageTests
{
    [Fact]
    public void Each_nodes_pools_are_read_by_page_size()
    {
        var tree = Trees.CopyOf(Trees.Project("two-socket-cxl"));
        var pool = Path.Combine(tree, "sys", "devices", "system", "node", "node1", "hugepages", "hugepages-2048kB");
        File.WriteAllText(Path.Combine(pool, "nr_hugepages"), "64\n");
        File.WriteAllText(Path.Combine(pool, "free_hugepages"), "40\n");
        var host = TopologyReader.Read(tree);
        var node1 = Assert.Single(host.Nodes[1].HugePages);
        Assert.Equal((2UL << 20, 64UL, 40UL), (node1.PageSizeBytes, node1.Total!.Value, node1.Free!.Value));
        // As recorded: the guest kernel set none aside (both files read 0 in the archive).
        Assert.Equal((0UL, 0UL), (host.Nodes[0].HugePages[0].Total!.Value, host.Nodes[0].HugePages[0].Free!.Value));
    }
}
