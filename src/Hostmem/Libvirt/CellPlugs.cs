using System.Globalization;
using Hostmem.Classification;
using Hostmem.Planning;
using Hostmem.Sysfs;
using Hostmem.Topology;

namespace Hostmem.Libvirt;

/// <summary>
/// The virtio-mem devices a domain plugs into the cells hostmem places: memory the guest gets on a tiered cell after boot,
/// grown and shrunk with <c>virsh update-memory-device</c>. libvirt binds a memory device's memory to its target cell's
/// &lt;memnode&gt; nodes unless its &lt;source&gt;&lt;nodemask&gt; names others (checked with virsh domxml-to-native: the
/// device's memory-backend-ram gets the cell's host-nodes and policy), so the cell's type, binding and HMAT figures are
/// the device's too. Every device's cell must exist. A DIMM or NVDIMM on hostmem's cell is bound the same way and kept
/// as written; it is not a plug (libvirt cannot resize it, only hot-unplug it whole).
/// </summary>
public static class CellPlugs
{
    /// <summary>The virtio-mem devices on each of hostmem's cells, by cell id.</summary>
    public static IReadOnlyDictionary<int, IReadOnlyList<DomainMemoryDevice>> Of(DomainXml domain, IReadOnlyList<DomainMemoryDevice> devices,
        IReadOnlyList<LibvirtCell> cells, List<PlanNote> notes)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(devices);
        ArgumentNullException.ThrowIfNull(cells);
        var result = new Dictionary<int, IReadOnlyList<DomainMemoryDevice>>();
        foreach (var d in devices.Where(d => d.Node is not null))
        {
            int id = d.Node!.Value;
            var cell = cells.FirstOrDefault(c => c.Id == id) ?? throw NoSuchCell(domain, d, cells);
            if (cell.Intent is null)
            {
                if (d.IsVirtioMem && cell.SizeBytes == 0) throw EmptyCell(domain, d, cell);
                continue;
            }
            if (!d.IsVirtioMem) continue;
            if (d.Nodemask is { } mask && cell.Placement is { } placed && !mask.SequenceEqual(placed.HostNodes))
                notes.Add(PlanNote.Warning(NoteCodes.PlugNodemaskDiffers, $"{d.Name} on cell {id} ({domain.Where(d.Element)}) has <source><nodemask>{CpuList.Format(mask)}</nodemask>: "
                    + $"libvirt puts its memory there, not on the cell's host nodes {CpuList.Format(placed.HostNodes)} ({placed.Type?.Name()}) whose figures the guest gets for cell {id}; "
                    + "remove the nodemask, and libvirt binds it as the cell's <memnode> says"));
            result[id] = [.. result.GetValueOrDefault(id) ?? [], d];
        }
        return result;
    }

    /// <summary>What the plan says of a cell with virtio-mem devices.</summary>
    public static string Why(int cell, IReadOnlyList<DomainMemoryDevice> plugs) =>
        $"{string.Join(", ", plugs.Select(p => p.Name))} plugs up to {Bytes.Format(PlugBytes(plugs))} more here after boot, bound like the cell by its <memnode>: "
        + $"virsh update-memory-device DOMAIN --node {cell.ToString(CultureInfo.InvariantCulture)} --requested-size SIZE --live";

    public static ulong PlugBytes(IReadOnlyList<DomainMemoryDevice> plugs) => plugs.Aggregate(0UL, (s, p) => s + p.SizeBytes);

    static UserError NoSuchCell(DomainXml domain, DomainMemoryDevice d, IReadOnlyList<LibvirtCell> cells) =>
        new($"{domain.Where(d.Element)}: {d.Name} adds memory to guest cell {d.Node}, and the domain's cells are {CpuList.Format(cells.Select(c => c.Id))} "
            + $"(libvirt: can't add memory backend for guest node '{d.Node}' as the guest has only '{cells.Count}' NUMA nodes configured)",
            $"give its <target><node> one of the cells, e.g. a tiered cell hostmem places: --cell {cells.Max(c => c.Id) + 1}=cxl-ram:SIZE with <node>{cells.Max(c => c.Id) + 1}</node>");

    /// <summary>libvirt gives every cell a memory-backend-ram of the cell's size, and QEMU refuses one of 0 bytes: a libvirt
    /// cell cannot be empty at boot (measured with libvirt 11.3's domxml-to-native and QEMU 10).</summary>
    static UserError EmptyCell(DomainXml domain, DomainMemoryDevice d, LibvirtCell cell) =>
        new($"{domain.Where(d.Element)}: {d.Name} plugs into cell {cell.Id}, which has no memory: libvirt gives QEMU a 0-byte memory-backend-ram for it, "
            + "which QEMU refuses (property 'size' of memory-backend-ram doesn't take value '0')",
            $"a libvirt cell needs some boot memory: let hostmem size and place it (--cell {cell.Id}=cxl-ram:64MiB), or give the cell memory='64' unit='MiB'");
}
