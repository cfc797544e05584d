using System.Globalization;
using Hostmem.Classification;
using Hostmem.Planning;
using Hostmem.Topology;

namespace Hostmem.Libvirt;

/// <summary>
/// One guest memory cell the user wants on host memory of a type: a <c>&lt;hostmem:cell&gt;</c> in the domain's metadata
/// or a <c>--cell ID=TYPE:SIZE</c> on the command line.
/// </summary>
/// <param name="Id">The guest NUMA cell id (libvirt numbers cells 0, 1, 2... without gaps).</param>
/// <param name="Size">The size as the user wrote it, value and unit (kept when hostmem writes the metadata).</param>
/// <param name="Rule">nodes='nearest' (default) or 'all'.</param>
/// <param name="Mode">The memnode mode: strict (default), preferred, interleave.</param>
/// <param name="RuleGiven">nodes= was written (kept as written in the metadata).</param>
/// <param name="ModeGiven">mode= was written.</param>
/// <param name="Source">Where it came from, for messages: <c>vm.xml:12:7</c> or <c>--cell 1=cxl-ram:16GiB</c>.</param>
public sealed record CellIntent(int Id, HostMemType Type, ulong SizeBytes, (string Value, string Unit) Size, NodeRule Rule, BindPolicy Mode,
    bool RuleGiven, bool ModeGiven, string Source)
{
    /// <summary>hostmem's metadata namespace in a libvirt domain.</summary>
    public const string Namespace = "https://hostmem.dev/libvirt/1";

    /// <summary>The types a cell may ask for (no "none": a cell without hostmem's placement needs no hostmem:cell).</summary>
    public static string ValidTypes => HostMemTypeNames.ValidList;

    /// <summary>How the plan and errors name it.</summary>
    public string Subject => Source.StartsWith("--cell", StringComparison.Ordinal) ? Source : $"{Source}: cell {Id}";

    /// <summary>The same request, wherever it was written.</summary>
    public bool SameAs(CellIntent other) =>
        Id == other.Id && Type == other.Type && SizeBytes == other.SizeBytes && Rule == other.Rule && Mode == other.Mode
        && RuleGiven == other.RuleGiven && ModeGiven == other.ModeGiven;

    /// <summary>How libvirt writes a policy in &lt;memnode mode=&gt;.</summary>
    public static string ModeName(BindPolicy p) => p switch
    {
        BindPolicy.Bind => "strict",
        BindPolicy.Preferred => "preferred",
        BindPolicy.Interleave => "interleave",
        _ => throw new ArgumentOutOfRangeException(nameof(p)),
    };

    public static BindPolicy? ParseMode(string text) => text switch
    {
        "weighted-interleave" => throw NoWeightedInterleave(text),
        "strict" => BindPolicy.Bind,
        "preferred" => BindPolicy.Preferred,
        "interleave" => BindPolicy.Interleave,
        _ => null,
    };

    /// <summary>How reasons and hints spell choices for a cell in a domain.</summary>
    public static IntentSpelling Spelling { get; } = new("nodes", "mode", "mode", "the cell's size",
        ModeName, (key, value) => $"{key}='{value}'", DevdaxFile: false, AcceptsNone: false);

    /// <summary>The hostmem's placement request for this cell; libvirt names the cell's backend ram-nodeN.</summary>
    public PlacementRequest ToRequest() => new()
    {
        Subject = Subject, Id = BackendId(Id), Type = Type, SizeBytes = SizeBytes, Rule = Rule, Policy = Mode, PolicyGiven = ModeGiven,
        Spelling = Spelling,
    };

    public static string BackendId(int cell) => "ram-node" + cell.ToString(CultureInfo.InvariantCulture);

    /// <summary>Parses <c>--cell ID=TYPE:SIZE[:MODE][:NODES]</c>, e.g. <c>1=cxl-ram:16GiB</c>, <c>2=pmem:64GiB:preferred:all</c>.</summary>
    public static CellIntent ParseOption(string spec)
    {
        string source = $"--cell {spec}";
        const string Example = "write --cell ID=TYPE:SIZE, e.g. --cell 1=cxl-ram:16GiB (optionally :preferred or :interleave, and :all)";
        int eq = spec.IndexOf('=');
        if (eq <= 0) throw new UserError($"{source}: not ID=TYPE:SIZE", Example);
        if (!int.TryParse(spec[..eq], NumberStyles.None, CultureInfo.InvariantCulture, out int id))
            throw new UserError($"{source}: cell id '{spec[..eq]}' is not a number", Example);
        var parts = spec[(eq + 1)..].Split(':');
        if (parts.Length < 2) throw new UserError($"{source}: not ID=TYPE:SIZE", Example);
        var type = ParseType(parts[0], source);
        ulong size = LibvirtUnits.TryParseSize(parts[1]) ?? throw new UserError($"{source}: size '{parts[1]}' is not a number with a unit",
            "write the size with its unit, no space: 16GiB, 512MiB (libvirt's units: KiB, MiB, GiB, TiB, or KB, MB, GB, TB)");
        int digits = parts[1].TakeWhile(char.IsAsciiDigit).Count();
        NodeRule rule = NodeRule.Nearest;
        BindPolicy mode = BindPolicy.Bind;
        bool ruleGiven = false, modeGiven = false;
        foreach (var word in parts.Skip(2))
        {
            if (word is "nearest" or "all" && !ruleGiven) { rule = word == "all" ? NodeRule.All : NodeRule.Nearest; ruleGiven = true; }
            else if (ParseMode(word) is { } m && !modeGiven) { mode = m; modeGiven = true; }
            else throw new UserError($"{source}: '{word}' is not a mode (strict, preferred, interleave) or a node rule (nearest, all), or is given twice", Example);
        }
        return Checked(new CellIntent(id, type, size, (parts[1][..digits], parts[1][digits..]), rule, mode, ruleGiven, modeGiven, source));
    }

    public static HostMemType ParseType(string text, string subject) =>
        HostMemTypeNames.TryParse(text, out var type) ? type
            : text.Contains('+') ? throw NoWeightedInterleave(text)
            : throw new UserError($"{subject}: unknown type '{text}'", $"valid types: {ValidTypes}");

    /// <summary>libvirt's memnode modes are strict, preferred, interleave and restrictive: nothing sets a weighted policy
    /// on the QEMU it starts, and hostmem cannot set it from outside.</summary>
    static UserError NoWeightedInterleave(string text) =>
        new($"'{text}': libvirt has no weighted interleave (its <memnode> modes are strict, preferred, interleave), and hostmem cannot set it on the QEMU libvirt starts",
            "start the VM with 'hostmem qemu -- ... host-mem-type=dram+cxl-ram,host-mem-policy=weighted-interleave', or give the cell one type with mode 'interleave'");

    /// <summary>What libvirt and QEMU need of every cell, checked where the cell is named.</summary>
    public static CellIntent Checked(CellIntent c)
    {
        if (c.SizeBytes == 0) throw new UserError($"{c.Subject}: size 0", "give the cell some memory, e.g. 16GiB");
        if (c.SizeBytes % (1UL << 20) != 0)
            throw new UserError($"{c.Subject}: size {Bytes.Format(c.SizeBytes)} is not a whole number of MiB",
                "libvirt rounds each cell up to whole MiB on x86, which would no longer add up to <memory>: write e.g. 512MiB");
        return c;
    }
}
