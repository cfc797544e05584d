using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace Hostmem.Libvirt;

/// <summary>
/// A libvirt domain definition as hostmem reads it: the parsed tree (whitespace kept, line info for every element)
/// over the file's exact text, and the few facts planning needs. Not XML, or XML that is not a domain, is a
/// <see cref="UserError"/> naming the file, line and column.
/// </summary>
public sealed class DomainXml
{
    DomainXml(string path, SourceText source, XDocument doc)
    {
        Path = path;
        Source = source;
        Document = doc;
        Root = doc.Root!;
    }

    /// <summary>How errors name the file.</summary>
    public string Path { get; }
    public SourceText Source { get; }
    public XDocument Document { get; }
    public XElement Root { get; }

    /// <summary>The deepest element libxml2 (libvirt's XML parser; xmllint) accepts without XML_PARSE_HUGE: the root is at
    /// depth 0, and xmllint 2.9.14 refuses an element at depth 257 ("Excessive depth in document: 256").</summary>
    public const int MaxDepth = 256;

    public static DomainXml Parse(string text, string path)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreWhitespace = false };
        XDocument doc;
        try
        {
            RefuseExcessiveDepth(text, path, settings);
            using var reader = XmlReader.Create(new StringReader(text), settings);
            doc = XDocument.Load(reader, LoadOptions.PreserveWhitespace | LoadOptions.SetLineInfo);
        }
        catch (XmlException e)
        {
            string message = e.Message;
            int cut = message.IndexOf(" Line ", StringComparison.Ordinal);
            if (cut > 0) message = message[..cut];
            throw new UserError($"{path}:{e.LineNumber}:{e.LinePosition}: not well-formed XML: {message.TrimEnd('.')}",
                "fix the XML there (xmllint --noout FILE points at the same place), or take a fresh copy: virsh dumpxml DOMAIN > FILE");
        }
        var root = doc.Root!;
        if (root.Name != "domain")
        {
            var info = (IXmlLineInfo)root;
            throw new UserError($"{path}:{info.LineNumber}:{info.LinePosition}: the root element is <{Display(root.Name)}>, not <domain>: this is not a libvirt domain",
                "give the domain's XML: virsh dumpxml DOMAIN > DOMAIN.xml (virsh net-dumpxml and pool-dumpxml write other kinds)");
        }
        return new DomainXml(path, new SourceText(text), doc);
    }

    /// <summary>One fast streaming pass before the tree is built: a document nested deeper than libvirt's parser takes
    /// stops at the first such element (100,000 nested elements took 44 s to build and plan before, #17).</summary>
    static void RefuseExcessiveDepth(string text, string path, XmlReaderSettings settings)
    {
        using var scan = XmlReader.Create(new StringReader(text), settings);
        while (scan.Read())
            if (scan.NodeType == XmlNodeType.Element && scan.Depth > MaxDepth)
            {
                var info = (IXmlLineInfo)scan;
                throw new UserError($"{path}:{info.LineNumber}:{info.LinePosition}: elements nested deeper than {MaxDepth} levels: libvirt's XML parser (libxml2) refuses such a document",
                    "a domain's XML is a few levels deep: take a fresh copy with virsh dumpxml DOMAIN > FILE");
            }
    }

    static string Display(XName name) => name.NamespaceName.Length == 0 ? name.LocalName : $"{{{name.NamespaceName}}}{name.LocalName}";

    public string Where(XObject o)
    {
        var info = (IXmlLineInfo)o;
        return info.HasLineInfo() ? $"{Path}:{info.LineNumber}:{info.LinePosition}" : Path;
    }

    public XElement? Child(string name) => Root.Element(name);

    /// <summary>&lt;name&gt;, for messages.</summary>
    public string? Name => Root.Element("name")?.Value.Trim();

    /// <summary>&lt;memory&gt; in bytes (libvirt's default unit is KiB).</summary>
    public ulong MemoryBytes
    {
        get
        {
            var m = Root.Element("memory") ?? throw new UserError($"{Path}: the domain has no <memory>",
                "give it one, e.g. <memory unit='GiB'>8</memory> (virsh dumpxml always writes it)");
            return Size(m);
        }
    }

    /// <summary>A scaled integer element or attribute pair in bytes, or a UserError at its place.</summary>
    public ulong Size(XElement e) => LibvirtUnits.TryParse(e.Value, (string?)e.Attribute("unit"))
        ?? throw new UserError($"{Where(e)}: <{e.Name.LocalName}> '{e.Value.Trim()}' with unit '{(string?)e.Attribute("unit") ?? "KiB"}' is not a libvirt size",
            "write a whole number and a unit libvirt knows: b, KiB, MiB, GiB, TiB (or KB, MB, GB, TB)");

    /// <summary>The maximum number of vCPUs (&lt;vcpu&gt;, 1 when absent).</summary>
    public int Vcpus
    {
        get
        {
            var v = Root.Element("vcpu");
            if (v is null) return 1;
            if (!int.TryParse(v.Value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1)
                throw new UserError($"{Where(v)}: <vcpu> '{v.Value.Trim()}' is not a number of vCPUs", "write e.g. <vcpu placement='static'>4</vcpu>");
            return n;
        }
    }

    /// <summary>&lt;vcpu cpuset=&gt;: the host CPUs the vCPUs may run on; null when not restricted.</summary>
    public IReadOnlyList<int>? VcpuCpuset
    {
        get
        {
            var attr = Root.Element("vcpu")?.Attribute("cpuset");
            if (attr is null) return null;
            return LibvirtCpuset.TryParse(attr.Value) ?? throw new UserError($"{Where(attr.Parent!)}: <vcpu cpuset='{attr.Value}'> is not a CPU set",
                "write host CPUs as libvirt does: 0-3,8,^2");
        }
    }

    /// <summary>Memory devices (DIMMs, NVDIMMs, virtio-mem) count into &lt;memory&gt; beside the cells.</summary>
    public ulong MemoryDeviceBytes => DomainMemoryDevice.Read(this).Aggregate(0UL, (sum, d) => sum + d.SizeBytes);

    public XElement? Cpu => Root.Element("cpu");
    public XElement? Numa => Cpu?.Element("numa");
    public IEnumerable<XElement> Cells => Numa?.Elements("cell") ?? [];
    public XElement? Numatune => Root.Element("numatune");

    /// <summary>&lt;os&gt;&lt;type machine=&gt;, e.g. pc-q35-10.0; null when libvirt picks.</summary>
    public string? Machine => (string?)Root.Element("os")?.Element("type")?.Attribute("machine");

    /// <summary>&lt;features&gt;&lt;acpi/&gt;: without it the guest sees no SRAT, SLIT or HMAT.</summary>
    public bool HasAcpi => Root.Element("features")?.Element("acpi") is not null;
}
