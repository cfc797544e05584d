namespace Hostmem.Classification;

/// <summary>The kind of memory behind a NUMA node; the values the RFC's host-mem-type= names.</summary>
public enum HostMemType
{
    Dram,
    CxlRam,
    CxlPmem,
    Hbm,
    Pmem,
    /// <summary>Specific-purpose memory (EFI_MEMORY_SP, soft reserved) of unknown kind.</summary>
    Spm,
}

/// <summary>One memory type: the spelling users type and JSON carries, the other spellings accepted, and what it is.</summary>
public sealed record MemoryTypeEntry(HostMemType Type, string Name, IReadOnlyList<string> Aliases, string Summary);

/// <summary>The one table of memory types: names, parsing and every list of valid types derive from it.</summary>
public static class HostMemTypeNames
{
    public static readonly IReadOnlyList<MemoryTypeEntry> Table =
    [
        new(HostMemType.CxlRam, "cxl-ram", ["cxlram"], "volatile memory on a CXL memory expander (the RFC's cxlram)"),
        new(HostMemType.Dram, "dram", [], "the CPUs' own memory"),
        new(HostMemType.Hbm, "hbm", [], "high-bandwidth memory in the CPU package"),
        new(HostMemType.Pmem, "pmem", [], "persistent memory (NVDIMM)"),
        new(HostMemType.CxlPmem, "cxl-pmem", ["cxlpmem"], "persistent memory on a CXL device"),
        new(HostMemType.Spm, "spm", [], "specific-purpose memory (EFI_MEMORY_SP) of unknown kind"),
    ];

    public static readonly IReadOnlyList<HostMemType> All = Enum.GetValues<HostMemType>();

    static readonly Dictionary<HostMemType, MemoryTypeEntry> ByType = Table.ToDictionary(e => e.Type);

    /// <summary>"cxl-ram (the RFC's cxlram), dram, hbm, ...": for help texts and hints.</summary>
    public static string ValidList { get; } = string.Join(", ", Table.Select(e => e.Type == HostMemType.CxlRam ? $"{e.Name} (the RFC's cxlram)" : e.Name));

    /// <summary>The spelling users type and JSON carries: dram, cxl-ram, cxl-pmem, hbm, pmem, spm.</summary>
    public static string Name(this HostMemType type) =>
        ByType.TryGetValue(type, out var e) ? e.Name : throw new ArgumentOutOfRangeException(nameof(type));

    /// <summary>Parses a user's spelling (any case, the aliases too); the RFC's "cxlram" is accepted as cxl-ram.</summary>
    public static bool TryParse(string text, out HostMemType type)
    {
        string t = text.Trim().ToLowerInvariant();
        var entry = Table.FirstOrDefault(e => e.Name == t || e.Aliases.Contains(t));
        type = entry?.Type ?? default;
        return entry is not null;
    }
}
