using Hostmem.Topology;

namespace Hostmem.Probe;

/// <summary>The figures the host's firmware gives for one initiator -> target pair, and where they came from.</summary>
public sealed record FirmwareFigures(ulong? ReadLatencyNs, ulong? WriteLatencyNs, ulong? ReadBandwidthMBps, ulong? WriteBandwidthMBps, string Source)
{
    /// <summary>The ACPI HMAT cell when it is readable (root) and maps to nodes; else the target's sysfs access1 or access0
    /// when the initiator is one of its nearest (the kernel shows no other pairs), or when the kernel links no initiator to
    /// them (figures from a CXL generic port: the kernel tiers the node by them all the same); null when the host has none.</summary>
    public static FirmwareFigures? For(HostTopology host, int initiator, int target)
    {
        if (host.Hmat?.Between(initiator, target) is { Unreachable: false } cell)
            return new(cell.ReadLatencyNs, cell.WriteLatencyNs, cell.ReadBandwidthMBps, cell.WriteBandwidthMBps, "acpi-hmat");
        var node = host.Node(target);
        foreach (var a in new[] { node?.Access1, node?.Access0 })
            if (a is not null && (a.Initiators.Count == 0 || a.Initiators.Contains(initiator)) && (a.ReadLatencyNs ?? a.ReadBandwidthMBps) is not null)
                return new(a.ReadLatencyNs, a.WriteLatencyNs, a.ReadBandwidthMBps, a.WriteBandwidthMBps, a.Class);
        return null;
    }
}
