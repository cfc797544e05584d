using System.Globalization;
using Hostmem.Classification;
using Hostmem.Qemu;
using Hostmem.Topology;

namespace Hostmem.Export;

/// <summary>
/// The host's memory nodes as Prometheus gauges, labelled node, type (hostmem's memory type) and tier (the kernel's
/// memory tier, or "none"): capacity and free bytes (the node's meminfo), and latency in seconds and bandwidth in bytes
/// per second from HMAT (access1: the nearest CPU initiator, what the kernel tiers by; else access0) and from measured
/// figures where given.
/// </summary>
public static class HostMetrics
{
    public static void Write(PrometheusText text, ClassifiedHost host, IReadOnlyList<MeasuredNodeFigures>? measured = null)
    {
        var nodes = host.Host.Nodes.Where(n => n.Online).ToList();
        text.Gauge("hostmem_node_memory_capacity_bytes", "Memory of the host NUMA node (MemTotal of its meminfo).");
        foreach (var n in nodes.Where(n => n.MemTotalBytes is not null)) text.Sample(n.MemTotalBytes!.Value, Labels(host, n));
        text.Gauge("hostmem_node_memory_free_bytes", "Free memory of the host NUMA node (MemFree of its meminfo).");
        foreach (var n in nodes.Where(n => n.MemFreeBytes is not null)) text.Sample(n.MemFreeBytes!.Value, Labels(host, n));

        var figures = nodes.SelectMany(n => Figures(host, n, measured)).ToList();
        text.Gauge("hostmem_node_latency_seconds",
            "Access latency of the host NUMA node from its nearest CPUs: source hmat (firmware, as the kernel shows it) or a measurement.");
        foreach (var f in figures.Where(f => f.Latency)) text.Sample(f.Value, [.. Labels(host, f.Node), ("access", f.Access), ("source", f.Source)]);
        text.Gauge("hostmem_node_bandwidth_bytes_per_second",
            "Access bandwidth of the host NUMA node from its nearest CPUs: source hmat (firmware, as the kernel shows it) or a measurement.");
        foreach (var f in figures.Where(f => !f.Latency)) text.Sample(f.Value, [.. Labels(host, f.Node), ("access", f.Access), ("source", f.Source)]);
    }

    /// <summary>The labels every node series carries.</summary>
    static (string, string)[] Labels(ClassifiedHost host, NumaNode n) =>
    [
        ("node", n.Id.ToString(CultureInfo.InvariantCulture)),
        ("type", host.ClassOf(n.Id).Type.Name()),
        ("tier", n.Tier?.ToString(CultureInfo.InvariantCulture) ?? "none"),
    ];

    readonly record struct Figure(NumaNode Node, bool Latency, string Access, string Source, double Value);

    static IEnumerable<Figure> Figures(ClassifiedHost host, NumaNode n, IReadOnlyList<MeasuredNodeFigures>? measured)
    {
        if (n.BestAccess is { } a)
            foreach (var f in Four(n, "hmat", a.ReadLatencyNs, a.WriteLatencyNs, MBps(a.ReadBandwidthMBps), MBps(a.WriteBandwidthMBps)))
                yield return f;
        foreach (var m in measured?.Where(m => m.Node == n.Id) ?? [])
            foreach (var f in Four(n, m.Source, m.ReadLatencyNs, m.WriteLatencyNs, m.ReadBandwidthBytesPerSecond, m.WriteBandwidthBytesPerSecond))
                yield return f;
    }

    static IEnumerable<Figure> Four(NumaNode n, string source, ulong? readNs, ulong? writeNs, ulong? readBps, ulong? writeBps)
    {
        if (readNs is { } r) yield return new(n, true, "read", source, r / 1e9);
        if (writeNs is { } w) yield return new(n, true, "write", source, w / 1e9);
        if (readBps is { } rb) yield return new(n, false, "read", source, rb);
        if (writeBps is { } wb) yield return new(n, false, "write", source, wb);
    }

    /// <summary>The kernel's HMAT "MB/s" in bytes per second: hostmem takes the MB as 2^20 bytes, as QEMU's hmat-lb
    /// bandwidth=NM writes it and the guest reads it back (QemuSize.MiB, ../shared/GUEST-LAB.md).</summary>
    static ulong? MBps(ulong? mbps) => mbps is { } v ? v * QemuSize.MiB : null;
}
