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

    /// <summary>Open addressing over a hash of length and end characters: a span lookup in a Dictionary hashes every
    /// character (Marvin), about 270 instructions a word, and a 128-node plan reads back 28,000 keys.</summary>
    static readonly string?[] Table = Build();

    /// <summary>0..255 as written (node ids, distances), found by value rather than by hashing the text.</summary>
    static readonly string[] Numbers = [.. Enumerable.Range(0, 256).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    const int Slots = 256; // a power of two, about four times the words

    static int Hash(ReadOnlySpan<char> w) => (w.Length * 37 + w[0] * 31 + w[^1] * 7 + w[w.Length / 2]) & (Slots - 1);

    static string?[] Build()
    {
        var table = new string?[Slots];
        foreach (string w in Words)
        {
            int i = Hash(w);
            while (table[i] is not null) i = (i + 1) & (Slots - 1);
            table[i] = w;
        }
        return table;
    }

    static string? Find(ReadOnlySpan<char> w)
    {
        for (int i = Hash(w); Table[i] is { } candidate; i = (i + 1) & (Slots - 1))
            if (w.SequenceEqual(candidate)) return candidate;
        return null;
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
        if (span.Length is > 0 and <= 24 && !char.IsAsciiDigit(span[0]) && Find(span) is { } shared) return shared;
        return text.Substring(start, end - start);
    }
}
