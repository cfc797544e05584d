using System.Globalization;
using System.Xml.Linq;
using Hostmem.Planning;
using Hostmem.Qemu;

namespace Hostmem.Libvirt;

/// <summary>One &lt;cell&gt; of a domain's &lt;cpu&gt;&lt;numa&gt;, with its &lt;distances&gt; (sibling id → value).</summary>
public sealed record DomainCell(int Id, IReadOnlyList<int> Cpus, ulong SizeBytes, IReadOnlyDictionary<int, int> Distances, XElement Element);

/// <summary>One memory-side &lt;latency&gt; or &lt;bandwidth&gt; of &lt;interconnects&gt; (bandwidth in MB/s, 2^20 B/s).</summary>
public sealed record DomainInterconnect(GuestHmatEntry Entry, XElement Element);

/// <summary>
/// The one reader of libvirt's guest NUMA syntax: &lt;cell&gt;s (id, cpus, memory+unit), &lt;distances&gt;, and
/// &lt;interconnects&gt; (latency in ns, bandwidth value+unit, default KiB/s; entries with cache= describe a memory-side
/// cache and are left out of the memory figures). Bad cells throw <see cref="UserError"/>; entries that do not parse are
/// left to libvirt to refuse.
/// </summary>
public sealed record DomainNuma(IReadOnlyList<DomainCell> Cells, IReadOnlyList<DomainInterconnect> Interconnects)
{
    public static DomainNuma Read(DomainXml domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        return new DomainNuma(ReadCells(domain), Links(domain.Numa?.Element("interconnects")));
    }

    static List<DomainCell> ReadCells(DomainXml domain)
    {
        var result = new List<DomainCell>();
        int position = 0;
        foreach (var e in domain.Cells)
        {
            int id = position++;
            var idText = (string?)e.Attribute("id");
            if (idText is not null && !int.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out id))
                throw new UserError($"{domain.Where(e)}: <cell id='{idText}'> is not a cell number", "number the cells 0, 1, 2...");
            var cpusText = (string?)e.Attribute("cpus");
            var cpus = cpusText is null ? [] : LibvirtCpuset.TryParse(cpusText) ?? throw new UserError(
                $"{domain.Where(e)}: <cell cpus='{cpusText}'> is not a vCPU set", "write vCPUs as libvirt does: 0-3,6");
            var memText = (string?)e.Attribute("memory") ?? throw new UserError($"{domain.Where(e)}: <cell> without memory=", "every cell needs memory=, e.g. memory='4' unit='GiB'");
            ulong size = LibvirtUnits.TryParse(memText, (string?)e.Attribute("unit")) ?? throw new UserError(
                $"{domain.Where(e)}: <cell memory='{memText}' unit='{(string?)e.Attribute("unit") ?? "KiB"}'> is not a libvirt size", "write memory='4' unit='GiB'");
            if (result.Any(r => r.Id == id))
                throw new UserError($"{domain.Where(e)}: a second <cell id='{id}'>", "give every cell its own id: 0, 1, 2...");
            result.Add(new DomainCell(id, cpus, size, Distances(e), e));
        }
        return result;
    }

    /// <summary>A cell's &lt;distances&gt; as sibling id → value (unparsable entries are left to libvirt to refuse).</summary>
    public static IReadOnlyDictionary<int, int> Distances(XElement cell)
    {
        var result = new Dictionary<int, int>();
        foreach (var s in cell.Element("distances")?.Elements("sibling") ?? [])
            if (int.TryParse((string?)s.Attribute("id"), NumberStyles.None, CultureInfo.InvariantCulture, out int id)
                && int.TryParse((string?)s.Attribute("value"), NumberStyles.None, CultureInfo.InvariantCulture, out int v))
                result[id] = v;
        return result;
    }

    static List<DomainInterconnect> Links(XElement? interconnects)
    {
        var result = new List<DomainInterconnect>();
        foreach (var e in interconnects?.Elements() ?? [])
            if (Link(e) is { } entry) result.Add(new DomainInterconnect(entry, e));
        return result;
    }

    /// <summary>A memory-side entry as the guest reads it; null for caches and entries that do not parse.</summary>
    public static GuestHmatEntry? Link(XElement e)
    {
        if (e.Attribute("cache") is { } cache && cache.Value != "0") return null;
        if (HmatDataTypes.ParseLibvirt(e.Name.LocalName, (string?)e.Attribute("type")) is not { } type) return null;
        if (!int.TryParse((string?)e.Attribute("initiator"), NumberStyles.None, CultureInfo.InvariantCulture, out int i)
            || !int.TryParse((string?)e.Attribute("target"), NumberStyles.None, CultureInfo.InvariantCulture, out int t)) return null;
        string value = (string?)e.Attribute("value") ?? "";
        if (type.IsLatency())
            return ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong ns) ? new GuestHmatEntry(i, t, type, ns) : null;
        // libvirt passes bytes/s to QEMU, which counts MB/s (2^20 B/s) in its table.
        return LibvirtUnits.TryParse(value, (string?)e.Attribute("unit")) is { } bytes ? new GuestHmatEntry(i, t, type, bytes / QemuSize.MiB) : null;
    }

    /// <summary>
    /// The guest tables the domain gives, as libvirt's QEMU driver passes them on: a CPU-less cell's initiator is the
    /// initiator of its lowest-latency interconnect, else of its highest-bandwidth one (virDomainNumaGetNodeInitiator).
    /// </summary>
    public GuestTables Tables()
    {
        var hmat = Interconnects.Select(l => l.Entry).ToList();
        var nodes = Cells.OrderBy(c => c.Id).Select(c => new GuestTableNode(c.Id, c.Cpus.Count > 0, c.SizeBytes > 0,
            c.Cpus.Count > 0 ? null : Initiator(hmat, c.Id))).ToList();
        var distances = Cells.SelectMany(c => c.Distances.Where(d => d.Key != c.Id).Select(d => new GuestDistance(c.Id, d.Key, d.Value))).ToList();
        return new GuestTables(nodes, hmat, distances);
    }

    static int? Initiator(List<GuestHmatEntry> hmat, int target)
    {
        var to = hmat.Where(h => h.Target == target).ToList();
        var latency = to.Where(h => h.IsLatency).ToList();
        if (latency.Count > 0) return latency.Aggregate((best, h) => h.Value < best.Value ? h : best).Initiator;
        var bandwidth = to.Where(h => !h.IsLatency && h.Value > 0).ToList();
        return bandwidth.Count > 0 ? bandwidth.Aggregate((best, h) => h.Value > best.Value ? h : best).Initiator : null;
    }
}
