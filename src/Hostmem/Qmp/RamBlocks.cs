using System.Globalization;

namespace Hostmem.Qmp;

/// <summary>One of QEMU's RAM blocks: its name (empty for a backend no device registered by name, e.g. cxl-type3's
/// volatile-memdev), page size, length and the host virtual address it is mapped at in QEMU's process.</summary>
public sealed record RamBlock(string Name, ulong PageSizeBytes, ulong OffsetBytes, ulong UsedBytes, ulong TotalBytes, ulong HostAddress);

/// <summary>
/// Parses HMP <c>info ramblock</c> (QEMU >= 6.1 prints the HVA column; hmp_info_ramblock → ram_block_format):
/// <code>
///   Block Name    PSize              Offset               Used              Total                HVA  RO
///            m    4 KiB  0x0000000000000000 0x0000000004000000 0x0000000004000000 0x00007fae87e00000  rw
/// </code>
/// Read from the right, because the name column may be empty and the page size is two words.
/// </summary>
public static class RamBlocks
{
    /// <summary>The blocks, or null when the text is not that table (an older QEMU without HVA, or another format).</summary>
    public static IReadOnlyList<RamBlock>? Parse(string text)
    {
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0).ToList();
        if (lines.Count == 0) return null;
        var header = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int hva = Array.IndexOf(header, "HVA");
        if (header.Length < 6 || header[0] != "Block" || header[1] != "Name" || hva < 0) return null;
        bool hasRo = header[^1] == "RO";
        var result = new List<RamBlock>();
        foreach (var line in lines.Skip(1))
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            int last = words.Length - 1 - (hasRo ? 1 : 0);
            // name? | size unit | offset | used | total | hva | ro?
            if (last < 5) return null;
            if (!Hex(words[last], out var address) || !Hex(words[last - 1], out var total) || !Hex(words[last - 2], out var used)
                || !Hex(words[last - 3], out var offset) || PageSize(words[last - 5], words[last - 4]) is not { } pageSize)
                return null;
            var name = string.Join(' ', words.Take(last - 5));
            result.Add(new RamBlock(name, pageSize, offset, used, total, address));
        }
        return result;
    }

    static bool Hex(string word, out ulong value)
    {
        value = 0;
        return word.StartsWith("0x", StringComparison.Ordinal)
            && ulong.TryParse(word.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }

    // size_to_str: "4 KiB", "2 MiB", "1 GiB" (whole numbers for page sizes).
    static ulong? PageSize(string number, string unit)
    {
        if (!ulong.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return null;
        return unit switch
        {
            "B" => n,
            "KiB" => n << 10,
            "MiB" => n << 20,
            "GiB" => n << 30,
            _ => null,
        };
    }
}
