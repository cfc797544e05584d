using System.Buffers.Binary;
using System.Globalization;
using Hostmem.Sysfs;
using Hostmem.Topology;

namespace Hostmem.Discovery;

/// <summary>
/// Reads the ACPI HMAT (ACPI 6.3+, "Heterogeneous Memory Attribute Table") and the SRAT beside it into the full
/// initiator × target matrix. sysfs shows only each node's nearest initiator; the cross-socket figures are only here.
/// Garbage (truncation, lengths that overrun, bad checksums, unknown revisions) gives diagnostics, never an exception.
/// </summary>
public static class AcpiHmatReader
{
    const int HeaderLength = 36;
    const int HmatReserved = 4; // HMAT: 4 reserved bytes after the common header
    const int SratReserved = 12; // SRAT: table revision u32 + 8 reserved bytes

    static readonly string[] DataTypes = ["access latency", "read latency", "write latency", "access bandwidth", "read bandwidth", "write bandwidth"];

    public static (HmatMatrix? Matrix, AcpiTableEvidence Evidence) Read(SysfsTree fs, IReadOnlyList<NumaNode> nodes)
    {
        ArgumentNullException.ThrowIfNull(fs);
        var path = fs.Sys("firmware/acpi/tables/HMAT");
        if (!fs.Exists(path)) return (null, AcpiTableEvidence.Absent);
        var hmat = fs.TryReadPrivileged(path);
        if (hmat is null) return (null, AcpiTableEvidence.NotReadable);
        var srat = fs.TryReadPrivileged(fs.Sys("firmware/acpi/tables/SRAT"));
        return (Parse(hmat, srat, nodes), AcpiTableEvidence.Readable);
    }

    /// <summary>Parses an HMAT (and the SRAT that names its proximity domains; null when unreadable) and maps the
    /// domains to the nodes in <paramref name="nodes"/> when the SRAT order agrees with them.</summary>
    public static HmatMatrix Parse(ReadOnlySpan<byte> hmat, ReadOnlySpan<byte> srat, IReadOnlyList<NumaNode> nodes)
    {
        var diagnostics = new List<string>();
        var body = Table(hmat, "HMAT"u8, "HMAT", HmatReserved, diagnostics, out byte revision);
        var domains = ParseSrat(srat, diagnostics, out var ranges);
        bool proven = ProveNodes(domains, ranges, nodes ?? [], diagnostics);
        var cells = new Dictionary<(uint, uint), Cell>();
        if (revision is not (1 or 2) && body.Length > 0)
        {
            diagnostics.Add($"HMAT revision {revision} is unknown (1 or 2 expected): the kernel ignores such a table, and so does hostmem");
            body = [];
        }
        int offset = 0, caches = 0, otherHierarchy = 0;
        while (offset < body.Length)
        {
            if (body.Length - offset < 8) { diagnostics.Add($"HMAT: {body.Length - offset} stray byte(s) at the end, too short for a structure"); break; }
            var s = body[offset..];
            ushort type = BinaryPrimitives.ReadUInt16LittleEndian(s);
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(s[4..]);
            if (length < 8 || length > (uint)s.Length)
            {
                diagnostics.Add($"HMAT: structure type {type} at offset {offset + HeaderLength + HmatReserved} says {length} bytes, {s.Length} left: the rest of the table is skipped");
                break;
            }
            s = s[..(int)length];
            switch (type)
            {
                case 0: break; // memory proximity domain attributes: the kernel's access0 attachment; the matrix does not need it
                case 1:
                    if ((s.Length >= 9 ? s[8] & 0x0F : 0) != 0) otherHierarchy++;
                    else Locality(s, revision, offset, cells, diagnostics);
                    break;
                case 2: caches++; break;
                default: diagnostics.Add($"HMAT: structure type {type} at offset {offset + HeaderLength + HmatReserved} is unknown: skipped"); break;
            }
            offset += (int)length;
        }
        if (otherHierarchy > 0)
            diagnostics.Add($"HMAT: {otherHierarchy} table(s) for memory-side cache levels left out (the kernel reads only the memory hierarchy)");

        var byPxm = domains.ToDictionary(d => d.Pxm);
        // By (initiator, target). A loop: ThenBy() and a Select() after OrderBy() are generic virtual calls NativeAOT
        // resolves at run time (100,000 instructions, a seventieth of a topology run).
        var localities = new List<HmatLocality>(cells.Count);
        foreach (var c in cells.OrderBy(c => c.Key))
        {
            byPxm.TryGetValue(c.Key.Item1, out var i);
            byPxm.TryGetValue(c.Key.Item2, out var t);
            localities.Add(new HmatLocality
            {
                InitiatorPxm = c.Key.Item1, TargetPxm = c.Key.Item2,
                InitiatorNode = proven ? i?.Node : null, TargetNode = proven ? t?.Node : null,
                TargetIsPort = t?.IsGenericPort == true,
                ReadLatencyNs = c.Value.ReadLat, WriteLatencyNs = c.Value.WriteLat,
                ReadBandwidthMBps = c.Value.ReadBw, WriteBandwidthMBps = c.Value.WriteBw,
                Unreachable = c.Value.Unreachable,
            });
        }
        foreach (var pxm in cells.Keys.SelectMany(k => new[] { k.Item1, k.Item2 }).Distinct().Where(p => !byPxm.ContainsKey(p)).Order())
            diagnostics.Add($"HMAT names proximity domain {pxm}, which the SRAT does not describe");
        return new HmatMatrix
        {
            Revision = revision,
            Domains = [.. domains.Select(d => proven ? d : d with { Node = null })],
            Localities = localities,
            NodesProven = proven,
            Diagnostics = diagnostics,
        };
    }

    sealed class Cell
    {
        public ulong? ReadLat, WriteLat, ReadBw, WriteBw;
        public bool Unreachable;
    }

    /// <summary>A System Locality Latency and Bandwidth Information structure (type 1): 32 bytes, then the initiator and
    /// target proximity domain lists (u32 each) and a u16 entry per pair, initiator-major.</summary>
    static void Locality(ReadOnlySpan<byte> s, byte revision, int offset, Dictionary<(uint, uint), Cell> cells, List<string> diagnostics)
    {
        string where = $"HMAT: locality structure at offset {offset + HeaderLength + HmatReserved}";
        if (s.Length < 32) { diagnostics.Add($"{where} is {s.Length} bytes, shorter than its 32-byte header: skipped"); return; }
        byte dataType = s[9];
        uint initiators = BinaryPrimitives.ReadUInt32LittleEndian(s[12..]);
        uint targets = BinaryPrimitives.ReadUInt32LittleEndian(s[16..]);
        ulong baseUnit = BinaryPrimitives.ReadUInt64LittleEndian(s[24..]);
        if (dataType > 5) { diagnostics.Add($"{where}: data type {dataType} is unknown (0-5): skipped"); return; }
        // Each count is bounded by the structure's length first: initiators × targets of two garbage u32s overflows a long.
        ulong need = initiators > (uint)s.Length || targets > (uint)s.Length
            ? ulong.MaxValue
            : 32 + 4UL * initiators + 4UL * targets + 2UL * initiators * targets;
        if (need > (ulong)s.Length)
        {
            diagnostics.Add($"{where}: {initiators} initiator(s) × {targets} target(s) need more than the {s.Length} bytes the structure has: skipped");
            return;
        }
        var initList = s[32..];
        var targetList = s[(32 + 4 * (int)initiators)..];
        var entries = s[(32 + 4 * (int)(initiators + targets))..];
        for (int i = 0; i < initiators; i++)
            for (int t = 0; t < targets; t++)
            {
                uint ip = BinaryPrimitives.ReadUInt32LittleEndian(initList[(4 * i)..]);
                uint tp = BinaryPrimitives.ReadUInt32LittleEndian(targetList[(4 * t)..]);
                ushort entry = BinaryPrimitives.ReadUInt16LittleEndian(entries[(2 * (i * (int)targets + t))..]);
                if (entry == 0) continue; // no information
                if (!cells.TryGetValue((ip, tp), out var cell)) cells[(ip, tp)] = cell = new Cell();
                if (entry == 0xFFFF) { cell.Unreachable = true; continue; }
                if (Normalize(entry, baseUnit, dataType, revision) is not { } v)
                {
                    diagnostics.Add($"{where}: {DataTypes[dataType]} {entry} × base unit {baseUnit} from domain {ip} to {tp} overflows the kernel's 32 bits: left out");
                    continue;
                }
                switch (dataType)
                {
                    case 0: cell.ReadLat = cell.WriteLat = v; break;
                    case 1: cell.ReadLat = v; break;
                    case 2: cell.WriteLat = v; break;
                    case 3: cell.ReadBw = cell.WriteBw = v; break;
                    case 4: cell.ReadBw = v; break;
                    default: cell.WriteBw = v; break;
                }
            }
    }

    /// <summary>As the kernel's hmat_normalize: entry × base unit must fit 32 bits; revision 2 latencies are picoseconds
    /// (rounded up to ns), revision 1 values are tenths of ns or MB/s... as that revision defined them.</summary>
    static ulong? Normalize(ushort entry, ulong baseUnit, byte dataType, byte revision)
    {
        if (baseUnit > uint.MaxValue / entry) return null;
        ulong value = entry * baseUnit;
        if (revision == 1) return value < 10 ? null : (value + 9) / 10;
        return dataType <= 2 ? (value + 999) / 1000 : value;
    }

    // ------------------------------------------------------------------ SRAT

    sealed class DomainBuilder
    {
        public bool Cpus, Memory, Initiator, Port;
        public string? Handle;
        public List<(ulong Start, ulong End)> Ranges = [];
    }

    /// <summary>
    /// The SRAT's proximity domains with the node ids the kernel gives them: acpi_numa_init maps processor (types 0, 2,
    /// 3) and generic initiator (5) domains first, in table order, then memory (1) domains in table order, each new domain
    /// taking the lowest free node id. Disabled entries are skipped. Generic ports (6) make no node (the recorded
    /// cxl-ram-genport tree: the CXL window took node 1, the port's domain number).
    /// </summary>
    static List<ProximityDomain> ParseSrat(ReadOnlySpan<byte> srat, List<string> diagnostics, out Dictionary<uint, List<(ulong Start, ulong End)>> ranges)
    {
        var result = new List<ProximityDomain>();
        ranges = [];
        if (srat.IsEmpty) { diagnostics.Add("no readable SRAT: proximity domains cannot be mapped to nodes"); return result; }
        var body = Table(srat, "SRAT"u8, "SRAT", SratReserved, diagnostics, out byte revision);
        var domains = new Dictionary<uint, DomainBuilder>();
        var order = new List<uint>();
        DomainBuilder Get(uint pxm) => domains.TryGetValue(pxm, out var d) ? d : domains[pxm] = new DomainBuilder();
        void Map(uint pxm) { if (!order.Contains(pxm)) order.Add(pxm); }

        var memory = new List<(uint Pxm, ulong Start, ulong End)>();
        int offset = 0;
        while (offset < body.Length)
        {
            if (body.Length - offset < 2) { diagnostics.Add("SRAT: a stray byte at the end"); break; }
            byte type = body[offset];
            int length = body[offset + 1];
            if (length < 2 || length > body.Length - offset)
            {
                diagnostics.Add($"SRAT: entry type {type} at offset {offset + HeaderLength + SratReserved} says {length} bytes, {body.Length - offset} left: the rest of the table is skipped");
                break;
            }
            var e = body.Slice(offset, length);
            offset += length;
            int have = e.Length;
            bool Short(int need)
            {
                if (have >= need) return false;
                diagnostics.Add($"SRAT: entry type {type} is {have} bytes, {need} expected: skipped");
                return true;
            }
            switch (type)
            {
                case 0: // processor local APIC/SAPIC affinity
                    if (Short(16) || (BinaryPrimitives.ReadUInt32LittleEndian(e[4..]) & 1) == 0) break;
                    uint pxm0 = e[2];
                    if (revision >= 2) pxm0 |= (uint)(e[9] | e[10] << 8 | e[11] << 16) << 8;
                    Get(pxm0).Cpus = true; Map(pxm0);
                    break;
                case 2: // processor local x2APIC affinity
                    if (Short(24) || (BinaryPrimitives.ReadUInt32LittleEndian(e[12..]) & 1) == 0) break;
                    uint pxm2 = BinaryPrimitives.ReadUInt32LittleEndian(e[4..]);
                    Get(pxm2).Cpus = true; Map(pxm2);
                    break;
                case 3: // GICC affinity (arm64)
                    if (Short(18) || (BinaryPrimitives.ReadUInt32LittleEndian(e[14..]) & 1) == 0) break;
                    uint pxm3 = BinaryPrimitives.ReadUInt32LittleEndian(e[2..]);
                    Get(pxm3).Cpus = true; Map(pxm3);
                    break;
                case 5: // generic initiator
                    if (Short(32) || (BinaryPrimitives.ReadUInt32LittleEndian(e[24..]) & 1) == 0) break;
                    uint pxm5 = BinaryPrimitives.ReadUInt32LittleEndian(e[4..]);
                    Get(pxm5).Initiator = true; Map(pxm5);
                    break;
                case 1: // memory affinity: mapped in the second pass
                    if (Short(32) || (BinaryPrimitives.ReadUInt32LittleEndian(e[28..]) & 1) == 0) break;
                    ulong start = BinaryPrimitives.ReadUInt64LittleEndian(e[8..]), size = BinaryPrimitives.ReadUInt64LittleEndian(e[16..]);
                    memory.Add((BinaryPrimitives.ReadUInt32LittleEndian(e[2..]), start, size == 0 || start > ulong.MaxValue - (size - 1) ? start : start + size - 1));
                    break;
                case 6: // generic port
                    if (Short(32) || (BinaryPrimitives.ReadUInt32LittleEndian(e[24..]) & 1) == 0) break;
                    var port = Get(BinaryPrimitives.ReadUInt32LittleEndian(e[4..]));
                    port.Port = true;
                    port.Handle = e[3] == 0 ? Handle(e.Slice(8, 12)) : Convert.ToHexString(e.Slice(8, 16));
                    break;
                default: break; // other entry types name no proximity domain the matrix needs
            }
        }
        foreach (var (pxm, start, end) in memory)
        {
            var d = Get(pxm);
            d.Memory = true;
            d.Ranges.Add((start, end));
            Map(pxm);
        }
        foreach (var (pxm, d) in domains.OrderBy(d => d.Key))
        {
            int index = order.IndexOf(pxm);
            result.Add(new ProximityDomain(pxm, index < 0 ? null : index, d.Cpus, d.Memory, d.Initiator, d.Port, d.Handle));
            if (d.Ranges.Count > 0) ranges[pxm] = d.Ranges;
        }
        return result;
    }

    /// <summary>ACPI device handle: an 8-byte HID and a 4-byte UID, shown "ACPI0016:12".</summary>
    static string Handle(ReadOnlySpan<byte> h)
    {
        var hid = new string([.. h[..8].ToArray().TakeWhile(b => b != 0).Select(b => b is >= 0x20 and < 0x7F ? (char)b : '?')]);
        return hid + ":" + BinaryPrimitives.ReadUInt32LittleEndian(h[8..]).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Checks the SRAT-order node ids against the nodes sysfs shows: a memory domain's ranges must overlap its node's memory
    /// blocks, a processor domain's node must have CPUs. Any disagreement (or nothing to check against) leaves the matrix in
    /// proximity domain numbers.
    /// </summary>
    static bool ProveNodes(List<ProximityDomain> domains, Dictionary<uint, List<(ulong Start, ulong End)>> memory, IReadOnlyList<NumaNode> nodes, List<string> diagnostics)
    {
        {
            var mapped = domains.Where(d => d.Node is not null).ToList();
            if (mapped.Count == 0) return false;
            var problems = new List<string>();
            int checks = 0;
            foreach (var d in mapped)
            {
                var n = nodes.FirstOrDefault(x => x.Id == d.Node);
                if (n is null) { problems.Add($"domain {d.Pxm} would be node{d.Node}, which sysfs does not show"); continue; }
                if (d.HasCpus && !n.HasCpus) problems.Add($"domain {d.Pxm} has CPUs but node{d.Node} has none");
                else if (d.HasCpus) checks++;
                if (d.HasMemory && n.MemoryRanges.Count > 0 && memory.TryGetValue(d.Pxm, out var ranges))
                {
                    if (ranges.Any(r => n.MemoryRanges.Any(m => m.Start <= r.End && r.Start <= m.End))) checks++;
                    else problems.Add($"domain {d.Pxm}'s memory is not in node{d.Node}'s memory blocks");
                }
            }
            if (problems.Count > 0)
            {
                diagnostics.Add("the SRAT order does not match the nodes sysfs shows (" + string.Join("; ", problems)
                    + "): the matrix keeps proximity domain numbers");
                return false;
            }
            if (checks == 0)
            {
                diagnostics.Add("nothing in sysfs to check the SRAT's node numbering against: the matrix keeps proximity domain numbers");
                return false;
            }
            return true;
        }
    }

    /// <summary>The table's body after its header (and <paramref name="reserved"/> bytes), cut to what is really there.</summary>
    static ReadOnlySpan<byte> Table(ReadOnlySpan<byte> table, ReadOnlySpan<byte> signature, string name, int reserved, List<string> diagnostics, out byte revision)
    {
        revision = 0;
        if (table.Length < HeaderLength + reserved)
        {
            diagnostics.Add($"{name}: {table.Length} bytes, shorter than its {HeaderLength + reserved}-byte header: nothing read");
            return [];
        }
        if (!table[..4].SequenceEqual(signature))
        {
            diagnostics.Add($"{name}: the signature is not {name}: nothing read");
            return [];
        }
        revision = table[8];
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(table[4..]);
        if (length < HeaderLength + reserved)
        {
            diagnostics.Add($"{name}: the header says {length} bytes, shorter than the header itself: nothing read");
            return [];
        }
        if (length > table.Length)
        {
            diagnostics.Add($"{name}: the header says {length} bytes, the file has {table.Length} (truncated): reading what is there");
            length = (uint)table.Length;
        }
        else if (length < table.Length)
            diagnostics.Add($"{name}: {table.Length - length} byte(s) after the table's {length}: ignored");
        else
        {
            byte sum = 0;
            foreach (var b in table[..(int)length]) sum += b;
            if (sum != 0) diagnostics.Add($"{name}: bad checksum (bytes add up to {sum}, not 0): read anyway, as the kernel does");
        }
        return table[(HeaderLength + reserved)..(int)length];
    }
}
