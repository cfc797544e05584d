using System.Globalization;
using System.Xml.Linq;
using Hostmem.Classification;
using Hostmem.Planning;
using Hostmem.Qemu;
using Hostmem.Sysfs;

namespace Hostmem.Libvirt;

/// <summary>
/// Writes a <see cref="LibvirtPlan"/> into the domain's text: the hostmem metadata (when --cell changed it),
/// <c>&lt;numatune&gt;&lt;memnode&gt;</c> per placed cell, the <c>&lt;cpu&gt;&lt;numa&gt;</c> cells with their
/// <c>&lt;distances&gt;</c>, the <c>&lt;interconnects&gt;</c> HMAT entries, and <c>&lt;memory&gt;</c> when the cells
/// changed the sum. Each of them is compared by meaning with what the domain has and written only when it differs, in
/// libvirt's own form (KiB, single quotes), so applying to a domain that has the result (or to libvirt's re-formatted
/// dump of it) changes nothing. Every other byte of the file stays as it was.
/// </summary>
public static class DomainPatcher
{
    // libvirt's order of a domain's children (virDomainDefFormat), to put a new element where libvirt would.
    static readonly string[] BeforeMetadata = ["name", "uuid", "genid", "title", "description"];
    static readonly string[] BeforeNumatune = [.. BeforeMetadata, "metadata", "maxMemory", "memory", "currentMemory", "blkiotune", "memtune",
        "memoryBacking", "vcpu", "vcpus", "iothreads", "iothreadids", "defaultiothread", "cputune"];
    static readonly string[] BeforeCpu = [.. BeforeNumatune, "numatune", "resource", "sysinfo", "bootloader", "bootloader_args", "os", "idmap", "features"];

    public static string Apply(DomainXml domain, LibvirtPlan plan)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(plan);
        var w = new Writer(domain, new SourceText(domain.Source.Text));
        w.Metadata(plan.Intent);
        w.MaxMemory(plan.MaxMemory);
        w.Memory(plan);
        w.Numatune(plan);
        w.Cpu(plan);
        return w.Source.Result();
    }

    sealed class Writer(DomainXml domain, SourceText source)
    {
        public SourceText Source { get; } = source;
        readonly XElement root = domain.Root;
        readonly string unit = DetectUnit(domain, source);
        string Nl => Source.NewLine;

        static string DetectUnit(DomainXml d, SourceText s)
        {
            var first = d.Root.Elements().FirstOrDefault(e => s.IndentOf(e).Length > 0);
            return first is null ? "  " : s.IndentOf(first);
        }

        // ------------------------------------------------------------ metadata

        public void Metadata(DomainIntent intent)
        {
            if (!intent.MetadataChanged) return;
            string? prefix = intent.Element is null ? "hostmem" : intent.Element.GetPrefixOfNamespace(CellIntent.Namespace);
            string q(string local) => prefix is null ? local : $"{prefix}:{local}";
            var lines = new XmlLines().Add(0, $"<{q("memory")}{XmlLines.Attr(prefix is null ? "xmlns" : $"xmlns:{prefix}", CellIntent.Namespace)}>");
            foreach (var c in intent.Cells)
            {
                string text = $"<{q("cell")}{XmlLines.Attr("id", Num(c.Id))}{XmlLines.Attr("type", c.Type.Name())}{XmlLines.Attr("memory", c.Size.Value)}";
                if (c.Size.Unit.Length > 0) text += XmlLines.Attr("unit", c.Size.Unit);
                if (c.RuleGiven) text += XmlLines.Attr("nodes", c.Rule.Name());
                if (c.ModeGiven) text += XmlLines.Attr("mode", CellIntent.ModeName(c.Mode));
                lines.Add(1, text + "/>");
            }
            lines.Add(0, $"</{q("memory")}>");
            if (intent.Element is not null) ReplaceElement(intent.Element, lines);
            else if (root.Element("metadata") is { } metadata) AppendChild(metadata, lines);
            else InsertIntoDomain(new XmlLines().Add(0, "<metadata>").Add(1, lines).Add(0, "</metadata>"), BeforeMetadata);
        }

        // ------------------------------------------------------------ maxMemory, memory

        /// <summary>A new &lt;maxMemory&gt;, where libvirt puts it (after the metadata, before &lt;memory&gt;).</summary>
        public void MaxMemory(MaxMemory? max)
        {
            if (max is null) return;
            InsertIntoDomain(new XmlLines().Add(0, $"<maxMemory{XmlLines.Attr("slots", Num(max.Slots))}{XmlLines.Attr("unit", "KiB")}>{LibvirtUnits.FormatKiB(max.Bytes)}</maxMemory>"),
                [.. BeforeMetadata, "metadata"]);
        }

        public void Memory(LibvirtPlan plan)
        {
            if (plan.MemoryBytesAfter == plan.MemoryBytesBefore) return;
            var memory = root.Element("memory")!;
            ReplaceElement(memory, new XmlLines().Add(0, Scaled(memory, plan.MemoryBytesAfter)));
            // A balloon target equal to the old maximum was "all of it": keep it so, or the guest would lose the new cells' memory.
            if (root.Element("currentMemory") is { } current && domain.Size(current) == plan.MemoryBytesBefore)
                ReplaceElement(current, new XmlLines().Add(0, Scaled(current, plan.MemoryBytesAfter)));
        }

        /// <summary>The element with a new size, in its own unit when that is exact, else in KiB.</summary>
        static string Scaled(XElement e, ulong bytes)
        {
            string unitName = (string?)e.Attribute("unit") ?? "KiB";
            ulong scale = LibvirtUnits.Scale(unitName) ?? LibvirtUnits.KiB;
            if (bytes % scale != 0) (unitName, scale) = ("KiB", LibvirtUnits.KiB);
            string attrs = string.Concat(e.Attributes().Select(a => a.Name == "unit" ? XmlLines.Attr("unit", unitName) : AttrOf(a)));
            if (e.Attribute("unit") is null && unitName != "KiB") attrs += XmlLines.Attr("unit", unitName);
            return $"<{e.Name.LocalName}{attrs}>{(bytes / scale).ToString(CultureInfo.InvariantCulture)}</{e.Name.LocalName}>";
        }

        // ------------------------------------------------------------ numatune

        public void Numatune(LibvirtPlan plan)
        {
            var wanted = plan.Cells.Where(c => c.Placement is { HostNodes.Count: > 0 }).ToList();
            if (wanted.Count == 0) return;
            var numatune = root.Element("numatune");
            var pending = new XmlLines();
            foreach (var c in wanted)
            {
                string mode = CellIntent.ModeName(c.Placement!.Policy!.Value);
                string line = $"<memnode{XmlLines.Attr("cellid", Num(c.Id))}{XmlLines.Attr("mode", mode)}{XmlLines.Attr("nodeset", CpuList.Format(c.Placement.HostNodes))}/>";
                var existing = numatune?.Elements("memnode").FirstOrDefault(e => (string?)e.Attribute("cellid") == Num(c.Id));
                if (existing is null) pending.Add(0, line);
                else if ((string?)existing.Attribute("mode") != mode
                    || LibvirtCpuset.TryParse((string?)existing.Attribute("nodeset") ?? "") is not { } set || !set.SequenceEqual(c.Placement.HostNodes))
                    ReplaceElement(existing, new XmlLines().Add(0, line));
            }
            if (pending.Count == 0) return;
            if (numatune is null) InsertIntoDomain(new XmlLines().Add(0, "<numatune>").Add(1, pending).Add(0, "</numatune>"), BeforeNumatune);
            else AppendChild(numatune, pending);
        }

        // ------------------------------------------------------------ cpu, numa, cells

        public void Cpu(LibvirtPlan plan)
        {
            var distances = DesiredDistances(plan);
            var added = plan.Layout.AddedHmat.ToList();
            var numa = domain.Numa;
            var pending = new XmlLines();
            foreach (var c in plan.Cells)
            {
                if (c.Element is null) pending.Add(0, NewCell(c, distances));
                else if (!Matches(c.Element, c, distances)) ReplaceElement(c.Element, RebuiltCell(c.Element, c, distances));
            }
            var interconnects = numa?.Element("interconnects");
            if (added.Count > 0)
            {
                if (interconnects is null) pending.Add(0, Interconnects(null, added));
                else ReplaceElement(interconnects, Interconnects(interconnects, added));
            }
            if (pending.Count == 0) return;
            if (numa is null)
            {
                var numaLines = new XmlLines().Add(0, "<numa>").Add(1, pending).Add(0, "</numa>");
                if (domain.Cpu is { } cpu) AppendChild(cpu, numaLines);
                else InsertIntoDomain(new XmlLines().Add(0, "<cpu>").Add(1, numaLines).Add(0, "</cpu>"), BeforeCpu);
            }
            else if (numa.Elements("cell").LastOrDefault() is { } last) InsertAfter(last, pending);
            else AppendChild(numa, pending);
        }

        /// <summary>Every cell's distance to every cell, from the layout; null when it has none (guest NUMA off).</summary>
        static Dictionary<int, Dictionary<int, int>>? DesiredDistances(LibvirtPlan plan)
        {
            if (plan.Layout.Distances.Count == 0) return null;
            var planned = plan.Layout.Distances.GroupBy(d => (d.From, d.To)).ToDictionary(g => g.Key, g => g.First().Value);
            var result = new Dictionary<int, Dictionary<int, int>>();
            foreach (var a in plan.Cells)
            {
                var row = result[a.Id] = [];
                foreach (var b in plan.Cells)
                    row[b.Id] = a.Id == b.Id ? 10 : planned.GetValueOrDefault((a.Id, b.Id), 20);
            }
            return result;
        }

        static string CellStart(LibvirtCell c) =>
            $"<cell{XmlLines.Attr("id", Num(c.Id))}{(c.Cpus.Count > 0 ? XmlLines.Attr("cpus", CpuList.Format(c.Cpus)) : "")}"
            + $"{XmlLines.Attr("memory", LibvirtUnits.FormatKiB(c.SizeBytes))}{XmlLines.Attr("unit", "KiB")}";

        static XmlLines NewCell(LibvirtCell c, Dictionary<int, Dictionary<int, int>>? distances)
        {
            var lines = new XmlLines();
            if (distances is null) return lines.Add(0, CellStart(c) + "/>");
            return lines.Add(0, CellStart(c) + ">").Add(1, Distances(distances[c.Id])).Add(0, "</cell>");
        }

        static XmlLines Distances(Dictionary<int, int> row)
        {
            var lines = new XmlLines().Add(0, "<distances>");
            foreach (var (id, value) in row.OrderBy(p => p.Key))
                lines.Add(1, $"<sibling{XmlLines.Attr("id", Num(id))}{XmlLines.Attr("value", Num(value))}/>");
            return lines.Add(0, "</distances>");
        }

        /// <summary>The cell already says what the plan says: hostmem's cells have no vCPUs and their size; distances agree.</summary>
        static bool Matches(XElement e, LibvirtCell c, Dictionary<int, Dictionary<int, int>>? distances)
        {
            if (c.Intent is not null)
            {
                if (e.Attribute("cpus") is not null) return false;
                if (LibvirtUnits.TryParse((string?)e.Attribute("memory") ?? "", (string?)e.Attribute("unit")) != c.SizeBytes) return false;
            }
            if (distances is null) return true;
            var have = DomainNuma.Distances(e);
            var want = distances[c.Id];
            return have.Count == want.Count && want.All(p => have.TryGetValue(p.Key, out int v) && v == p.Value);
        }

        /// <summary>The domain's cell with the plan's changes: its attributes (for a hostmem cell: no cpus, the size in KiB)
        /// and children as they were, &lt;distances&gt; from the plan.</summary>
        XmlLines RebuiltCell(XElement e, LibvirtCell c, Dictionary<int, Dictionary<int, int>>? distances)
        {
            string attrs = "";
            foreach (var a in e.Attributes())
            {
                string name = a.Name.LocalName;
                if (c.Intent is null || a.Name.Namespace != XNamespace.None) attrs += AttrOf(a);
                else if (name == "cpus") continue;
                else if (name == "memory")
                    attrs += XmlLines.Attr("memory", LibvirtUnits.FormatKiB(c.SizeBytes)) + (e.Attribute("unit") is null ? XmlLines.Attr("unit", "KiB") : "");
                else if (name == "unit") attrs += XmlLines.Attr("unit", "KiB");
                else attrs += AttrOf(a);
            }
            var children = new XmlLines();
            if (distances is not null) children.Add(0, Distances(distances[c.Id]));
            foreach (var n in e.Nodes())
            {
                if (n is XElement child && child.Name == "distances" && distances is not null) continue;
                if (n is XElement other) children.Add(0, Source.Slice(other));
                else if (n is XComment comment) children.Add(0, comment.ToString());
            }
            var lines = new XmlLines();
            if (children.Count == 0) return lines.Add(0, $"<{e.Name.LocalName}{attrs}/>");
            return lines.Add(0, $"<{e.Name.LocalName}{attrs}>").Add(1, children).Add(0, $"</{e.Name.LocalName}>");
        }

        // ------------------------------------------------------------ interconnects

        /// <summary>The domain's &lt;interconnects&gt; with hostmem's entries added: every entry it had stays byte for byte
        /// and in its place (they are the user's, and win); hostmem's latencies follow the last latency (libvirt lists
        /// latencies first), its bandwidths come last.</summary>
        XmlLines Interconnects(XElement? existing, IReadOnlyList<GuestHmatEntry> added)
        {
            var ordered = added.OrderBy(e => e.IsLatency ? 0 : 1).ThenBy(e => e.Initiator).ThenBy(e => e.Target).ThenBy(e => e.DataType).ToList();
            var children = existing?.Elements().ToList() ?? [];
            var lastLatency = children.LastOrDefault(e => e.Name.LocalName == "latency");
            var lines = new XmlLines().Add(0, "<interconnects>");
            if (lastLatency is null) foreach (var e in ordered.Where(e => e.IsLatency)) lines.Add(1, Render(e));
            foreach (var child in children)
            {
                lines.Add(1, Source.Slice(child));
                if (child == lastLatency) foreach (var e in ordered.Where(e => e.IsLatency)) lines.Add(1, Render(e));
            }
            foreach (var e in ordered.Where(e => !e.IsLatency)) lines.Add(1, Render(e));
            return lines.Add(0, "</interconnects>");
        }

        static string Render(GuestHmatEntry e)
        {
            string kind = e.IsLatency ? "latency" : "bandwidth";
            string head = $"<{kind}{XmlLines.Attr("initiator", Num(e.Initiator))}{XmlLines.Attr("target", Num(e.Target))}{XmlLines.Attr("type", e.DataType.Direction())}";
            if (e.IsLatency) return head + XmlLines.Attr("value", e.Value.ToString(CultureInfo.InvariantCulture)) + "/>";
            // libvirt keeps bandwidth in KiB/s (an unsigned int); beyond that, MiB/s. MB/s here is QEMU's 2^20 B/s.
            ulong kib = e.Value * 1024;
            return kib <= uint.MaxValue
                ? head + XmlLines.Attr("value", kib.ToString(CultureInfo.InvariantCulture)) + XmlLines.Attr("unit", "KiB") + "/>"
                : head + XmlLines.Attr("value", e.Value.ToString(CultureInfo.InvariantCulture)) + XmlLines.Attr("unit", "MiB") + "/>";
        }

        // ------------------------------------------------------------ placing text

        static string AttrOf(XAttribute a)
        {
            string name = a.IsNamespaceDeclaration
                ? a.Name.Namespace == XNamespace.None ? "xmlns" : $"xmlns:{a.Name.LocalName}"
                : a.Name.Namespace == XNamespace.None ? a.Name.LocalName : $"{a.Parent!.GetPrefixOfNamespace(a.Name.Namespace)}:{a.Name.LocalName}";
            return XmlLines.Attr(name, a.Value);
        }

        string ChildIndent(XElement parent) =>
            parent.Elements().Select(Source.IndentOf).FirstOrDefault(i => i.Length > 0) ?? Source.IndentOf(parent) + unit;

        void ReplaceElement(XElement e, XmlLines lines) =>
            Source.Replace(Source.Start(e), Source.End(e), lines.Render(Source.IndentOf(e), unit, Nl, indentFirst: false));

        void InsertAfter(XElement sibling, XmlLines lines)
        {
            string indent = Source.IndentOf(sibling);
            if (indent.Length == 0 && sibling.Parent is { } p) indent = ChildIndent(p);
            Source.Insert(Source.End(sibling), Nl + lines.Render(indent, unit, Nl));
        }

        void AppendChild(XElement parent, XmlLines lines)
        {
            if (parent.Elements().LastOrDefault() is { } last)
            {
                InsertAfter(last, lines);
                return;
            }
            string outer = Source.IndentOf(parent), inner = outer + unit;
            if (Source.IsEmptyTag(parent))
            {
                int start = Source.Start(parent), end = Source.End(parent);
                string tag = Source.Text[start..(end - 2)].TrimEnd();
                string name = new(tag.Skip(1).TakeWhile(ch => !char.IsWhiteSpace(ch)).ToArray());
                Source.Replace(start, end, tag + ">" + Nl + lines.Render(inner, unit, Nl) + Nl + outer + "</" + name + ">");
                return;
            }
            int a = Source.StartTagEnd(parent), b = Source.CloseTagStart(parent);
            if (string.IsNullOrWhiteSpace(Source.Text[a..b])) Source.Replace(a, b, Nl + lines.Render(inner, unit, Nl) + Nl + outer);
            else Source.Insert(b, Nl + lines.Render(inner, unit, Nl) + Nl + outer);
        }

        /// <summary>A new child of &lt;domain&gt;, after the last of <paramref name="after"/> the domain has (libvirt's order).</summary>
        void InsertIntoDomain(XmlLines lines, string[] after)
        {
            var anchor = root.Elements().LastOrDefault(e => e.Name.Namespace == XNamespace.None && after.Contains(e.Name.LocalName));
            if (anchor is not null)
            {
                InsertAfter(anchor, lines);
                return;
            }
            if (root.Elements().FirstOrDefault() is { } first)
            {
                string indent = Source.IndentOf(first);
                Source.Insert(Source.Start(first), lines.Render(indent, unit, Nl, indentFirst: false) + Nl + indent);
                return;
            }
            AppendChild(root, lines);
        }

        static string Num(int n) => n.ToString(CultureInfo.InvariantCulture);
    }
}
