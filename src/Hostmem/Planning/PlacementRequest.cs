using Hostmem.Classification;

namespace Hostmem.Planning;

/// <summary>
/// One piece of guest memory to place on host memory of a type, whichever syntax asked for it (a QEMU
/// <c>-object memory-backend-*</c> with <c>host-mem-type=</c>, a libvirt cell in hostmem's metadata).
/// </summary>
public sealed record PlacementRequest
{
    /// <summary>How errors and reasons name it: <c>memory-backend-ram 'vmem0'</c>, <c>cell 1</c>.</summary>
    public required string Subject { get; init; }
    /// <summary>The memory backend's id (for libvirt, the one libvirt gives the cell: <c>ram-nodeN</c>).</summary>
    public required string Id { get; init; }
    public string QomType { get; init; } = "memory-backend-ram";
    /// <summary>Position in the QEMU command line; -1 when the request did not come from one.</summary>
    public int ArgumentIndex { get; init; } = -1;
    public required HostMemType Type { get; init; }
    public required ulong SizeBytes { get; init; }
    public NodeRule Rule { get; init; } = NodeRule.Nearest;
    public BindPolicy Policy { get; init; } = BindPolicy.Bind;
    /// <summary>The user chose the policy (else it is the default, and the plan says so).</summary>
    public bool PolicyGiven { get; init; }
    public required IntentSpelling Spelling { get; init; }
}

/// <summary>
/// How a syntax writes hostmem's choices, so that reasons and hints show the words the user types there:
/// <c>host-mem-nodes=all</c> on a QEMU command line, <c>nodes='all'</c> in a libvirt domain.
/// </summary>
/// <param name="NodesKey">The key that chooses the node rule (nearest, all).</param>
/// <param name="PolicyKey">The key that chooses the policy.</param>
/// <param name="PolicyTerm">What the syntax calls a policy ("policy", libvirt's "mode").</param>
/// <param name="SizeName">How a hint names the size ("size=", "the cell's size").</param>
/// <param name="Policy">A policy's value in this syntax (bind is libvirt's strict).</param>
/// <param name="Set">KEY and VALUE as the user writes them.</param>
/// <param name="DevdaxFile">The syntax can give a devdax device to a file backend.</param>
/// <param name="AcceptsNone">The syntax accepts the type "none".</param>
public sealed record IntentSpelling(string NodesKey, string PolicyKey, string PolicyTerm, string SizeName,
    Func<BindPolicy, string> Policy, Func<string, string, string> Set, bool DevdaxFile, bool AcceptsNone)
{
    public static IntentSpelling Qemu { get; } = new(Planner.NodesKey, Planner.PolicyKey, "policy", "size=",
        p => p.Name(), (key, value) => $"{key}={value}", DevdaxFile: true, AcceptsNone: true);
}
