namespace Hostmem.Qemu;

/// <summary>One item of a QEMU command line: an option with its argument, a flag, or a positional word (a disk image).</summary>
public sealed class QemuArgument
{
    QemuArgument(string? optionWord, string? value) : this(optionWord, value, optionWord is null ? null : QemuOptionTable.LookupWord(optionWord)) { }

    /// <summary>With the option word's entry already looked up (a 128-node plan writes 8,500 -numa options).</summary>
    QemuArgument(string? optionWord, string? value, QemuOptionInfo? info)
    {
        OptionWord = optionWord;
        Value = value;
        Info = info;
        Name = optionWord is null ? "" : Info?.Name ?? QemuOptionTable.StripDashes(optionWord)!;
    }

    /// <summary>The option word exactly as written (<c>-object</c>, <c>--object</c>); null for a positional word.</summary>
    public string? OptionWord { get; }

    /// <summary>The option name without dashes (<c>object</c>, <c>M</c>); empty for a positional word.</summary>
    public string Name { get; }

    /// <summary>The canonical option name (<c>M</c> → <c>machine</c>).</summary>
    public string Canonical => Info?.Canonical ?? Name;

    /// <summary>The argument word (or the positional word itself); null for a flag.</summary>
    public string? Value { get; }

    public QemuOptionInfo? Info { get; }

    public bool IsPositional => OptionWord is null;

    /// <summary>False for option names QEMU 10 does not have (kept byte for byte anyway).</summary>
    public bool IsKnown => Info is { Removed: false };

    /// <summary>A new option, written with one dash: <c>Option("object", "memory-backend-ram,...")</c>.</summary>
    public static QemuArgument Option(string name, string? value = null)
    {
        string word = name.StartsWith('-') ? name : "-" + name;
        var info = QemuOptionTable.LookupWord(word);
        if (info is not null && info.HasArgument != (value is not null))
            throw new ArgumentException(info.HasArgument ? $"{word} needs an argument" : $"{word} takes no argument", nameof(value));
        return new QemuArgument(word, value, info);
    }

    /// <summary>A positional word (QEMU reads it as a disk image).</summary>
    public static QemuArgument Positional(string word) => new(null, word);

    internal static QemuArgument Parsed(string? optionWord, string? value) => new(optionWord, value);

    /// <summary>The same option word (same spelling) with a new argument.</summary>
    public QemuArgument WithValue(string value)
    {
        if (Value is null) throw new InvalidOperationException($"{OptionWord} has no argument");
        return new QemuArgument(OptionWord, value, Info);
    }

    /// <summary>The argv words of this item.</summary>
    public IEnumerable<string> Words()
    {
        if (OptionWord is not null) yield return OptionWord;
        if (Value is not null) yield return Value;
    }

    /// <summary>How QEMU names this item in messages: <c>-object 'memory-backend-ram,id=m'</c>.</summary>
    public string Display => OptionWord is null ? $"'{Value}'" : Value is null ? OptionWord : $"{OptionWord} '{Value}'";

    /// <summary>Whether the argument is JSON for QEMU (the option accepts JSON and the argument starts with '{').</summary>
    public bool IsJson => Info is { AcceptsJson: true } && Value is not null && JsonOptions.LooksLikeJson(Value);

    /// <summary>Parses the argument with the parser QEMU uses for this option; throws <see cref="UserError"/> when malformed.</summary>
    public IQemuOptions ParseOptions()
    {
        if (Value is null || OptionWord is null)
            throw new InvalidOperationException($"{Display} has no option argument");
        if (IsJson) return JsonOptions.Parse(Value, OptionWord);
        var syntax = Info?.Syntax ?? QemuOptionSyntax.QemuOpts;
        return OptionString.Parse(Value, syntax, Info?.ImpliedKey, OptionWord);
    }

    public override string ToString() => ShellQuote.Join(Words());
}

/// <summary>
/// A QEMU command line: the program and its items in order. Every item the caller does not replace renders back to the
/// very same argv words.
/// </summary>
/// <remarks>
/// Splitting follows QEMU's own loop (softmmu/vl.c): a word not starting with '-' is a positional (disk image); a word
/// starting with '-' is an option (<c>--x</c> = <c>-x</c>); a known option with HAS_ARG takes the next word whatever it is
/// (<c>-append -x</c>). Unknown options (QEMU 10 would refuse them, but a newer QEMU may have them) take the next word as
/// their argument when it does not start with '-', and none otherwise: most QEMU 10 options take an argument (90 of 117), and
/// option arguments rarely start with '-' while positionals are rare on modern command lines, so this guess is right far
/// more often than "always a flag"; either way the words are kept in order byte for byte.
/// </remarks>
public sealed class QemuCommandLine
{
    readonly List<QemuArgument> items;

    QemuCommandLine(string program, List<QemuArgument> items)
    {
        Program = program;
        this.items = items;
    }

    /// <summary>argv[0], e.g. <c>qemu-system-x86_64</c> or <c>/usr/bin/qemu-system-x86_64</c>.</summary>
    public string Program { get; set; }

    public IReadOnlyList<QemuArgument> Arguments => items;

    /// <summary>Splits argv (program first). Throws <see cref="UserError"/> when argv is empty or an option that needs an
    /// argument is the last word.</summary>
    public static QemuCommandLine Parse(IReadOnlyList<string> argv)
    {
        ArgumentNullException.ThrowIfNull(argv);
        if (argv.Count == 0 || argv[0].Length == 0)
            throw new UserError("no QEMU program given", "Put the QEMU command after '--', e.g. hostmem qemu -- qemu-system-x86_64 -m 8G ...");
        var list = new List<QemuArgument>();
        for (int i = 1; i < argv.Count; i++)
        {
            string w = argv[i] ?? throw new ArgumentException("argv contains null", nameof(argv));
            string? name = QemuOptionTable.StripDashes(w);
            if (name is null) { list.Add(QemuArgument.Positional(w)); continue; }
            var info = QemuOptionTable.Lookup(name);
            bool takes = info?.HasArgument ?? (i + 1 < argv.Count && !(argv[i + 1] ?? "").StartsWith('-'));
            if (takes)
            {
                if (i + 1 >= argv.Count)
                    throw new UserError($"{w}: requires an argument", $"Give {w} its argument, e.g. {Example(info?.Canonical ?? name, w)}, or remove it.");
                list.Add(QemuArgument.Parsed(w, argv[++i]));
            }
            else list.Add(QemuArgument.Parsed(w, null));
        }
        return new QemuCommandLine(argv[0], list);
    }

    static string Example(string canonical, string word) => canonical switch
    {
        "object" => $"{word} memory-backend-ram,id=mem0,size=8G",
        "numa" => $"{word} node,nodeid=0,memdev=mem0",
        "m" => $"{word} 8G",
        "smp" => $"{word} 8",
        "machine" => $"{word} q35",
        "device" => $"{word} cxl-type3,volatile-memdev=mem0,id=cxl-vmem0",
        _ => $"'{word} VALUE'",
    };

    /// <summary>The argv words: program, then every item in order.</summary>
    public string[] ToArgv()
    {
        var argv = new List<string>(2 * items.Count + 1) { Program }; // each item is at most two words
        foreach (var a in items)
        {
            if (a.OptionWord is { } option) argv.Add(option);
            if (a.Value is { } value) argv.Add(value);
        }
        return [.. argv];
    }

    /// <summary>One POSIX sh line (safe words bare, others single-quoted).</summary>
    public string ToShellCommand() => ShellQuote.Join(ToArgv());

    public override string ToString() => ToShellCommand();

    // ---------------------------------------------------------------- finding

    /// <summary>Items of one option by any spelling (<c>"M"</c>, <c>"-machine"</c>, <c>"--machine"</c> find both
    /// <c>-M</c> and <c>-machine</c>), with their positions.</summary>
    public IEnumerable<(int Index, QemuArgument Argument)> Find(string name)
    {
        string canonical = QemuOptionTable.Canonical(name);
        for (int i = 0; i < items.Count; i++)
            if (!items[i].IsPositional && items[i].Canonical == canonical) yield return (i, items[i]);
    }

    public bool Has(string name) => Find(name).Any();

    // ---------------------------------------------------------------- edits

    public void Replace(int index, QemuArgument argument) => items[index] = argument;

    /// <summary>Replaces the argument word of the item at <paramref name="index"/>, keeping its option word.</summary>
    public void SetValue(int index, string value) => items[index] = items[index].WithValue(value);

    /// <summary>Writes edited options back into the item at <paramref name="index"/>.</summary>
    public void SetOptions(int index, IQemuOptions options) => SetValue(index, options.Render());

    /// <summary>Inserts items after position <paramref name="index"/> (-1: before everything).</summary>
    public void InsertAfter(int index, params QemuArgument[] arguments) => items.InsertRange(index + 1, arguments);

    /// <summary>Appends items at the end.</summary>
    public void Add(params QemuArgument[] arguments) => items.AddRange(arguments);

    public void RemoveAt(int index) => items.RemoveAt(index);

    // ---------------------------------------------------------------- views

    /// <summary>Every <c>-object memory-backend-ram/memfd/file</c> (QemuOpts or JSON), in order.</summary>
    public IReadOnlyList<MemoryBackend> MemoryBackends()
    {
        var result = new List<MemoryBackend>();
        foreach (var (i, a) in Find("object"))
        {
            var opts = a.ParseOptions();
            string? type = opts.Get("qom-type");
            if (type is not null && MemoryBackend.Types.Contains(type)) result.Add(new MemoryBackend(i, a, opts));
        }
        return result;
    }

    /// <summary>Every <c>-numa</c> entry, optionally only one type (<c>node</c>, <c>dist</c>, <c>cpu</c>, <c>hmat-lb</c>, <c>hmat-cache</c>).</summary>
    public IReadOnlyList<NumaOption> Numa(string? type = null) =>
        Find("numa").Select(x => new NumaOption(x.Index, x.Argument, (OptionString)x.Argument.ParseOptions()))
            .Where(n => type is null || n.Type == type).ToList();

    /// <summary><c>-m</c>, merged over all occurrences (later keys win, as QEMU merges them); null when absent.</summary>
    public MemoryOptions? Memory()
    {
        var found = Find("m").ToList();
        return found.Count == 0 ? null : new MemoryOptions(found.Select(x => (x.Index, x.Argument, (OptionString)x.Argument.ParseOptions())).ToList());
    }

    /// <summary><c>-smp</c>, merged over all occurrences; null when absent (QEMU then uses 1 CPU).</summary>
    public SmpOptions? Smp()
    {
        var found = Find("smp").ToList();
        return found.Count == 0 ? null : new SmpOptions(found.Select(x => (x.Index, x.Argument, (OptionString)x.Argument.ParseOptions())).ToList());
    }

    /// <summary><c>-machine</c>/<c>-M</c>, merged over all occurrences (keyval: later scalar keys win).</summary>
    public MachineOptions Machine() =>
        new(Find("machine").Select(x => (x.Index, x.Argument, (OptionString)x.Argument.ParseOptions())).ToList());

    /// <summary>Every <c>-device cxl-type3</c>.</summary>
    public IReadOnlyList<CxlType3Device> CxlType3Devices()
    {
        var result = new List<CxlType3Device>();
        foreach (var (i, a) in Find("device"))
        {
            // Only parse what could be a cxl-type3: other devices' arguments are not ours to judge.
            if (!a.IsJson && !a.Value!.Contains("cxl-type3", StringComparison.Ordinal)) continue;
            var opts = a.ParseOptions();
            if (opts.Get("driver") == "cxl-type3") result.Add(new CxlType3Device(i, a, opts));
        }
        return result;
    }

    /// <summary>Accelerators asked for, in order: each <c>-accel NAME</c>, <c>kvm</c> for <c>-enable-kvm</c>, and the
    /// colon-separated list of the (legacy) <c>-machine accel=</c>.</summary>
    public IReadOnlyList<string> Accelerators()
    {
        var result = new List<string>();
        foreach (var a in items)
        {
            if (a.Canonical == "enable-kvm") result.Add("kvm");
            else if (a.Canonical == "accel" && a.Value is not null)
            {
                string? name = a.ParseOptions().Get("accel");
                if (name is not null) result.Add(name);
            }
        }
        string? legacy = Machine().Get("accel");
        if (legacy is not null) result.AddRange(legacy.Split(':', StringSplitOptions.RemoveEmptyEntries));
        return result;
    }
}
