using System.Globalization;
using Hostmem.Classification;

namespace Hostmem.Export;

/// <summary>A node label: its key with the namespace, and its value.</summary>
public sealed record NodeLabel(string Key, string Value);

/// <summary>
/// The node labels hostmem gives a Kubernetes node through node-feature-discovery, all in NFD's own namespace
/// <c>feature.node.kubernetes.io</c> (the one nfd-master accepts without -extra-label-ns or a deny-list change; NFD's
/// pkg/apis/nfd/validate Label()):
/// <list type="bullet">
/// <item><c>hostmem-memory-TYPE=true</c> for each memory type the host has as online memory, and
/// <c>hostmem-memory-TYPE-gib=N</c> its capacity in whole GiB, rounded down (so "at least N GiB" holds);</item>
/// <item><c>hostmem-memory-tiers=N</c>: the kernel's memory tiers that hold a node (left out when the kernel has no
/// memory tiering);</item>
/// <item><c>hostmem-hmat=firmware|measured|firmware-and-measured|none</c>: where the nodes' latency and bandwidth come from;</item>
/// <item><c>hostmem-cxl-unusable=true|false</c>: CXL capacity is present but no NUMA node can use it (topology's
/// cxl-memdev-no-region, cxl-region-uncommitted, cxl-region-not-bound findings).</item>
/// </list>
/// Every value is a number, a type name or one of the words above, so it is a valid label value.
/// </summary>
public static class NfdLabels
{
    public const string Namespace = "feature.node.kubernetes.io";

    static readonly string[] UnusableCxl = ["cxl-memdev-no-region", "cxl-region-uncommitted", "cxl-region-not-bound"];

    public static IReadOnlyList<NodeLabel> From(ClassifiedHost host, IReadOnlyList<MeasuredNodeFigures>? measured = null)
    {
        var labels = new List<NodeLabel>();
        var memory = host.Host.Nodes.Where(n => n.Online && n.HasMemory).ToList();
        foreach (var type in HostMemTypeNames.All)
        {
            var ofType = memory.Where(n => host.ClassOf(n.Id).Type == type).ToList();
            if (ofType.Count == 0) continue;
            ulong bytes = ofType.Aggregate(0UL, (sum, n) => sum + n.MemTotalBytes!.Value);
            labels.Add(Label($"hostmem-memory-{type.Name()}", "true"));
            labels.Add(Label($"hostmem-memory-{type.Name()}-gib", (bytes >> 30).ToString(CultureInfo.InvariantCulture)));
        }
        if (host.Host.HasMemoryTiering)
            labels.Add(Label("hostmem-memory-tiers", host.Host.Tiers.Count(t => t.Nodes.Count > 0).ToString(CultureInfo.InvariantCulture)));
        bool firmware = memory.Any(n => n.BestAccess is { } a && (a.HasLatency || a.HasBandwidth));
        bool probed = measured?.Any(m => m.HasAny) == true;
        labels.Add(Label("hostmem-hmat", (firmware, probed) switch
        {
            (true, true) => "firmware-and-measured",
            (true, false) => "firmware",
            (false, true) => "measured",
            _ => "none",
        }));
        labels.Add(Label("hostmem-cxl-unusable", host.Diagnostics.Any(d => UnusableCxl.Contains(d.Code)) ? "true" : "false"));
        return labels;
    }

    static NodeLabel Label(string name, string value) => new($"{Namespace}/{name}", value);
}
