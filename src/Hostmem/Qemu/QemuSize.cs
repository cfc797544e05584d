using System.Globalization;
using System.Numerics;
using System.Text;

namespace Hostmem.Qemu;

/// <summary>
/// QEMU's size and integer syntaxes, as QEMU 10 parses them (checked against qemu-system-x86_64 10.0.2).
/// </summary>
/// <remarks>
/// Sizes (util/cutils.c <c>qemu_strtosz</c>, used for <c>-object size=</c>, <c>maxmem=</c>, hmat-lb <c>bandwidth=</c>, ...):
/// <list type="bullet">
/// <item>optional leading whitespace and '+' (strtoull), never '-'; no trailing whitespace;</item>
/// <item>decimal integer part (leading zeros are decimal, not octal), optional fraction <c>.ddd</c>
///   (<c>1.5G</c>, <c>.5M</c>, <c>1.M</c>, <c>1.</c>); no exponent (<c>1e3</c> is invalid);</item>
/// <item>one optional suffix B K M G T P E, case-insensitive, binary multiples (<c>KiB</c>, <c>kb</c> are invalid);</item>
/// <item>a non-zero fraction needs a suffix above B (<c>1.5</c> and <c>1.5B</c> are invalid, <c>1.0</c> is 1);
///   the fraction times the unit is rounded to the nearest byte (<c>1.0006K</c> = 1025, <c>1.0004K</c> = 1024);</item>
/// <item><c>0x</c>/<c>0X</c> hex is allowed but without fraction or suffix (<c>0x1M</c> is invalid);</item>
/// <item>the value must fit in 64 bits (<c>16E</c> is invalid).</item>
/// </list>
/// <c>-m</c> (softmmu/vl.c parse_memory_options): the same syntax, but when the text ends in a digit the number is
/// MiB (<c>-m 512</c> = 512 MiB, <c>-m 536870912B</c> = 512 MiB); QEMU 10 rejects hex there
/// ("Parameter 'memory.size' expects size"), so do we.
/// Integers of QAPI uint types through QemuOpts (OptsVisitor: hmat-lb <c>latency=</c>, host-nodes, nodeid...) use
/// strtoull base 0: decimal, <c>0x</c> hex and leading-zero octal (<c>host-nodes=010</c> is node 8).
/// </remarks>
public static class QemuSize
{
    public const ulong KiB = 1UL << 10, MiB = 1UL << 20, GiB = 1UL << 30, TiB = 1UL << 40, PiB = 1UL << 50, EiB = 1UL << 60;

    static int SuffixShift(char c) => char.ToUpperInvariant(c) switch
    {
        'B' => 0, 'K' => 10, 'M' => 20, 'G' => 30, 'T' => 40, 'P' => 50, 'E' => 60, _ => -1,
    };

    /// <summary>Parses a size in bytes (default unit B). Null when the text is not a valid QEMU size or overflows.</summary>
    public static ulong? TryParse(string text) => TryParseCore(text, defaultShift: 0, allowHex: true);

    /// <summary>Parses an <c>-m</c> size: like <see cref="TryParse"/> but a text ending in a digit means MiB, and no hex.</summary>
    public static ulong? TryParseMemory(string text)
    {
        if (text.Length == 0) return null;
        // QEMU parses with qemu_strtosz first (so "1.5" is invalid), then multiplies a suffix-less value by MiB.
        ulong? bytes = TryParseCore(text, defaultShift: 0, allowHex: false);
        if (bytes is null || !char.IsAsciiDigit(text[^1])) return bytes;
        return bytes.Value > ulong.MaxValue / MiB ? null : bytes.Value * MiB;
    }

    /// <summary>Parses a size, or throws <see cref="UserError"/> naming <paramref name="where"/> (e.g. <c>-object 'memory-backend-ram,id=m,size=1Q'</c>).</summary>
    public static ulong Parse(string text, string where, string key = "size")
        => TryParse(text) ?? throw SizeError(text, where, key, memory: false);

    /// <summary>Parses an <c>-m</c> size (bare number = MiB), or throws <see cref="UserError"/>.</summary>
    public static ulong ParseMemory(string text, string where, string key = "size")
        => TryParseMemory(text) ?? throw SizeError(text, where, key, memory: true);

    static UserError SizeError(string text, string where, string key, bool memory) => new(
        $"{where}: invalid size '{text}' for '{key}'",
        memory
            ? "Write a size like 8G, 512M or 1.5G (a bare number means MiB for -m); suffixes B K M G T P E, no hex."
            : "Write a size like 19G, 512M, 1.5G or a number of bytes; suffixes B K M G T P E (binary multiples), value below 2^64.");

    static ulong? TryParseCore(string s, int defaultShift, bool allowHex)
    {
        int i = 0;
        while (i < s.Length && IsCSpace(s[i])) i++;
        if (i < s.Length && s[i] == '+') i++;
        // hex: 0x followed by at least one hex digit, nothing else.
        if (i + 1 < s.Length && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X'))
        {
            if (!allowHex) return null;
            int j = i + 2, start = j;
            BigInteger hv = 0;
            while (j < s.Length && char.IsAsciiHexDigit(s[j])) { hv = hv * 16 + Convert.ToInt32(s[j].ToString(), 16); j++; }
            if (j == start || j != s.Length) return null;
            return hv > ulong.MaxValue ? null : (ulong)hv;
        }
        int intStart = i;
        while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        string intDigits = s[intStart..i];
        string fracDigits = "";
        if (i < s.Length && s[i] == '.')
        {
            i++;
            int fs = i;
            while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
            fracDigits = s[fs..i];
        }
        if (intDigits.Length == 0 && fracDigits.Length == 0) return null; // "", ".", ".M", "M"
        int shift = defaultShift;
        if (i < s.Length)
        {
            int sh = SuffixShift(s[i]);
            if (sh < 0) return null;
            shift = sh;
            i++;
        }
        if (i != s.Length) return null;
        BigInteger unit = BigInteger.One << shift;
        BigInteger integral = intDigits.Length == 0 ? BigInteger.Zero : BigInteger.Parse(intDigits, CultureInfo.InvariantCulture);
        BigInteger total = integral * unit;
        string fracTrim = fracDigits.TrimEnd('0');
        if (fracTrim.Length > 0)
        {
            if (shift == 0) return null; // fraction of a byte
            BigInteger num = BigInteger.Parse(fracTrim, CultureInfo.InvariantCulture) * unit;
            BigInteger den = BigInteger.Pow(10, fracTrim.Length);
            BigInteger q = BigInteger.DivRem(num, den, out BigInteger r);
            if (r * 2 >= den) q += 1; // nearest
            total += q;
        }
        return total > ulong.MaxValue ? null : (ulong)total;
    }

    static bool IsCSpace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';

    /// <summary>Compact rendering: the largest binary suffix that divides exactly (<c>19G</c>, <c>512M</c>, <c>4K</c>), else plain bytes.
    /// Valid for <c>-object size=</c> and every qemu_strtosz size. Not for <c>-m</c> (see <see cref="FormatMemory"/>).</summary>
    public static string Format(ulong bytes)
    {
        if (bytes == 0) return "0";
        (char s, int shift)[] units = [('E', 60), ('P', 50), ('T', 40), ('G', 30), ('M', 20), ('K', 10)];
        foreach (var (s, shift) in units)
        {
            ulong u = 1UL << shift;
            if (bytes % u == 0) return (bytes / u).ToString(CultureInfo.InvariantCulture) + s;
        }
        return bytes.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Rendering for <c>-m</c>: like <see cref="Format"/>, but plain byte counts get an explicit <c>B</c>
    /// because a bare number means MiB there.</summary>
    public static string FormatMemory(ulong bytes)
    {
        string s = Format(bytes);
        return char.IsAsciiDigit(s[^1]) ? s + "B" : s;
    }

    /// <summary>strtoull base 0 as QEMU's OptsVisitor uses it for unsigned integers: optional leading whitespace and '+',
    /// decimal, 0x hex, or leading-zero octal; the whole text must be consumed; negative numbers are rejected.</summary>
    public static ulong? TryParseUInt(string s)
    {
        int i = 0;
        while (i < s.Length && IsCSpace(s[i])) i++;
        if (i < s.Length && s[i] == '+') i++;
        if (i >= s.Length) return null;
        int radix = 10;
        if (s[i] == '0' && i + 1 < s.Length && (s[i + 1] == 'x' || s[i + 1] == 'X') && i + 2 < s.Length && char.IsAsciiHexDigit(s[i + 2]))
        { radix = 16; i += 2; }
        else if (s[i] == '0') radix = 8;
        ulong v = 0;
        int start = i;
        while (i < s.Length)
        {
            int d = DigitValue(s[i]);
            if (d < 0 || d >= radix) break;
            if (v > (ulong.MaxValue - (ulong)d) / (ulong)radix) return null; // out of range, as strtoull's ERANGE
            v = v * (ulong)radix + (ulong)d;
            i++;
        }
        if (i == start || i != s.Length) return null;
        return v;
    }

    static int DigitValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>Parses one element of a QemuOpts unsigned list (<c>host-nodes=0-2</c>, <c>cpus=4</c>): a number or an
    /// inclusive range <c>a-b</c> with a &lt;= b (OptsVisitor). Null if malformed.</summary>
    public static (ulong First, ulong Last)? TryParseUIntRange(string s)
    {
        // Split at the first '-' that follows at least one character (the first number may not be negative).
        int dash = s.IndexOf('-', 1 < s.Length ? 1 : s.Length);
        if (s.Length > 0 && s.TrimStart(' ', '\t', '\n', '\v', '\f', '\r').StartsWith('-')) return null;
        if (dash < 0)
        {
            ulong? v = TryParseUInt(s);
            return v is null ? null : (v.Value, v.Value);
        }
        ulong? a = TryParseUInt(s[..dash]);
        ulong? b = TryParseUInt(s[(dash + 1)..]);
        if (a is null || b is null || a > b) return null;
        return (a.Value, b.Value);
    }

    /// <summary>Compresses sorted distinct values into QemuOpts range texts: [0,1,2,5] → ["0-2", "5"].</summary>
    public static IReadOnlyList<string> ToRanges(IEnumerable<ulong> values)
    {
        var sorted = values.Distinct().Order().ToList();
        var result = new List<string>();
        for (int i = 0; i < sorted.Count;)
        {
            int j = i;
            while (j + 1 < sorted.Count && sorted[j + 1] == sorted[j] + 1) j++;
            result.Add(i == j
                ? sorted[i].ToString(CultureInfo.InvariantCulture)
                : string.Create(CultureInfo.InvariantCulture, $"{sorted[i]}-{sorted[j]}"));
            i = j + 1;
        }
        return result;
    }
}

/// <summary>
/// <c>-numa hmat-lb</c> units and limits (hw/core/numa.c parse_numa_hmat_lb, QEMU 10).
/// </summary>
/// <remarks>
/// <c>latency=</c> is a QAPI uint64 in nanoseconds: an integer (strtoull base 0), no suffix (<c>91ns</c>, <c>1K</c> are invalid).
/// <c>bandwidth=</c> is a QAPI size in bytes per second parsed by qemu_strtosz, so <c>262100M</c> = 262100 MiB/s
/// = 262100 × 2^20 B/s; it must be a multiple of 1 MiB/s ("should be 1MB aligned"). Within one hierarchy and
/// data-type, QEMU encodes entries as uint16 multiples of a common base: for bandwidth the base is the lowest set bit of
/// all values OR-ed together and the span from that bit to the highest set bit must be at most 16 bits with every
/// entry / base below 65535; for latency the base is a power of ten and latency / base must stay below 65535.
/// Latency and bandwidth are exclusive: a latency data-type rejects <c>bandwidth=</c> and vice versa.
/// </remarks>
public static class HmatUnits
{
    /// <summary>Parses a hmat-lb bandwidth (bytes/s) and checks the 1 MiB/s alignment; throws <see cref="UserError"/>.</summary>
    public static ulong ParseBandwidth(string text, string where)
    {
        ulong bw = QemuSize.TryParse(text) ?? throw new UserError(
            $"{where}: invalid bandwidth '{text}'",
            "hmat-lb bandwidth is bytes per second as a size: e.g. 262100M means 262100 MiB/s.");
        if (bw % QemuSize.MiB != 0)
            throw new UserError(
                $"{where}: bandwidth {bw} B/s is not a multiple of 1 MiB/s",
                "QEMU requires hmat-lb bandwidth aligned to 1 MiB/s; write it in M (MiB/s) or G (GiB/s).");
        return bw;
    }

    /// <summary>Parses a hmat-lb latency (nanoseconds, integer); throws <see cref="UserError"/>.</summary>
    public static ulong ParseLatency(string text, string where) =>
        QemuSize.TryParseUInt(text) ?? throw new UserError(
            $"{where}: invalid latency '{text}'",
            "hmat-lb latency is an integer number of nanoseconds without a unit, e.g. latency=91.");

    /// <summary>Renders a bandwidth in bytes/s compactly (<c>262100M</c>).</summary>
    public static string FormatBandwidth(ulong bytesPerSecond) => QemuSize.Format(bytesPerSecond);

    /// <summary>The largest MB/s hostmem writes: the guest kernel keeps bandwidth as a u32 in MB/s.</summary>
    public const ulong MaxBandwidthMBps = uint.MaxValue;
    /// <summary>The largest latency hostmem writes: the guest kernel keeps latency as a u32 in ns.</summary>
    public const ulong MaxLatencyNs = uint.MaxValue;

    /// <summary>
    /// A host figure in MB/s (sysfs <c>read_bandwidth</c>, <c>--bandwidth</c>) as a hmat-lb <c>bandwidth=</c>. QEMU divides
    /// the bytes/s by 2^20 for the table and the guest's sysfs shows that number as MB/s, so N MB/s on the host is written
    /// N × 2^20 B/s (<c>NM</c>, or <c>KG</c> when N is a multiple of 1024) and the guest reads back N: exact, always 1 MiB aligned.
    /// </summary>
    public static string FormatBandwidthMBps(ulong mbps)
    {
        if (mbps is 0 or > MaxBandwidthMBps)
            throw new ArgumentOutOfRangeException(nameof(mbps), mbps, $"a hmat-lb bandwidth is 1..{MaxBandwidthMBps} MB/s");
        return mbps % 1024 == 0
            ? (mbps / 1024).ToString(CultureInfo.InvariantCulture) + "G"
            : mbps.ToString(CultureInfo.InvariantCulture) + "M";
    }

    /// <summary>A host figure in ns as a hmat-lb <c>latency=</c> (ns, plain integer; the guest reads back the same ns).</summary>
    public static string FormatLatencyNs(ulong ns)
    {
        if (ns is 0 or > MaxLatencyNs)
            throw new ArgumentOutOfRangeException(nameof(ns), ns, $"a hmat-lb latency is 1..{MaxLatencyNs} ns (0 means no figure to the guest kernel)");
        return ns.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Bandwidths (MB/s) of one hmat-lb table (one hierarchy and data-type) made encodable: when their set bits span more than
    /// 16 bits, every value is rounded to the nearest multiple (ties up, never 0) of the smallest power of two that makes them fit.
    /// Values that already fit come back unchanged. The result is in the input's order.
    /// </summary>
    public static IReadOnlyList<ulong> FitBandwidthsMBps(IReadOnlyList<ulong> mbps)
    {
        ArgumentNullException.ThrowIfNull(mbps);
        if (mbps.Any(v => v is 0 or > MaxBandwidthMBps))
            throw new ArgumentOutOfRangeException(nameof(mbps), $"a hmat-lb bandwidth is 1..{MaxBandwidthMBps} MB/s");
        if (mbps.Count == 0 || BandwidthsEncodable(mbps)) return [.. mbps];
        ulong max = mbps.Max();
        for (int shift = Math.Max(0, 64 - BitOperations.LeadingZeroCount(max) - 16); shift < 63; shift++)
        {
            ulong unit = 1UL << shift;
            var rounded = mbps.Select(v => RoundWithin(v, unit, MaxBandwidthMBps)).ToList();
            if (rounded.All(v => v <= MaxBandwidthMBps) && BandwidthsEncodable(rounded)) return rounded;
        }
        throw new InvalidOperationException("unreachable: one power of two always fits");
    }

    /// <summary>
    /// Latencies (ns) of one hmat-lb table made encodable: QEMU's base is a power of ten dividing every entry and each
    /// entry / base must stay below 65535; otherwise every value is rounded to the nearest multiple (ties up, never 0) of the
    /// smallest power of ten that fits. Values that already fit come back unchanged.
    /// </summary>
    public static IReadOnlyList<ulong> FitLatenciesNs(IReadOnlyList<ulong> ns)
    {
        ArgumentNullException.ThrowIfNull(ns);
        if (ns.Any(v => v is 0 or > MaxLatencyNs))
            throw new ArgumentOutOfRangeException(nameof(ns), $"a hmat-lb latency is 1..{MaxLatencyNs} ns");
        if (ns.Count == 0 || LatencyBaseFits(ns)) return [.. ns];
        for (ulong unit = 10; ; unit *= 10)
        {
            var rounded = ns.Select(v => RoundWithin(v, unit, MaxLatencyNs)).ToList();
            if (rounded.All(v => v <= MaxLatencyNs) && LatencyBaseFits(rounded)) return rounded;
        }
    }

    /// <summary>The nearest multiple within the kernel's u32: a value near u32's top rounds down, not past it (4294967295
    /// MB/s rounded up to a multiple of 2^16 would not fit any table).</summary>
    static ulong RoundWithin(ulong value, ulong unit, ulong max)
    {
        ulong up = RoundToMultiple(value, unit);
        return up <= max ? up : Math.Max(value / unit, 1) * unit;
    }

    static ulong RoundToMultiple(ulong value, ulong unit)
    {
        ulong q = value / unit, r = value % unit;
        if (r >= unit - r) q++; // nearest, ties up
        return Math.Max(q, 1) * unit;
    }

    // Every entry a multiple of the common base (the smallest power of ten among the entries' own) and below 65535 in it:
    // what QEMU's parser checks and what its table builder needs to write each entry exactly.
    static bool LatencyBaseFits(IReadOnlyList<ulong> ns)
    {
        ulong baseUnit = ns.Min(PowerOfTenIn);
        return ns.All(v => v / baseUnit < ushort.MaxValue);
    }

    static ulong PowerOfTenIn(ulong v)
    {
        ulong t = 1;
        while (v % 10 == 0) { v /= 10; t *= 10; }
        return t;
    }

    /// <summary>True when QEMU can encode all these bandwidths (same hierarchy and data-type) in one HMAT table.</summary>
    public static bool BandwidthsEncodable(IEnumerable<ulong> bandwidths)
    {
        ulong bits = 0;
        var nonZero = bandwidths.Where(b => b != 0).ToList();
        foreach (ulong b in nonZero) bits |= b;
        if (bits == 0) return true;
        int first = BitOperations.TrailingZeroCount(bits);
        int last = 64 - BitOperations.LeadingZeroCount(bits);
        if (last - first > 16) return false;
        return nonZero.All(b => (b >> first) < ushort.MaxValue);
    }

    /// <summary>
    /// True when one HMAT table holds all these latencies (same hierarchy and data-type) exactly: every entry divided by the
    /// table's base (the smallest power of ten among the entries' own) below 65535. QEMU's parser checks each entry only
    /// against the base of the entries before it, so it accepts latency=100 then 323601, lowers the base to 1 and writes
    /// 323601 into a 16-bit entry: a 6.12 guest read 61457 ns (lab, QEMU 10.0). Order does not matter here.
    /// </summary>
    public static bool LatenciesEncodable(IEnumerable<ulong> latencies)
    {
        var nonZero = latencies.Where(l => l != 0).ToList();
        return nonZero.Count == 0 || LatencyBaseFits(nonZero);
    }
}

/// <summary>POSIX sh quoting of argv words.</summary>
public static class ShellQuote
{
    static bool IsSafe(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '_' or '@' or '%' or '+' or '=' or ':' or ',' or '.' or '/' or '-';

    /// <summary>Plain safe words stay unquoted, everything else is single-quoted with <c>'</c> written as <c>'\''</c>.
    /// With <paramref name="commandWord"/>, a word containing '=' is quoted too (sh would read it as an assignment).</summary>
    public static string Quote(string word, bool commandWord = false)
    {
        if (word.Length > 0 && word.All(IsSafe) && !(commandWord && word.Contains('='))) return word;
        var sb = new StringBuilder(word.Length + 2).Append('\'');
        foreach (char c in word)
        {
            if (c == '\'') sb.Append("'\\''");
            else sb.Append(c);
        }
        return sb.Append('\'').ToString();
    }

    /// <summary>Joins argv into one shell line.</summary>
    public static string Join(IEnumerable<string> argv) =>
        string.Join(' ', argv.Select((w, i) => Quote(w, commandWord: i == 0)));
}
