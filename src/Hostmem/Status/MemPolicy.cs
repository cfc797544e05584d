using Hostmem.Sysfs;

namespace Hostmem.Status;

/// <summary>The kernel's memory policy modes (include/uapi/linux/mempolicy.h), named as numa_maps and QEMU name them.</summary>
public enum MemPolicyMode
{
    Default,
    Preferred,
    Bind,
    Interleave,
    WeightedInterleave,
    Local,
    PreferredMany,
}

/// <summary>A memory policy: the mode, the nodes it names, and the mode flags numa_maps prints after '='.</summary>
public sealed record MemPolicy(MemPolicyMode Mode, IReadOnlyList<int> Nodes, string? Flags = null)
{
    public static readonly MemPolicy Default = new(MemPolicyMode.Default, []);

    // mm/mempolicy.c policy_modes[]: two of the names contain a space, so a numa_maps line cannot be split on spaces first.
    static readonly (string Name, MemPolicyMode Mode)[] KernelNames =
    [
        ("weighted interleave", MemPolicyMode.WeightedInterleave),
        ("prefer (many)", MemPolicyMode.PreferredMany),
        ("interleave", MemPolicyMode.Interleave),
        ("default", MemPolicyMode.Default),
        ("prefer", MemPolicyMode.Preferred),
        ("bind", MemPolicyMode.Bind),
        ("local", MemPolicyMode.Local),
    ];

    /// <summary>True for policies that name nodes on purpose (bind, prefer, interleave, ...), not default or local.</summary>
    public bool IsExplicit => Mode is not (MemPolicyMode.Default or MemPolicyMode.Local);

    /// <summary>Parses the policy field at the start of <paramref name="text"/> as mpol_to_str writes it
    /// (<c>default</c>, <c>bind:1</c>, <c>prefer:0</c>, <c>interleave:0-1</c>, <c>bind=static:0,2</c>,
    /// <c>prefer (many)=relative:1-2</c>); returns the policy and how many characters it took, or null.</summary>
    public static (MemPolicy Policy, int Length)? ParseKernel(string text)
    {
        foreach (var (name, mode) in KernelNames)
        {
            if (!text.StartsWith(name, StringComparison.Ordinal)) continue;
            int end = text.IndexOf(' ', name.Length);
            if (end < 0) end = text.Length;
            var rest = text[name.Length..end];
            if (rest.Length > 0 && rest[0] is not ('=' or ':')) continue; // "interleaved..." is not "interleave"
            string? flags = null;
            if (rest.StartsWith('='))
            {
                int colon = rest.IndexOf(':');
                flags = colon < 0 ? rest[1..] : rest[1..colon];
                rest = colon < 0 ? "" : rest[colon..];
            }
            IReadOnlyList<int> nodes = [];
            if (rest.StartsWith(':'))
            {
                if (CpuList.TryParse(rest[1..]) is not { } parsed) return null;
                nodes = parsed;
            }
            else if (rest.Length > 0) return null;
            return (new MemPolicy(mode, nodes, flags), end);
        }
        return null;
    }

    /// <summary>QEMU's HostMemPolicy names (query-memdev, -object policy=): default, preferred, bind, interleave.</summary>
    public static MemPolicyMode? ParseQemu(string name) => name switch
    {
        "default" => MemPolicyMode.Default,
        "preferred" => MemPolicyMode.Preferred,
        "bind" => MemPolicyMode.Bind,
        "interleave" => MemPolicyMode.Interleave,
        _ => null,
    };

    /// <summary>How numa_maps writes it: <c>bind:0-1</c>, <c>default</c>.</summary>
    public override string ToString()
    {
        var name = KernelNames.First(k => k.Mode == Mode).Name;
        var flags = Flags is null ? "" : "=" + Flags;
        return Nodes.Count == 0 ? name + flags : $"{name}{flags}:{CpuList.Format(Nodes)}";
    }
}
