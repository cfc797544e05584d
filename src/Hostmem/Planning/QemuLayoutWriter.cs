using System.Globalization;
using Hostmem.Qemu;
using Hostmem.Topology;

namespace Hostmem.Planning;

/// <summary>
/// Renders a <see cref="GuestLayout"/> onto a QEMU command line: what the layout adds and nothing the user wrote changes
/// (but for <c>initiator=</c> on their CPU-less nodes and <c>-m</c> growing by the new nodes' memory). New nodes go right
/// after the user's last <c>-numa node</c> (a user's <c>-numa dist</c> or <c>hmat-lb</c> naming them must come after them),
/// distances and HMAT entries at the end.
/// </summary>
public static class QemuLayoutWriter
{
    public static void Apply(QemuCommandLine command, GuestLayout layout, List<PlanNote> notes)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(layout);
        if (layout.IsEmpty) return;
        var numa = NumaLayout.Of(command);
        var machine = command.Machine();
        var tail = new List<QemuArgument>();
        if (layout.HmatOn && machine.Hmat is null) tail.Add(QemuArgument.Option("machine", "hmat=on"));
        GrowRam(command, layout, tail, notes);
        if (layout.Node(0) is { Author: Author.Hostmem, Backend: QemuGuestIntent.MainRamId } main)
            tail.Add(QemuArgument.Option("object", $"memory-backend-ram,id={QemuGuestIntent.MainRamId},size={QemuSize.Format(main.SizeBytes)}"));
        SetUserInitiators(command, numa, layout);

        var newNodes = layout.Nodes.Where(n => n.Author == Author.Hostmem).OrderBy(n => n.Id).Select(n => NodeArgument(command, n)).ToArray();
        if (numa.Nodes.Count > 0) command.InsertAfter(numa.Nodes.Max(n => n.Index), newNodes);
        else tail.AddRange(newNodes);
        foreach (var d in WrittenDistances(layout))
            tail.Add(QemuArgument.Option("numa", string.Create(CultureInfo.InvariantCulture, $"dist,src={d.From},dst={d.To},val={d.Value}")));
        foreach (var e in layout.AddedHmat)
            tail.Add(QemuArgument.Option("numa", string.Create(CultureInfo.InvariantCulture,
                $"hmat-lb,initiator={e.Initiator},target={e.Target},hierarchy=memory,data-type={e.DataType.QemuName()},{Value(e)}")));
        command.Add([.. tail]);
        if (layout.Nodes.Any(n => n.PlugBytes > 0)) DeviceMemoryRoom.Apply(command, notes);
    }

    /// <summary>The added distances the line needs. When every pair is symmetric QEMU fills a direction the line leaves
    /// out with the other one (hw/core/numa.c, complete_init_numa_distance), so each pair is written once, from its lower
    /// node, and not at all when the user wrote the other direction; with any asymmetric pair QEMU wants both directions
    /// of every pair ("At least one asymmetrical pair of distances is given") and gets them. A 128-node plan writes 8,128
    /// options instead of 16,256.</summary>
    static IEnumerable<GuestDistance> WrittenDistances(GuestLayout layout)
    {
        var value = new Dictionary<(int, int), GuestDistance>();
        foreach (var d in layout.Distances) value.TryAdd((d.From, d.To), d);
        bool symmetric = layout.Distances.All(d => !value.TryGetValue((d.To, d.From), out var back) || back.Value == d.Value);
        return layout.AddedDistances.Where(d => !symmetric
            || !value.TryGetValue((d.To, d.From), out var back) || (back.Author != Author.User && d.From < d.To));
    }

    static string Value(GuestHmatEntry e) => e.IsLatency ? $"latency={HmatUnits.FormatLatencyNs(e.Value)}" : $"bandwidth={HmatUnits.FormatBandwidthMBps(e.Value)}";

    static QemuArgument NodeArgument(QemuCommandLine command, LayoutNode n)
    {
        string text = $"node,nodeid={n.Id}";
        if (n.HasCpus)
        {
            ulong cpus = QemuGuestIntent.VcpuCount(command);
            text += cpus == 1 ? ",cpus=0" : $",cpus=0-{cpus - 1}";
        }
        if (n.Backend is { } memdev) text += $",memdev={EscapeValue(memdev)}"; // none: a generic port's node, or a virtio-mem node empty at boot
        if (n.Initiator is { } i) text += $",initiator={i}";
        return QemuArgument.Option("numa", text);
    }

    /// <summary>A value in QemuOpts syntax: a comma is doubled.</summary>
    static string EscapeValue(string value) => value.Replace(",", ",,", StringComparison.Ordinal);

    /// <summary>hmat=on needs initiator= on every CPU-less node; the user's get the layout's where they have none.</summary>
    static void SetUserInitiators(QemuCommandLine command, NumaLayout numa, GuestLayout layout)
    {
        foreach (var un in numa.Nodes)
        {
            if (un.Initiator is not null || layout.Node(un.Id) is not { Author: Author.User, Initiator: { } i }) continue;
            un.Option.Options.Set("initiator", i.ToString(CultureInfo.InvariantCulture));
            command.SetOptions(un.Index, un.Option.Options);
        }
    }

    /// <summary>Node memory must add up to -m; the new CPU-less nodes' memory comes on top of main RAM.</summary>
    static void GrowRam(QemuCommandLine command, GuestLayout layout, List<QemuArgument> tail, List<PlanNote> notes)
    {
        var newNodes = layout.Nodes.Where(n => n.Author == Author.Hostmem && !n.HasCpus && n.SizeBytes > 0).ToList();
        if (newNodes.Count == 0) return;
        var mem = command.Memory();
        ulong ram = QemuRam.Bytes(command);
        ulong added = 0, grown;
        try
        {
            foreach (var n in newNodes) added = checked(added + n.SizeBytes);
            grown = checked(ram + added);
        }
        catch (OverflowException)
        {
            throw new UserError($"guest NUMA: main RAM {Bytes.Format(ram)} and the new guest nodes' memory add up to more than 2^64 bytes",
                "give the backends their real sizes");
        }
        if (mem?.MaxMem is { } maxMem && grown > maxMem)
            throw new UserError($"guest NUMA: -m grows to {Bytes.Format(grown)} (main RAM {Bytes.Format(ram)} + {Bytes.Format(added)} in new guest nodes), above maxmem={Bytes.Format(maxMem)}",
                "raise maxmem=, or run with --guest-numa off");
        if (mem?.GetWithSource("size") is { } src)
        {
            var occ = mem.Occurrences.First(o => ReferenceEquals(o.Options, src.From));
            occ.Options.Set("size", QemuSize.FormatMemory(grown));
            command.SetOptions(occ.Index, occ.Options);
        }
        else tail.Add(QemuArgument.Option("m", QemuSize.FormatMemory(grown)));
        notes.Add(PlanNote.Info(NoteCodes.RamGrown, $"-m {Bytes.Format(ram)} grown to {Bytes.Format(grown)}: guest node memory adds up to -m"));
    }
}
