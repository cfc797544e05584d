using Hostmem.Topology;

namespace Hostmem.Planning;

/// <summary>
/// Which CPU nodes a CXL RAM node hangs off: node → dax device (target_node) → CXL region → its endpoint decoders →
/// their memdevs → each memdev's numa_node (the host bridge's proximity domain). Firmware without a SLIT gives every
/// remote pair the same distance; this says which socket the expander is actually cabled to.
/// </summary>
public static class CxlAttachment
{
    /// <summary>The numa_node of every memdev behind <paramref name="node"/>; empty when the chain is not readable.</summary>
    public static IReadOnlySet<int> Of(HostTopology host, int node)
    {
        var result = new SortedSet<int>();
        foreach (var dax in host.Dax)
        {
            if (dax.TargetNode != node || dax.ParentKind != DaxParentKind.CxlRegion || dax.Parent is null) continue;
            var region = host.Cxl.Regions.FirstOrDefault(r => r.Name == dax.Parent);
            if (region is null) continue;
            foreach (var target in region.Targets)
            {
                var port = host.Cxl.Decoders.FirstOrDefault(d => d.Name == target)?.Port;
                var memdev = port is null ? null : host.Cxl.Memdevs.FirstOrDefault(m => m.Endpoint == port);
                if (memdev?.NumaNode is { } attached) result.Add(attached);
            }
        }
        return result;
    }
}
