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

public static class HostMemTypeNames
{
    public static readonly IReadOnlyList<HostMemType> All = Enum.GetValues<HostMemType>();

    /// <summary>The spelling users type and JSON carries: dram, cxl-ram, cxl-pmem, hbm, pmem, spm.</summary>
    public static string Name(this HostMemType type) => type switch
    {
        HostMemType.Dram => "dram",
        HostMemType.CxlRam => "cxl-ram",
        HostMemType.CxlPmem => "cxl-pmem",
        HostMemType.Hbm => "hbm",
        HostMemType.Pmem => "pmem",
        HostMemType.Spm => "spm",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>Parses a user's spelling; the RFC's "cxlram" is accepted as cxl-ram.</summary>
    public static bool TryParse(string text, out HostMemType type)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "dram": type = HostMemType.Dram; return true;
            case "cxl-ram" or "cxlram": type = HostMemType.CxlRam; return true;
            case "cxl-pmem" or "cxlpmem": type = HostMemType.CxlPmem; return true;
            case "hbm": type = HostMemType.Hbm; return true;
            case "pmem": type = HostMemType.Pmem; return true;
            case "spm": type = HostMemType.Spm; return true;
            default: type = default; return false;
        }
    }
}
