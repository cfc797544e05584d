using System.Globalization;
using Hostmem.Classification;
using Hostmem.Qemu;
using Hostmem.Topology;

namespace Hostmem.Planning;

/// <summary>
/// The guest nodes of virtio-mem devices whose backends hostmem places: the device's <c>node=</c> becomes (or is) a guest
/// node with the backend's type and host nodes, so it gets that memory's HMAT figures and tier, and no memory at boot (a
/// memory-less node: <c>-numa node,nodeid=N</c> without memdev=). The backend itself never becomes a node's memdev: QEMU
/// refuses a backend used twice, and the device's memory is the device's.
/// </summary>
public static class VirtioMemNodes
{
    public static List<LayoutNode> Add(List<LayoutNode> nodes, IReadOnlyList<(VirtioMemDevice Device, BackendPlan Plan)> plugs, int initiator)
    {
        var result = nodes.ToList();
        foreach (var group in plugs.GroupBy(p => (int)p.Device.Node).OrderBy(g => g.Key))
        {
            var first = group.First();
            string devices = string.Join(", ", group.Select(p => p.Device.Id ?? p.Device.Driver));
            ulong bytes = group.Aggregate(0UL, (s, p) => s + (p.Plan.SizeBytes ?? 0));
            string why = $"{string.Join(", ", group.Select(p => p.Device.Name))} plugs up to {Bytes.Format(bytes)} of {first.Plan.Type?.Name()} here after boot (hostmem resize)";
            int i = result.FindIndex(n => n.Id == group.Key);
            if (i >= 0)
            {
                var n = result[i];
                // A node of the user's own with neither CPUs nor memory is there for the device: it takes the device's type.
                bool bare = !n.HasCpus && n.SizeBytes == 0 && n.Type is null;
                result[i] = n with
                {
                    PlugDevice = devices, PlugBytes = bytes, Why = [.. n.Why, why],
                    Type = bare ? first.Plan.Type : n.Type, HostNodes = bare ? first.Plan.HostNodes : n.HostNodes,
                };
                continue;
            }
            result.Add(new LayoutNode
            {
                Id = group.Key, Backend = null, HostNodes = first.Plan.HostNodes, Type = first.Plan.Type, SizeBytes = 0, Author = Author.Hostmem,
                PlugDevice = devices, PlugBytes = bytes,
                Why = [$"CPU-less node with no memory at boot for {devices} ({first.Plan.Type?.Name()}), initiator node{initiator}", why],
            });
        }
        CheckNumbering(result, plugs);
        return result;
    }

    /// <summary>QEMU numbers nodes from 0 without gaps ("numa: Node ID missing: N"), and a device's node= must be one of them.</summary>
    static void CheckNumbering(List<LayoutNode> nodes, IReadOnlyList<(VirtioMemDevice Device, BackendPlan Plan)> plugs)
    {
        var ids = nodes.Select(n => n.Id).ToHashSet();
        int missing = Enumerable.Range(0, ids.Max() + 1).FirstOrDefault(i => !ids.Contains(i), -1);
        if (missing < 0) return;
        var far = plugs.Select(p => p.Device).First(d => (int)d.Node > missing);
        throw new UserError(
            $"{far.Where}: node={far.Node}, but the guest has no node {missing.ToString(CultureInfo.InvariantCulture)} (QEMU: numa: Node ID missing: {missing})",
            $"give the device node={missing} (the next free guest node), or declare the nodes before it with -numa node,nodeid=N");
    }
}
