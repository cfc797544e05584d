using System.Globalization;
using System.Text.Json;

namespace Hostmem.Qemu;

static class OptionValues
{
    /// <summary>QEMU's boolean words (qapi_bool_parse): on/yes/true/y and off/no/false/n.</summary>
    public static bool? Bool(string? text, string where, string key) => text switch
    {
        null => null,
        "on" or "yes" or "true" or "y" => true,
        "off" or "no" or "false" or "n" => false,
        _ => throw new UserError($"{where}: Parameter '{key}' expects 'on' or 'off', not '{text}'", $"Write {key}=on or {key}=off."),
    };

    public static ulong? UInt(string? text, string where, string key) => text is null ? null
        : QemuSize.TryParseUInt(text) ?? throw new UserError($"{where}: Parameter '{key}' expects a non-negative integer, not '{text}'",
            $"Write {key}= as a plain number, e.g. {key}=1.");

    public static ulong? Size(string? text, string where, string key) => text is null ? null : QemuSize.Parse(text, where, key);

    /// <summary>Expands QemuOpts list elements (each a number or a range a-b) into numbers, in the order given.
    /// OptsVisitor refuses a range of more than 65536 elements.</summary>
    public static IReadOnlyList<ulong> UIntList(IEnumerable<string> elements, string where, string key)
    {
        var result = new List<ulong>();
        foreach (string el in elements)
        {
            var r = QemuSize.TryParseUIntRange(el) ?? throw new UserError(
                $"{where}: Parameter '{key}' expects a uint64 value or range, not '{el}'",
                $"Write {key}=N or {key}=A-B; for a list repeat the key: {key}=0,{key}=2.");
            if (r.Last - r.First >= 65536)
                throw new UserError($"{where}: range '{el}' of '{key}' is too large", "QEMU accepts ranges of at most 65536 elements.");
            for (ulong v = r.First; ; v++) { result.Add(v); if (v == r.Last) break; }
        }
        return result;
    }

    /// <summary>A JSON number member as ulong (QEMU's JSON input visitor wants a number, not "1G").</summary>
    public static ulong? JsonUInt(JsonOptions j, string key)
    {
        var kind = j.KindOf(key);
        if (kind is null) return null;
        string text = j.Get(key) ?? "";
        if (kind == JsonValueKind.Number && ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong v)) return v;
        throw new UserError($"{j.Where}: Parameter '{key}' expects uint64", $"In JSON write {key} as a plain number of bytes, e.g. \"{key}\": 1073741824.");
    }

    public static IReadOnlyList<ulong> JsonUIntList(JsonOptions j, string key)
    {
        var kind = j.KindOf(key);
        if (kind is null) return [];
        if (kind != JsonValueKind.Array)
            throw new UserError($"{j.Where}: Invalid parameter type for '{key}', expected: array", $"In JSON write {key} as an array, e.g. \"{key}\": [0, 2].");
        var result = new List<ulong>();
        foreach (string s in j.GetAll(key))
        {
            if (!ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out ulong v))
                throw new UserError($"{j.Where}: Invalid parameter type for '{key}' element '{s}', expected: uint64", $"Write {key} as an array of numbers, e.g. [0, 2].");
            result.Add(v);
        }
        return result;
    }

    public static string Where(IQemuOptions o) => o switch
    {
        OptionString s => s.Where,
        JsonOptions j => j.Where,
        _ => "option",
    };
}

/// <summary>A <c>-object memory-backend-ram/memfd/file</c> at <see cref="Index"/> in <see cref="QemuCommandLine.Arguments"/>.</summary>
public sealed class MemoryBackend(int index, QemuArgument argument, IQemuOptions options)
{
    public static readonly IReadOnlySet<string> Types = new HashSet<string>(StringComparer.Ordinal) { "memory-backend-ram", "memory-backend-memfd", "memory-backend-file" };

    public int Index { get; } = index;
    public QemuArgument Argument { get; } = argument;

    /// <summary>The parsed argument; edit it, then <see cref="QemuCommandLine.SetOptions"/>(Index, Options).</summary>
    public IQemuOptions Options { get; } = options;

    public string Where => OptionValues.Where(Options);
    public bool IsJson => Options.Syntax == QemuOptionSyntax.Json;
    public string QomType => Options.Get("qom-type")!;
    public string? Id => Options.Get("id");

    /// <summary>Size in bytes (plain number = bytes for -object); null when absent.</summary>
    public ulong? Size => Options is JsonOptions j ? OptionValues.JsonUInt(j, "size") : OptionValues.Size(Options.Get("size"), Where, "size");

    /// <summary>host-nodes expanded (<c>host-nodes=0-1,host-nodes=3</c> → [0,1,3]); empty when absent.</summary>
    public IReadOnlyList<ulong> HostNodes => Options is JsonOptions j
        ? OptionValues.JsonUIntList(j, "host-nodes")
        : OptionValues.UIntList(Options.GetAll("host-nodes"), Where, "host-nodes");

    /// <summary>default, preferred, bind or interleave (QEMU's HostMemPolicy); null when absent (= default).</summary>
    public string? Policy => Options.Get("policy");

    public string? Get(string key) => Options.Get(key);
}

/// <summary>A <c>-numa</c> option (QemuOpts, implied key <c>type</c>; QEMU 10 has no JSON form for it).</summary>
public sealed class NumaOption(int index, QemuArgument argument, OptionString options)
{
    public int Index { get; } = index;
    public QemuArgument Argument { get; } = argument;
    public OptionString Options { get; } = options;
    string Where => Options.Where;

    /// <summary>node, dist, cpu, hmat-lb or hmat-cache.</summary>
    public string? Type => Options.Get("type");
    public string? Get(string key) => Options.Get(key);
    // Where (the option's text, for the error) is built only when the value is no number.
    public ulong? UInt(string key) => Options.Get(key) is not { } text ? null : QemuSize.TryParseUInt(text) ?? OptionValues.UInt(text, Where, key);

    public ulong? NodeId => UInt("nodeid");
    public string? MemDev => Options.Get("memdev");

    /// <summary><c>cpus=</c> of a node, expanded (<c>cpus=0-3,cpus=6</c> → [0,1,2,3,6]).</summary>
    public IReadOnlyList<ulong> Cpus => OptionValues.UIntList(Options.GetAll("cpus"), Where, "cpus");

    public ulong? Src => UInt("src");
    public ulong? Dst => UInt("dst");
    public ulong? Val => UInt("val");

    public ulong? Initiator => UInt("initiator");
    public ulong? Target => UInt("target");
    public string? Hierarchy => Options.Get("hierarchy");
    public string? DataType => Options.Get("data-type");

    /// <summary>hmat-lb latency in nanoseconds.</summary>
    public ulong? Latency => Options.Get("latency") is { } s ? HmatUnits.ParseLatency(s, Where) : null;

    /// <summary>hmat-lb bandwidth in bytes per second (<c>262100M</c> = 262100 MiB/s), checked for 1 MiB/s alignment.</summary>
    public ulong? Bandwidth => Options.Get("bandwidth") is { } s ? HmatUnits.ParseBandwidth(s, Where) : null;

    /// <summary>hmat-lb bandwidth in bytes per second as written, its 1 MiB/s alignment not checked (lint reports it).</summary>
    public ulong? BandwidthAsWritten => Options.Get("bandwidth") is { } s
        ? QemuSize.TryParse(s) ?? throw new UserError($"{Where}: invalid bandwidth '{s}'", "hmat-lb bandwidth is bytes per second as a size: e.g. 262100M means 262100 MiB/s.")
        : null;
}

/// <summary>Options given by several occurrences of one QemuOpts option that QEMU merges (<c>-m</c>, <c>-smp</c>):
/// for each key the last occurrence wins.</summary>
public abstract class MergedOptions
{
    private protected MergedOptions(IReadOnlyList<(int Index, QemuArgument Argument, OptionString Options)> occurrences) =>
        Occurrences = occurrences;

    public IReadOnlyList<(int Index, QemuArgument Argument, OptionString Options)> Occurrences { get; }

    /// <summary>The last value of <paramref name="key"/> over all occurrences, with the occurrence that set it.</summary>
    public (string Value, OptionString From)? GetWithSource(string key)
    {
        for (int i = Occurrences.Count - 1; i >= 0; i--)
            if (Occurrences[i].Options.Get(key) is { } v) return (v, Occurrences[i].Options);
        return null;
    }

    public string? Get(string key) => GetWithSource(key)?.Value;

    private protected ulong? UInt(string key) => GetWithSource(key) is { } x ? OptionValues.UInt(x.Value, x.From.Where, key) : null;
}

/// <summary><c>-m [size=]SIZE[,slots=N,maxmem=SIZE]</c>, merged. A size without suffix is MiB; maxmem is a plain size.</summary>
public sealed class MemoryOptions : MergedOptions
{
    internal MemoryOptions(IReadOnlyList<(int, QemuArgument, OptionString)> occurrences) : base(occurrences) { }

    /// <summary>Initial RAM in bytes (<c>-m 512</c> = 512 MiB, <c>-m 8G</c>); null when only slots/maxmem are given.</summary>
    public ulong? Size => GetWithSource("size") is { } x ? QemuSize.ParseMemory(x.Value, x.From.Where) : null;
    public ulong? Slots => UInt("slots");
    public ulong? MaxMem => GetWithSource("maxmem") is { } x ? QemuSize.Parse(x.Value, x.From.Where, "maxmem") : null;
}

/// <summary><c>-smp [cpus=]N[,maxcpus=,sockets=,dies=,clusters=,modules=,cores=,threads=,...]</c>, merged.</summary>
public sealed class SmpOptions : MergedOptions
{
    internal SmpOptions(IReadOnlyList<(int, QemuArgument, OptionString)> occurrences) : base(occurrences) { }

    public ulong? Cpus => UInt("cpus");
    public ulong? MaxCpus => UInt("maxcpus");
    public ulong? Sockets => UInt("sockets");
    public ulong? Dies => UInt("dies");
    public ulong? Clusters => UInt("clusters");
    public ulong? Modules => UInt("modules");
    public ulong? Cores => UInt("cores");
    public ulong? Threads => UInt("threads");

    /// <summary>The CPU count QEMU boots with: cpus, else maxcpus, else the product of the topology given (missing = 1).</summary>
    public ulong EffectiveCpus => Cpus ?? MaxCpus ?? (new[] { Sockets, Dies, Clusters, Modules, Cores, Threads }
        .Aggregate(1UL, (p, v) => p * (v ?? 1)));
}

/// <summary>One CXL fixed memory window from <c>-M cxl-fmw.N.targets.M=...,cxl-fmw.N.size=...</c>.</summary>
public sealed record CxlFixedMemoryWindow(int Index, IReadOnlyList<string> Targets, ulong? Size, ulong? InterleaveGranularity);

/// <summary><c>-machine</c>/<c>-M</c> over all occurrences. QEMU 10 parses each with keyval and merges them: a later scalar
/// wins (<c>-M q35,hmat=on -M hmat=off</c> is hmat=off), but a list (<c>cxl-fmw</c>) given in two occurrences is an
/// error ("Parameters 'cxl-fmw.*' used inconsistently"), so all windows go in one <c>-M</c>.</summary>
public sealed class MachineOptions
{
    internal MachineOptions(IReadOnlyList<(int Index, QemuArgument Argument, OptionString Options)> occurrences)
    {
        Occurrences = occurrences;
        var listOwner = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int o = 0; o < occurrences.Count; o++)
        {
            foreach (var e in occurrences[o].Options.Entries)
            {
                string[] frags = e.Key.Split('.');
                if (frags.Length > 1 && frags[1].All(char.IsAsciiDigit))
                {
                    if (listOwner.TryGetValue(frags[0], out int owner) && owner != o)
                        throw new UserError($"{occurrences[o].Options.Where}: Parameters '{frags[0]}.*' used inconsistently",
                            $"Give all {frags[0]}.N entries in one -M option; QEMU cannot merge lists across -M options.");
                    listOwner[frags[0]] = o;
                }
            }
        }
    }

    public IReadOnlyList<(int Index, QemuArgument Argument, OptionString Options)> Occurrences { get; }

    /// <summary>The effective value of a (dotted) key; null when no occurrence sets it.</summary>
    public string? Get(string key)
    {
        for (int i = Occurrences.Count - 1; i >= 0; i--)
            if (Occurrences[i].Options.Get(key) is { } v) return v;
        return null;
    }

    (string Value, string Where)? GetWhere(string key)
    {
        for (int i = Occurrences.Count - 1; i >= 0; i--)
            if (Occurrences[i].Options.Get(key) is { } v) return (v, Occurrences[i].Options.Where);
        return null;
    }

    bool? Bool(string key) => GetWhere(key) is { } x ? OptionValues.Bool(x.Value, x.Where, key) : null;

    public string? Type => Get("type");
    public bool? Hmat => Bool("hmat");
    public bool? Cxl => Bool("cxl");
    public string? MemoryBackend => Get("memory-backend");

    /// <summary>The CXL fixed memory windows, by index.</summary>
    public IReadOnlyList<CxlFixedMemoryWindow> CxlFixedMemoryWindows
    {
        get
        {
            var occ = Occurrences.FirstOrDefault(o => o.Options.Entries.Any(e => e.Key.StartsWith("cxl-fmw.", StringComparison.Ordinal)));
            if (occ.Options is null) return [];
            var opts = occ.Options;
            var indexes = opts.Entries.Select(e => e.Key.Split('.')).Where(f => f.Length > 1 && f[0] == "cxl-fmw")
                .Select(f => int.Parse(f[1], CultureInfo.InvariantCulture)).Distinct().Order();
            return indexes.Select(n =>
            {
                string p = $"cxl-fmw.{n}.";
                return new CxlFixedMemoryWindow(n, opts.GetAll(p + "targets"),
                    OptionValues.Size(opts.Get(p + "size"), opts.Where, p + "size"),
                    OptionValues.Size(opts.Get(p + "interleave-granularity"), opts.Where, p + "interleave-granularity"));
            }).ToList();
        }
    }
}

/// <summary>A <c>-device cxl-type3</c> (QemuOpts or JSON).</summary>
public sealed class CxlType3Device(int index, QemuArgument argument, IQemuOptions options)
{
    public int Index { get; } = index;
    public QemuArgument Argument { get; } = argument;
    public IQemuOptions Options { get; } = options;
    public string? Id => Options.Get("id");
    public string? Bus => Options.Get("bus");
    public string? VolatileMemdev => Options.Get("volatile-memdev");
    public string? PersistentMemdev => Options.Get("persistent-memdev");

    /// <summary>The legacy <c>memdev=</c> (persistent).</summary>
    public string? Memdev => Options.Get("memdev");
    public string? LsaMemdev => Options.Get("lsa");
}
