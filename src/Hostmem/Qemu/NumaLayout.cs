namespace Hostmem.Qemu;

/// <summary>A guest node as declared by <c>-numa node</c>; <see cref="Id"/> is nodeid= or, without it, the number QEMU
/// gives it (the count of nodes declared before).</summary>
public sealed record NumaNodeOption(int Id, NumaOption Option, IReadOnlyList<ulong> Cpus, string? MemDev, string? Mem, ulong? Initiator)
{
    public int Index => Option.Index;
}

/// <summary>One <c>-numa hmat-lb</c>: a latency (ns) or bandwidth (bytes/s) from an initiator to a target. <see cref="Type"/>
/// is null for a data-type QEMU does not know (QEMU refuses it).</summary>
public sealed record HmatLbOption(NumaOption Option, ulong Initiator, ulong Target, string Hierarchy, string DataType, ulong? Value)
{
    public int Index => Option.Index;
    public HmatDataType? Type { get; } = HmatDataTypes.ParseQemu(DataType);
    public bool IsLatency => DataType.EndsWith("latency", StringComparison.Ordinal);
    public bool IsRead => Type?.SetsRead() ?? false;
    public bool IsWrite => Type?.SetsWrite() ?? false;
}

/// <summary>One <c>-numa dist</c>.</summary>
public sealed record NumaDistOption(NumaOption Option, ulong Src, ulong Dst, ulong Val)
{
    public int Index => Option.Index;
}

/// <summary>
/// The guest NUMA layout a command line declares, in the order QEMU reads it: -numa options are applied one by one, so
/// whether an initiator "has CPUs" or a target "exists" depends on what came before (<see cref="HasCpusAt"/>,
/// <see cref="DeclaredAt"/>); after the last one QEMU gives CPUs that no option placed to nodes by socket.
/// </summary>
public sealed class NumaLayout
{
    public IReadOnlyList<NumaNodeOption> Nodes { get; }
    public IReadOnlyList<HmatLbOption> HmatLb { get; }
    public IReadOnlyList<NumaOption> HmatCache { get; }
    public IReadOnlyList<NumaDistOption> Distances { get; }
    /// <summary><c>-numa cpu,node-id=N</c>: the node and the position of the option.</summary>
    public IReadOnlyList<(int Index, ulong Node)> CpuOptions { get; }

    /// <summary>Nodes that have CPUs once QEMU is done: cpus=, -numa cpu, or (when neither is used anywhere) QEMU's
    /// default of socket s on node s mod N.</summary>
    public IReadOnlySet<int> CpuNodes { get; }

    NumaLayout(List<NumaNodeOption> nodes, List<HmatLbOption> lb, List<NumaOption> cache, List<NumaDistOption> dist, List<(int, ulong)> cpus, ulong sockets)
    {
        Nodes = nodes;
        HmatLb = lb;
        HmatCache = cache;
        Distances = dist;
        CpuOptions = cpus;
        var explicitCpus = nodes.Where(n => n.Cpus.Count > 0).Select(n => n.Id).Concat(cpus.Select(c => (int)c.Item2)).ToHashSet();
        if (explicitCpus.Count == 0 && nodes.Count > 0)
        {
            var ids = nodes.Select(n => n.Id).Order().ToList();
            for (ulong s = 0; s < Math.Max(sockets, 1); s++) explicitCpus.Add(ids[(int)(s % (ulong)ids.Count)]);
        }
        CpuNodes = explicitCpus;
    }

    public static NumaLayout Of(QemuCommandLine command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var nodes = new List<NumaNodeOption>();
        var lb = new List<HmatLbOption>();
        var cache = new List<NumaOption>();
        var dist = new List<NumaDistOption>();
        var cpus = new List<(int, ulong)>();
        foreach (var n in command.Numa())
        {
            switch (n.Type)
            {
                case "node":
                    nodes.Add(new NumaNodeOption((int)(n.NodeId ?? (ulong)nodes.Count), n, n.Cpus, n.MemDev, n.Get("mem"), n.Initiator));
                    break;
                case "hmat-lb" when n.Initiator is { } i && n.Target is { } t && n.DataType is { } dt:
                    lb.Add(new HmatLbOption(n, i, t, n.Hierarchy ?? "memory", dt,
                        dt.EndsWith("latency", StringComparison.Ordinal) ? n.Latency : n.BandwidthAsWritten));
                    break;
                case "hmat-cache":
                    cache.Add(n);
                    break;
                case "dist" when n.Src is { } s && n.Dst is { } d && n.Val is { } v:
                    dist.Add(new NumaDistOption(n, s, d, v));
                    break;
                case "cpu" when n.UInt("node-id") is { } node:
                    cpus.Add((n.Index, node));
                    break;
            }
        }
        return new NumaLayout(nodes, lb, cache, dist, cpus, command.Smp()?.Sockets ?? 1);
    }

    public NumaNodeOption? Node(ulong id) => Nodes.FirstOrDefault(n => (ulong)n.Id == id);

    /// <summary>Whether node <paramref name="id"/> was declared by a -numa node before position <paramref name="index"/>.</summary>
    public bool DeclaredAt(ulong id, int index) => Nodes.Any(n => (ulong)n.Id == id && n.Index < index);

    /// <summary>How many nodes were declared before position <paramref name="index"/>.</summary>
    public int CountAt(int index) => Nodes.Count(n => n.Index < index);

    /// <summary>Whether node <paramref name="id"/> had CPUs (cpus= or a -numa cpu) before position <paramref name="index"/>:
    /// what QEMU knows when it reads a hmat-lb there.</summary>
    public bool HasCpusAt(ulong id, int index) =>
        Nodes.Any(n => (ulong)n.Id == id && n.Index < index && n.Cpus.Count > 0) || CpuOptions.Any(c => c.Node == id && c.Index < index);

    public bool HasCpus(int id) => CpuNodes.Contains(id);
}
