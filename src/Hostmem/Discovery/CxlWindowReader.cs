using System.Buffers.Binary;
using System.Globalization;
using Hostmem.Sysfs;
using Hostmem.Topology;

namespace Hostmem.Discovery;

/// <summary>
/// Finds CXL fixed memory windows: the ranges firmware decodes to CXL. Memory that firmware onlined at boot
/// has no region or dax device, so these ranges are the only way to tell it from DRAM. Both sources are
/// root-only on a live host: /proc/iomem shows zeros to others, and /sys/firmware/acpi/tables is 0400.
/// </summary>
internal static class CxlWindowReader
{
    public static (IReadOnlyList<CxlWindow>, WindowEvidence) Read(SysfsTree fs, CxlTopology cxl)
    {
        var windows = new List<CxlWindow>();
        var readable = false;

        var cedt = fs.TryReadPrivileged(fs.Sys("firmware/acpi/tables/CEDT"));
        if (cedt is not null)
        {
            readable = true;
            windows.AddRange(ParseCedt(cedt).Select(r => new CxlWindow(r, "ACPI CEDT CFMWS")));
        }

        var iomem = fs.ReadProc("iomem");
        if (iomem is not null)
        {
            var (ranges, addressesShown) = ParseIomem(iomem);
            if (addressesShown)
            {
                readable = true;
                foreach (var r in ranges)
                    if (!windows.Any(w => w.Range == r)) windows.Add(new CxlWindow(r, "/proc/iomem CXL Window"));
            }
        }

        // Root decoders are the windows too, as the CXL driver sees them; readable by anyone.
        foreach (var d in cxl.Decoders)
        {
            if (d.Kind != CxlDecoderKind.Root || d.Start is null || d.Size is null or 0) continue;
            readable = true;
            var r = new AddressRange(d.Start.Value, d.Start.Value + d.Size.Value - 1);
            if (!windows.Any(w => w.Range == r)) windows.Add(new CxlWindow(r, $"/sys/bus/cxl/devices/{d.Name}"));
        }
        return (windows, readable ? WindowEvidence.Readable : WindowEvidence.NotReadable);
    }

    /// <summary>"CXL Window N" lines of /proc/iomem; addressesShown is false when a non-root reader got zeros.</summary>
    internal static (List<AddressRange> Ranges, bool AddressesShown) ParseIomem(string text)
    {
        var ranges = new List<AddressRange>();
        var anyNonZero = false;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            var colon = line.IndexOf(" : ", StringComparison.Ordinal);
            if (colon < 0) continue;
            var span = line[..colon];
            var dash = span.IndexOf('-');
            if (dash < 0) continue;
            if (!ulong.TryParse(span[..dash], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var start) ||
                !ulong.TryParse(span[(dash + 1)..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var end))
                continue;
            if (end != 0) anyNonZero = true;
            if (line[(colon + 3)..].StartsWith("CXL Window", StringComparison.Ordinal) && end > start)
                ranges.Add(new AddressRange(start, end));
        }
        return (ranges, anyNonZero);
    }

    /// <summary>CFMWS entries (type 1) of an ACPI CEDT: base HPA at +8, window size at +16.</summary>
    internal static List<AddressRange> ParseCedt(ReadOnlySpan<byte> table)
    {
        var ranges = new List<AddressRange>();
        const int header = 36;
        if (table.Length < header || !table[..4].SequenceEqual("CEDT"u8)) return ranges;
        var length = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(table[4..]), (uint)table.Length);
        var offset = header;
        while (offset + 4 <= length)
        {
            var type = table[offset];
            int recordLength = BinaryPrimitives.ReadUInt16LittleEndian(table[(offset + 2)..]);
            if (recordLength < 4 || offset + recordLength > length) break;
            if (type == 1 && recordLength >= 24)
            {
                var baseHpa = BinaryPrimitives.ReadUInt64LittleEndian(table[(offset + 8)..]);
                var size = BinaryPrimitives.ReadUInt64LittleEndian(table[(offset + 16)..]);
                if (size > 0 && baseHpa <= ulong.MaxValue - (size - 1))
                    ranges.Add(new AddressRange(baseHpa, baseHpa + size - 1));
            }
            offset += recordLength;
        }
        return ranges;
    }
}
