using System.Globalization;
using System.Xml.Linq;
using Hostmem.Planning;

namespace Hostmem.Libvirt;

/// <summary>
/// The cells a domain asks hostmem for: its <c>&lt;metadata&gt;&lt;hostmem:memory&gt;</c> element, then the
/// <c>--cell</c> options (which replace a metadata cell of the same id). The result is what hostmem writes back into
/// the metadata, so the domain keeps its intent and can be applied again (on this host or another).
/// </summary>
public sealed class DomainIntent
{
    DomainIntent(XElement? element, IReadOnlyList<CellIntent> fromMetadata, IReadOnlyList<CellIntent> cells)
    {
        Element = element;
        FromMetadata = fromMetadata;
        Cells = cells;
    }

    /// <summary>The <c>&lt;hostmem:memory&gt;</c> element, when the domain has one.</summary>
    public XElement? Element { get; }
    public IReadOnlyList<CellIntent> FromMetadata { get; }
    /// <summary>Every cell asked for, by id.</summary>
    public IReadOnlyList<CellIntent> Cells { get; }

    /// <summary>The metadata does not say what <see cref="Cells"/> says: hostmem writes it.</summary>
    public bool MetadataChanged => FromMetadata.Count != Cells.Count || FromMetadata.Zip(Cells).Any(p => !p.First.SameAs(p.Second));

    static readonly XNamespace Ns = CellIntent.Namespace;
    const string CellExample = "<hostmem:cell id='1' type='cxl-ram' memory='16' unit='GiB'/> (optional: nodes='all', mode='preferred')";

    public static DomainIntent Read(DomainXml domain, IReadOnlyList<CellIntent> options)
    {
        var metadata = domain.Root.Element("metadata");
        var elements = metadata?.Elements(Ns + "memory").ToList() ?? [];
        if (elements.Count > 1)
            throw new UserError($"{domain.Where(elements[1])}: a second <hostmem:memory> in the metadata", "keep one and put every <hostmem:cell> in it");
        var element = elements.FirstOrDefault();
        var stray = domain.Root.Descendants().FirstOrDefault(e => e.Name.Namespace == Ns && e.Parent != metadata && e.Parent != element);
        if (stray is not null)
            throw new UserError($"{domain.Where(stray)}: <{stray.Name.LocalName}> in hostmem's namespace outside <metadata><hostmem:memory>",
                $"put it in <metadata><hostmem:memory xmlns:hostmem='{CellIntent.Namespace}'>, e.g. {CellExample}");

        var fromMetadata = new List<CellIntent>();
        foreach (var e in element?.Elements() ?? [])
        {
            if (e.Name != Ns + "cell")
                throw new UserError($"{domain.Where(e)}: <{e.Name.LocalName}> is not a hostmem element (hostmem:memory holds hostmem:cell elements)", $"write {CellExample}");
            var cell = Cell(domain, e);
            var clash = fromMetadata.FirstOrDefault(c => c.Id == cell.Id);
            if (clash is not null)
                throw new UserError($"{cell.Source}: cell {cell.Id} is already asked for at {clash.Source}", "give each cell its own id, or remove one");
            fromMetadata.Add(cell);
        }

        var cells = new List<CellIntent>(fromMetadata);
        var fromOptions = new Dictionary<int, CellIntent>();
        foreach (var o in options)
        {
            if (fromOptions.TryGetValue(o.Id, out var first))
                throw new UserError($"{o.Source}: cell {o.Id} is already given by {first.Source}", "give each --cell its own id");
            fromOptions[o.Id] = o;
            int at = cells.FindIndex(c => c.Id == o.Id);
            if (at >= 0) cells[at] = o;
            else cells.Add(o);
        }
        return new DomainIntent(element, fromMetadata, [.. cells.OrderBy(c => c.Id)]);
    }

    static CellIntent Cell(DomainXml domain, XElement e)
    {
        string where = domain.Where(e);
        foreach (var a in e.Attributes().Where(a => !a.IsNamespaceDeclaration))
            if (a.Name.Namespace != XNamespace.None || a.Name.LocalName is not ("id" or "type" or "memory" or "unit" or "nodes" or "mode"))
                throw new UserError($"{where}: <hostmem:cell> has no attribute '{a.Name.LocalName}'", $"its attributes are id, type, memory, unit, nodes, mode: {CellExample}");
        string Need(string name) => (string?)e.Attribute(name) ?? throw new UserError($"{where}: <hostmem:cell> without {name}=", $"write {CellExample}");

        string idText = Need("id");
        if (!int.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out int id))
            throw new UserError($"{where}: <hostmem:cell id='{idText}'>: the id is not a number", $"write {CellExample}");
        string subject = $"{where}: cell {id}";
        var type = CellIntent.ParseType(Need("type"), subject);
        string memory = Need("memory");
        string unit = (string?)e.Attribute("unit") ?? "KiB";
        ulong size = LibvirtUnits.TryParse(memory, unit) ?? throw new UserError($"{subject}: memory='{memory}' unit='{unit}' is not a libvirt size",
            "write a whole number and a unit libvirt knows: memory='16' unit='GiB' (KiB when unit= is left out)");

        NodeRule rule = NodeRule.Nearest;
        var nodes = (string?)e.Attribute("nodes");
        if (nodes is not null)
            rule = nodes switch
            {
                "nearest" => NodeRule.Nearest,
                "all" => NodeRule.All,
                _ => throw new UserError($"{subject}: nodes '{nodes}' is not nearest or all",
                    "write nodes='nearest' (default: the nodes nearest the CPUs the guest may run on) or nodes='all'"),
            };
        BindPolicy mode = BindPolicy.Bind;
        var modeText = (string?)e.Attribute("mode");
        if (modeText is not null)
            mode = CellIntent.ParseMode(modeText) ?? throw new UserError($"{subject}: mode '{modeText}' is not strict, preferred or interleave",
                modeText == "restrictive"
                    ? "restrictive binds through cgroups only, which hostmem cannot plan or check: use strict (default), preferred or interleave"
                    : "write mode='strict' (default), 'preferred' or 'interleave' (libvirt's memnode modes)");
        return CellIntent.Checked(new CellIntent(id, type, size, (memory, (string?)e.Attribute("unit") ?? ""), rule, mode, nodes is not null, modeText is not null, where));
    }
}
