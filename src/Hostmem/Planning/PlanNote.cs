namespace Hostmem.Planning;

public enum NoteSeverity { Info, Warning }

/// <summary>
/// Something the plan wants the user to know, with a stable code scripts and tests can match (the text may change):
/// what guest NUMA did or why not, what hostmem filled in, where the user's figures differ from the host's.
/// </summary>
public sealed record PlanNote(NoteSeverity Severity, string Code, string Text)
{
    public static PlanNote Info(string code, string text) => new(NoteSeverity.Info, code, text);
    public static PlanNote Warning(string code, string text) => new(NoteSeverity.Warning, code, text);
    public bool IsWarning => Severity == NoteSeverity.Warning;
    public override string ToString() => IsWarning ? $"warning: {Text}" : Text;
}

/// <summary>The codes of <see cref="PlanNote"/>s, one place for all of them (docs/plan.md lists them).</summary>
public static class NoteCodes
{
    // Guest NUMA not made, and why.
    public const string NoNumaMachine = "no-numa-machine";
    public const string NodeWithoutId = "node-without-nodeid";
    public const string NoCpuNode = "no-cpu-node";
    public const string MachineMemoryBackend = "machine-memory-backend";
    // Backends that get no guest node of their own.
    public const string CxlDeviceBackend = "cxl-device-backend";
    public const string MainRamBackend = "main-ram-backend";
    public const string DeviceBackend = "device-backend";
    // What hostmem changed or filled in.
    public const string RamGrown = "ram-grown";
    public const string MaxmemSet = "maxmem-set";
    public const string HmatOff = "hmat-off";
    public const string FiguresFilled = "figures-filled";
    public const string FiguresClamped = "figures-clamped";
    // Figures.
    public const string NoReferenceFigures = "no-reference-figures";
    public const string UserFiguresDiffer = "user-figures-differ";
    public const string UserFiguresUnencodable = "user-figures-unencodable";
    public const string TierOverflow = "tier-overflow";
    public const string ImplausibleLatency = "implausible-latency";
    public const string CrossSocketFigures = "cross-socket-figures";
    // virtio-mem: memory plugged after boot.
    public const string PlugNodeUnknown = "plug-node-unknown";
    // Emulated CXL (cxl-type3 CDAT).
    public const string CxlOwnCdat = "cxl-own-cdat";
    public const string CxlNotDirect = "cxl-not-direct";
    public const string CxlNoFigures = "cxl-no-figures";
    public const string CxlLinkLatency = "cxl-link-latency";
    // libvirt.
    public const string CellZeroAdded = "cell0-added";
    public const string MemoryGrown = "memory-grown";
    public const string OneDirectionLink = "one-direction-link";
    public const string NoAcpi = "no-acpi";
    public const string NumatuneOutside = "numatune-outside";
    public const string PlugNodemaskDiffers = "plug-nodemask-differs";
    // Weighted interleave: what else follows the process's policy.
    public const string WeightedInterleaveProcess = "weighted-interleave-process";

    public static readonly IReadOnlyList<string> All =
    [
        NoNumaMachine, NodeWithoutId, NoCpuNode, MachineMemoryBackend, CxlDeviceBackend, MainRamBackend, DeviceBackend,
        RamGrown, MaxmemSet, PlugNodeUnknown, HmatOff, FiguresFilled, FiguresClamped, NoReferenceFigures, UserFiguresDiffer, UserFiguresUnencodable,
        TierOverflow, ImplausibleLatency, CrossSocketFigures, CxlOwnCdat, CxlNotDirect, CxlNoFigures, CxlLinkLatency, CellZeroAdded, MemoryGrown, OneDirectionLink, NoAcpi, NumatuneOutside,
        PlugNodemaskDiffers, WeightedInterleaveProcess,
    ];
}
