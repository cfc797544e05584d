namespace Hostmem.Topology;

/// <summary>
/// A kernel memory tier (/sys/devices/virtual/memory_tiering/memory_tierN). N is the abstract distance
/// divided by 128; DRAM sits in tier 4 (adistance 512-639), lower N is faster.
/// </summary>
public sealed record MemoryTier(int Id, IReadOnlyList<int> Nodes)
{
    public const int AdistanceChunk = 128;
    public int AdistanceStart => Id * AdistanceChunk;
}
