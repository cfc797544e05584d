namespace Hostmem.Qemu;

/// <summary>
/// The words option strings are mostly made of (the keys and type names of -numa and -object, small numbers), each one
/// string shared by every parse: a 128-node plan reads back 16,000 <c>-numa dist,src=N,dst=M,val=D</c> options, and
/// a fresh string per key and number was most of what that allocated. Strings are immutable, so sharing is invisible.
/// </summary>
static class OptionWords
{
    static readonly string[] Words =
    [
        "type", "node", "dist", "cpu", "hmat-lb", "hmat-cache", "nodeid", "cpus", "memdev", "mem", "initiator", "src", "dst",
        "val", "target", "hierarchy", "data-type", "latency", "bandwidth", "memory", "first-level", "second-level",
        "third-level", "access-latency", "read-latency", "write-latency", "access-bandwidth", "read-bandwidth",
        "write-bandwidth", "node-id", "socket-id", "die-id", "cluster-id", "core-id", "thread-id", "size", "level",
        "associativity", "policy", "line", "id", "qom-type", "host-nodes", "prealloc", "share", "mem-path", "merge",
        "dump", "memory-backend-ram", "memory-backend-file", "memory-backend-memfd", "bind", "preferred", "interleave",
        "default", "on", "off", "yes", "no", "true", "false",
    ];

    static readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> Lookup = Build();

    /// <summary>0..255 as written (node ids, distances), found by value rather than by hashing the text.</summary>
    static readonly string[] Numbers = [.. Enumerable.Range(0, 256).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    static Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> Build()
    {
        var table = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string w in Words) table[w] = w;
        return table.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The shared string of a canonical decimal 0..255 ("7", "20", "255"; not "07"), else null.</summary>
    static string? Number(ReadOnlySpan<char> text)
    {
        if (text.Length is 0 or > 3 || (text[0] == '0' && text.Length > 1)) return null;
        int v = 0;
        foreach (char c in text)
        {
            if (!char.IsAsciiDigit(c)) return null;
            v = v * 10 + (c - '0');
        }
        return v < 256 ? Numbers[v] : null;
    }

    /// <summary>The shared string for <paramref name="text"/>[start, end), or a new one.</summary>
    public static string Of(string text, int start, int end)
    {
        var span = text.AsSpan(start, end - start);
        if (Number(span) is { } number) return number;
        if (span.Length is > 0 and <= 24 && !char.IsAsciiDigit(span[0]) && Lookup.TryGetValue(span, out var shared)) return shared;
        return text.Substring(start, end - start);
    }
}
