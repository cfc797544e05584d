using System.Text;

namespace Hostmem.Qemu;

/// <summary>Which of QEMU's option-argument parsers an option uses.</summary>
/// <remarks>
/// QEMU 10 has two KEY=VALUE parsers (verified by running qemu-system-x86_64 10.0.2):
/// <list type="bullet">
/// <item><see cref="QemuOpts"/> (util/qemu-option.c), used by <c>-object</c> (non-JSON), <c>-device</c> (non-JSON),
///   <c>-numa</c>, <c>-m</c>, <c>-smp</c>, <c>-accel</c>, <c>-drive</c>, <c>-chardev</c>, <c>-netdev</c>, ... .
///   Despite the QOM/QAPI rework in QEMU 6, qemu-system's <c>-object</c> still goes through QemuOpts plus the
///   OptsVisitor (keyval is used for <c>--object</c> of qemu-img/qemu-nbd/qemu-storage-daemon only). Rules: the first
///   element may be a bare value for the implied key (the value may contain <c>,,</c>, and it is implied only when no '='
///   comes before the first ','); a bare word elsewhere is a deprecated short-form boolean: <c>prealloc</c> means
///   <c>prealloc=on</c>, <c>noprealloc</c> means <c>prealloc=off</c>; repeated keys are all kept: the OptsVisitor takes the
///   last occurrence for a scalar (<c>size=1M,size=2M</c> is 2M) and every occurrence for a list
///   (<c>host-nodes=0,host-nodes=2</c> is [0,2], each element a number or range <c>0-1</c>); <c>id</c> is special:
///   the first <c>id=</c> wins. Dotted keys (<c>host-nodes.0=</c>) are NOT understood ("Invalid parameter 'host-nodes.1'").</item>
/// <item><see cref="Keyval"/> (util/keyval.c), used by <c>-machine</c>/<c>-M</c> (and <c>-blockdev</c>, <c>-audiodev</c>,
///   <c>-compat</c>): the implied value must be non-empty and cannot contain ',' or '=' (no <c>,,</c> escape there);
///   every other element must be <c>key=value</c> ("Expected '=' after parameter 'x'"); keys are dotted paths of QAPI
///   names or list indexes (<c>cxl-fmw.0.targets.0=cxl.1</c>); list indexes may not have gaps; a repeated key: last wins.</item>
/// </list>
/// In both, <c>,,</c> in a value is a literal comma, a single trailing ',' is allowed, and keys cannot be escaped.
/// </remarks>
public enum QemuOptionSyntax
{
    QemuOpts,
    Keyval,
    Json,
}

/// <summary>How one element of a KEY=VALUE option string was written.</summary>
public enum OptionEntryForm
{
    /// <summary><c>key=value</c></summary>
    Pair,
    /// <summary>A bare first element that is the value of the implied key (<c>memory-backend-ram</c> in <c>-object</c>).</summary>
    Implied,
    /// <summary>A bare word that is a short-form boolean (QemuOpts only): <c>prealloc</c> = on, <c>noprealloc</c> = off.</summary>
    Flag,
}

/// <summary>One element of a KEY=VALUE option string. Equality ignores <see cref="Raw"/>.</summary>
public sealed class OptionEntry : IEquatable<OptionEntry>
{
    OptionEntry(OptionEntryForm form, string key, string value, string? source, int start, int length)
    {
        Form = form;
        Key = key;
        Value = value;
        this.source = source;
        this.start = start;
        this.length = length;
    }

    // The parsed text and this element's place in it: Raw is cut out only when asked for (a 128-node plan reads back
    // 16,000 -numa options, and nearly every Raw is never looked at).
    readonly string? source;
    readonly int start, length;
    string? raw;

    public OptionEntryForm Form { get; }

    /// <summary>The key as written (<see cref="OptionEntryForm.Pair"/>), the implied key's name
    /// (<see cref="OptionEntryForm.Implied"/>), or the bare word (<see cref="OptionEntryForm.Flag"/>).</summary>
    public string Key { get; }

    /// <summary>The unescaped value (<c>,,</c> already turned into ','); empty for a flag.</summary>
    public string Value { get; }

    /// <summary>The exact original text of this element (escapes included, no separator), or null if created by an edit.</summary>
    public string? Raw => source is null ? null : raw ??= source.Substring(start, length);

    /// <summary>The key QEMU sees: for a flag, the word without a leading "no".</summary>
    public string EffectiveKey => Form == OptionEntryForm.Flag && Key.StartsWith("no", StringComparison.Ordinal) ? Key[2..] : Key;

    /// <summary>The value QEMU sees: for a flag, "on" or (with a leading "no") "off".</summary>
    public string EffectiveValue => Form == OptionEntryForm.Flag ? (Key.StartsWith("no", StringComparison.Ordinal) ? "off" : "on") : Value;

    public static OptionEntry Pair(string key, string value) => new(OptionEntryForm.Pair, key, value, null, 0, 0);
    public static OptionEntry Implied(string impliedKey, string value) => new(OptionEntryForm.Implied, impliedKey, value, null, 0, 0);
    public static OptionEntry Flag(string word) => new(OptionEntryForm.Flag, word, "", null, 0, 0);
    /// <summary>An element parsed from <paramref name="text"/>, where it was written at [start, end).</summary>
    internal static OptionEntry Parsed(OptionEntryForm form, string key, string value, string text, int start, int end) =>
        new(form, key, value, text, start, end - start);

    /// <summary>Escapes a value for KEY=VALUE syntax: ',' becomes ',,'.</summary>
    public static string Escape(string value) => value.Replace(",", ",,", StringComparison.Ordinal);

    internal string RenderText() => Raw ?? Form switch
    {
        OptionEntryForm.Pair => Key + "=" + Escape(Value),
        OptionEntryForm.Implied => Escape(Value),
        _ => Key,
    };

    public bool Equals(OptionEntry? other) =>
        other is not null && Form == other.Form && Key == other.Key && Value == other.Value;

    public override bool Equals(object? obj) => Equals(obj as OptionEntry);
    public override int GetHashCode() => HashCode.Combine(Form, Key, Value);

    public override string ToString() => RenderText();
}

/// <summary>
/// A QEMU KEY=VALUE option argument (<c>memory-backend-ram,id=m,size=1G</c>) as an ordered list of entries that keep
/// their original text, so that <c>Parse(s).Render() == s</c> byte for byte and an edit touches only its entry.
/// </summary>
public sealed class OptionString : IQemuOptions
{
    readonly List<OptionEntry> entries = [];

    OptionString(QemuOptionSyntax syntax, string? impliedKey, string? where, string? option = null, string? text = null)
    {
        if (syntax == QemuOptionSyntax.Json) throw new ArgumentException("use JsonOptions for JSON", nameof(syntax));
        Syntax = syntax;
        ImpliedKey = impliedKey;
        this.where = where;
        this.option = option;
        this.text = text;
    }

    string? where;
    readonly string? option, text;

    public QemuOptionSyntax Syntax { get; }

    /// <summary>The key a bare first element stands for (<c>qom-type</c> for -object, <c>type</c> for -numa/-M, ...), if any.</summary>
    public string? ImpliedKey { get; }

    /// <summary>How errors name this argument, e.g. <c>-object 'memory-backend-ram,id=m'</c>.</summary>
    public string Where => where ??= $"{option} '{text}'"; // a parsed argument's is built only when asked for

    public IReadOnlyList<OptionEntry> Entries => entries;

    /// <summary>Whether the text ended with a single ',' after the last entry (QEMU accepts and ignores it).</summary>
    public bool TrailingComma { get; set; }

    /// <summary>An empty option string to fill with edits.</summary>
    public static OptionString Create(QemuOptionSyntax syntax, string? impliedKey, string where = "option") =>
        new(syntax, impliedKey, where);

    /// <summary>Parses <paramref name="text"/>; malformed input throws <see cref="UserError"/> naming <paramref name="option"/>.</summary>
    /// <param name="option">The option as written on the command line, e.g. <c>-object</c>, used in error messages.</param>
    public static OptionString Parse(string text, QemuOptionSyntax syntax, string? impliedKey, string option = "option")
    {
        ArgumentNullException.ThrowIfNull(text);
        var os = new OptionString(syntax, impliedKey, null, option, text);
        int pos = 0, n = text.Length;
        bool first = true;
        while (pos < n)
        {
            int start = pos;
            int sep = text.AsSpan(pos).IndexOfAny('=', ',');
            sep = sep < 0 ? n : pos + sep;
            bool hasEquals = sep < n && text[sep] == '=';
            OptionEntry entry;
            int end;
            if (syntax == QemuOptionSyntax.QemuOpts)
            {
                if (!hasEquals)
                {
                    if (first && impliedKey is not null)
                    {
                        (string value, end) = ReadValue(text, pos);
                        if (value.Length == 0)
                            throw os.Error($"empty value for '{impliedKey}'", $"Start with the {impliedKey}, e.g. '{Example(impliedKey)},...', or drop the leading comma.");
                        entry = OptionEntry.Parsed(OptionEntryForm.Implied, impliedKey, value, text, start, end);
                    }
                    else
                    {
                        end = sep;
                        string word = text[pos..sep];
                        if (word.Length == 0)
                            throw os.Error("empty parameter (stray ',')", "Write a literal comma in a value as ',,'; remove doubled commas between parameters.");
                        entry = OptionEntry.Parsed(OptionEntryForm.Flag, word, "", text, pos, sep);
                    }
                }
                else
                {
                    string key = OptionWords.Of(text, pos, sep);
                    if (key.Length == 0)
                        throw os.Error("Invalid parameter ''", "Every '=' needs a parameter name before it, e.g. 'size=1G'.");
                    (string value, end) = ReadValue(text, sep + 1);
                    entry = OptionEntry.Parsed(OptionEntryForm.Pair, key, value, text, start, end);
                }
            }
            else
            {
                if (first && impliedKey is not null && sep > pos && !hasEquals)
                {
                    end = sep;
                    entry = OptionEntry.Parsed(OptionEntryForm.Implied, impliedKey, text[pos..sep], text, pos, sep);
                }
                else
                {
                    string key = text[pos..sep];
                    if (!IsValidKeyvalKey(key))
                        throw os.Error($"Invalid parameter '{key}'", "Parameter names are letters, digits, '-' and '_', dotted for nested values (cxl-fmw.0.size=4G); a literal comma in a value is ',,'.");
                    if (!hasEquals)
                        throw os.Error($"Expected '=' after parameter '{key}'", $"This option needs 'key=value' pairs; write '{key}=on' for a boolean.");
                    (string value, end) = ReadValue(text, sep + 1);
                    entry = OptionEntry.Parsed(OptionEntryForm.Pair, key, value, text, start, end);
                }
            }
            os.entries.Add(entry);
            first = false;
            // end is at n or at a single ',' separator.
            if (end >= n) { pos = n; break; }
            pos = end + 1;
            if (pos == n) os.TrailingComma = true;
        }
        if (syntax == QemuOptionSyntax.Keyval) KeyvalTree.Check(os.entries.Select(e => e.Key), os);
        return os;
    }

    static string Example(string impliedKey) => impliedKey switch
    {
        "qom-type" => "memory-backend-ram",
        "type" => "node",
        "driver" => "cxl-type3",
        "size" => "8G",
        "cpus" => "8",
        _ => impliedKey,
    };

    /// <summary>Reads a value starting at <paramref name="p"/> up to a single ',' or the end; ',,' is a literal comma.</summary>
    static (string Value, int End) ReadValue(string text, int p)
    {
        int n = text.Length;
        int next = text.IndexOf(',', p);
        if (next < 0) return (OptionWords.Of(text, p, n), n);
        if (next + 1 >= n || text[next + 1] != ',') return (OptionWords.Of(text, p, next), next); // no ",," in it
        var sb = new StringBuilder();
        while (p < n)
        {
            char c = text[p];
            if (c == ',')
            {
                if (p + 1 < n && text[p + 1] == ',') { sb.Append(','); p += 2; continue; }
                break;
            }
            sb.Append(c);
            p++;
        }
        return (sb.ToString(), p);
    }

    internal static bool IsValidKeyvalKey(string key)
    {
        if (key.Length == 0) return false;
        string[] frags = key.Split('.');
        for (int i = 0; i < frags.Length; i++)
        {
            string f = frags[i];
            if (f.Length is 0 or > 127) return false;
            if (i > 0 && f.All(char.IsAsciiDigit)) continue;
            if (!IsQapiName(f)) return false;
        }
        return true;
    }

    static bool IsQapiName(string f)
    {
        int i = 0;
        if (f.StartsWith("__", StringComparison.Ordinal))
        {
            // downstream extension prefix __RFQDN_ (dots inside it are not supported here: they split fragments)
            int us = f.IndexOf('_', 2);
            if (us < 0) return false;
            i = us + 1;
        }
        if (i >= f.Length || !char.IsAsciiLetter(f[i])) return false;
        for (i++; i < f.Length; i++)
            if (!(char.IsAsciiLetterOrDigit(f[i]) || f[i] is '-' or '_')) return false;
        return true;
    }

    internal UserError Error(string what, string hint) => new($"{Where}: {what}", hint);

    /// <summary>Renders back to text: unchanged entries byte for byte, edited ones escaped, joined by ','.</summary>
    public string Render()
    {
        var sb = new StringBuilder();
        for (int i = 0; i < entries.Count; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append(entries[i].RenderText());
        }
        if (TrailingComma && entries.Count > 0) sb.Append(',');
        return sb.ToString();
    }

    public override string ToString() => Render();

    // ---------------------------------------------------------------- queries

    /// <summary>Whether any entry sets <paramref name="key"/> (as QEMU sees it; a keyval list key <c>k</c> also matches <c>k.0</c>).</summary>
    public bool Contains(string key) => entries.Any(e => Matches(e, key) || IsListElement(e, key));

    bool Matches(OptionEntry e, string key) => e.EffectiveKey == key;

    bool IsListElement(OptionEntry e, string key) =>
        Syntax == QemuOptionSyntax.Keyval && e.Key.Length > key.Length + 1 && e.Key.StartsWith(key + ".", StringComparison.Ordinal)
        && e.Key.AsSpan(key.Length + 1).IndexOf('.') < 0 && e.Key.AsSpan(key.Length + 1).ToString().All(char.IsAsciiDigit);

    /// <summary>The value QEMU uses for a scalar key: the last occurrence, except QemuOpts' <c>id</c> where the first wins.</summary>
    public string? Get(string key)
    {
        if (Syntax == QemuOptionSyntax.QemuOpts && key == "id")
        {
            foreach (var e in entries)
                if (e.Form == OptionEntryForm.Pair && e.Key == "id") return e.Value;
            return null;
        }
        for (int i = entries.Count - 1; i >= 0; i--)
            if (Matches(entries[i], key)) return entries[i].EffectiveValue;
        return null;
    }

    /// <summary>All values of a list key in order: QemuOpts repeated keys (<c>host-nodes=0,host-nodes=2</c>),
    /// or keyval indexed keys (<c>k.0=a,k.1=b</c>, by index), or the single value.</summary>
    public IReadOnlyList<string> GetAll(string key)
    {
        if (Syntax == QemuOptionSyntax.Keyval)
        {
            var indexed = new SortedDictionary<int, string>();
            foreach (var e in entries.Where(e => IsListElement(e, key)))
                if (int.TryParse(e.Key.AsSpan(key.Length + 1), out int idx)) indexed[idx] = e.Value;
            if (indexed.Count > 0) return indexed.Values.ToList();
            string? v = Get(key);
            return v is null ? [] : [v];
        }
        return entries.Where(e => Matches(e, key)).Select(e => e.EffectiveValue).ToList();
    }

    /// <summary>Index of the first entry for <paramref name="key"/>, or -1.</summary>
    public int IndexOf(string key) => entries.FindIndex(e => Matches(e, key) || IsListElement(e, key));

    // ---------------------------------------------------------------- edits

    /// <summary>Sets a scalar: replaces the value of the first occurrence in place (keeping its position) and drops later
    /// occurrences; appends <c>key=value</c> when absent.</summary>
    public void Set(string key, string value)
    {
        ValidateKey(key);
        int first = IndexOf(key);
        if (first < 0) { Add(OptionEntry.Pair(key, value)); return; }
        var old = entries[first];
        var replacement = old.Form == OptionEntryForm.Implied && old.Key == key
            ? OptionEntry.Implied(key, value)
            : OptionEntry.Pair(key, value);
        RemoveAllAfter(key, first);
        ReplaceAt(first, replacement);
    }

    void RemoveAllAfter(string key, int first)
    {
        for (int i = entries.Count - 1; i > first; i--)
            if (Matches(entries[i], key) || IsListElement(entries[i], key)) entries.RemoveAt(i);
    }

    /// <summary>Sets a list: QemuOpts repeats the key (<c>host-nodes=0-1,host-nodes=3</c>), keyval uses <c>key.N=</c>.
    /// The new entries take the position of the first old one.</summary>
    public void SetAll(string key, IReadOnlyList<string> values)
    {
        ValidateKey(key);
        int first = IndexOf(key);
        if (first >= 0)
        {
            RemoveAllAfter(key, first);
            entries.RemoveAt(first);
        }
        else first = entries.Count;
        var fresh = Syntax == QemuOptionSyntax.Keyval
            ? values.Select((v, i) => OptionEntry.Pair($"{key}.{i}", v))
            : values.Select(v => OptionEntry.Pair(key, v));
        int at = first;
        foreach (var e in fresh) Insert(at++, e);
        Normalize();
    }

    public void SetNumber(string key, ulong value) => Set(key, value.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public void SetSize(string key, ulong bytes) => Set(key, QemuSize.Format(bytes));

    /// <summary>Sets an unsigned-integer list (host-nodes): QemuOpts as ranges, one repeated key per range.</summary>
    public void SetUIntList(string key, IReadOnlyList<ulong> values)
    {
        if (Syntax == QemuOptionSyntax.QemuOpts) SetAll(key, QemuSize.ToRanges(values));
        else SetAll(key, values.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList());
    }

    /// <summary>Removes every occurrence of <paramref name="key"/>; false when there was none.</summary>
    public bool Remove(string key)
    {
        int removed = entries.RemoveAll(e => Matches(e, key) || IsListElement(e, key));
        Normalize();
        return removed > 0;
    }

    public void Add(OptionEntry entry) => Insert(entries.Count, entry);

    /// <summary>Inserts an entry; entries are normalised so the result renders to text that parses back to the same entries
    /// (an implied value not at the front, or not writable bare, becomes <c>key=value</c>).</summary>
    public void Insert(int index, OptionEntry entry)
    {
        ValidateEntry(entry);
        entries.Insert(index, entry);
        Normalize();
    }

    public void ReplaceAt(int index, OptionEntry entry)
    {
        ValidateEntry(entry);
        entries[index] = entry;
        Normalize();
    }

    public void RemoveAt(int index)
    {
        entries.RemoveAt(index);
        Normalize();
    }

    void ValidateKey(string key)
    {
        bool ok = Syntax == QemuOptionSyntax.Keyval
            ? IsValidKeyvalKey(key)
            : key.Length > 0 && key.IndexOfAny([',', '=']) < 0;
        if (!ok) throw new ArgumentException($"'{key}' cannot be written as a parameter name", nameof(key));
    }

    void ValidateEntry(OptionEntry entry)
    {
        if (entry.Raw is not null) return;
        switch (entry.Form)
        {
            case OptionEntryForm.Pair:
                ValidateKey(entry.Key);
                break;
            case OptionEntryForm.Implied:
                if (entry.Key != ImpliedKey) throw new ArgumentException($"'{entry.Key}' is not this option's implied key", nameof(entry));
                break;
            case OptionEntryForm.Flag:
                if (Syntax == QemuOptionSyntax.Keyval) throw new ArgumentException("keyval has no short-form booleans", nameof(entry));
                ValidateKey(entry.Key);
                break;
        }
    }

    /// <summary>Keeps the model writable: an implied value only first and only when it can be written bare; a flag never
    /// first when there is an implied key (it would be read as the implied value).</summary>
    void Normalize()
    {
        for (int i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            if (e.Form == OptionEntryForm.Implied && (i != 0 || (e.Raw is null && !CanWriteBare(e.Value))))
                entries[i] = OptionEntry.Pair(e.Key, e.Value);
            else if (e.Form == OptionEntryForm.Flag && i == 0 && ImpliedKey is not null)
                entries[i] = OptionEntry.Pair(e.EffectiveKey, e.EffectiveValue);
        }
        if (entries.Count == 0) TrailingComma = false;
    }

    bool CanWriteBare(string value)
    {
        if (value.Length == 0) return false;
        if (Syntax == QemuOptionSyntax.Keyval) return value.IndexOfAny([',', '=']) < 0;
        // QemuOpts: implied when the first '=' or ',' of the escaped text is not '='.
        int eq = value.IndexOf('='), comma = value.IndexOf(',');
        return eq < 0 || (comma >= 0 && comma < eq);
    }
}

/// <summary>keyval's structural rules (util/keyval.c): a path is either a leaf or an inner node, a node's children are
/// either all list indexes or all names, and list indexes have no gaps.</summary>
static class KeyvalTree
{
    sealed class Node
    {
        public Dictionary<string, Node>? Children;
        public bool Leaf;
    }

    public static void Check(IEnumerable<string> keys, OptionString where)
    {
        var root = new Node { Children = [] };
        foreach (string key in keys)
        {
            string[] frags = key.Split('.');
            Node cur = root;
            for (int i = 0; i < frags.Length; i++)
            {
                string prefix = string.Join('.', frags[..i]);
                if (cur.Leaf)
                    throw where.Error($"Parameters '{prefix}.*' used inconsistently", "A key cannot be both a value and a group: drop one of them.");
                cur.Children ??= [];
                if (!cur.Children.TryGetValue(frags[i], out var next))
                    cur.Children[frags[i]] = next = new Node();
                cur = next;
            }
            if (cur.Children is not null)
                throw where.Error($"Parameters '{key}.*' used inconsistently", "A key cannot be both a value and a group: drop one of them.");
            cur.Leaf = true;
        }
        Walk(root, "", where);
    }

    static void Walk(Node node, string path, OptionString where)
    {
        if (node.Children is null) return;
        bool hasIndex = false, hasName = false;
        foreach (var (k, child) in node.Children)
        {
            if (k.All(char.IsAsciiDigit)) hasIndex = true; else hasName = true;
            Walk(child, path + k + ".", where);
        }
        if (hasIndex && hasName)
            throw where.Error($"Parameters '{path}*' used inconsistently", "Use either list indexes (k.0, k.1) or names (k.a) under one key, not both.");
        if (hasIndex)
        {
            var idx = node.Children.Keys.Select(k => int.TryParse(k, out int v) ? v : int.MaxValue).ToHashSet();
            for (int i = 0; i < idx.Count; i++)
                if (!idx.Contains(i))
                    throw where.Error($"Parameter '{path}{i}' missing", "List indexes must count up from 0 without gaps.");
        }
    }
}
