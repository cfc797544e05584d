using Hostmem.Classification;
using Hostmem.Topology;

namespace Hostmem.Planning;

/// <summary>
/// Memory of the asked type that the host has, but offline (not in /sys/devices/system/node/online): said as such, with
/// how to online it, instead of "no such memory on this host".
/// </summary>
public static class OfflineNodes
{
    /// <summary>The error for <paramref name="type"/> when every node of that type is offline; null when none is.</summary>
    public static UserError? Explain(ClassifiedHost host, string backend, HostMemType type)
    {
        ArgumentNullException.ThrowIfNull(host);
        var offline = host.Classes.Where(c => c.Type == type && host.Host.Node(c.Node) is { Online: false }).Select(c => c.Node).Order().ToList();
        if (offline.Count == 0) return null;
        var names = string.Join(", ", offline.Select(n => $"node{n}"));
        // kmem-onlined dax devices come back with daxctl; other memory block by block through sysfs.
        var dax = host.Host.Dax.Where(d => d.TargetNode is { } t && offline.Contains(t)).Select(d => d.Name).ToList();
        string how = dax.Count > 0
            ? $"online it: daxctl online-memory {string.Join(" ", dax)}"
            : $"online its memory blocks: for each memoryN under /sys/devices/system/node/node{offline[0]}/, echo online_movable > /sys/devices/system/memory/memoryN/state";
        return new UserError($"{backend}: the {type.Name()} memory on this host ({names}) is offline", $"{how}, then run again ('hostmem topology' marks offline nodes)");
    }
}
