using Hostmem.Sysfs;
using Hostmem.Topology;

namespace Hostmem.Discovery;

/// <summary>Reads a whole <see cref="HostTopology"/> from a sysfs root. Never throws for a strange tree.</summary>
public static class TopologyReader
{
    /// <summary>Opens <paramref name="sysfsDir"/> (throws <see cref="UserError"/> if it is not a sysfs) and reads it.</summary>
    public static HostTopology Read(string sysfsDir) => Read(SysfsTree.Open(sysfsDir));

    public static HostTopology Read(SysfsTree fs)
    {
        var nodes = NodeReader.Read(fs);
        var tiers = NodeReader.ReadTiers(fs, out var hasTiering);
        nodes = [.. nodes.Select(n => n with { Tier = tiers.FirstOrDefault(t => t.Nodes.Contains(n.Id))?.Id })];
        var cxl = CxlReader.Read(fs);
        var dax = DaxReader.Read(fs);
        var (windows, evidence) = CxlWindowReader.Read(fs, cxl);
        var (hmat, hmatEvidence) = AcpiHmatReader.Read(fs, nodes);
        return new HostTopology
        {
            SysRoot = fs.SysRoot,
            Nodes = nodes,
            Tiers = tiers,
            HasMemoryTiering = hasTiering,
            Cxl = cxl,
            Dax = dax,
            NvdimmRegions = DaxReader.ReadNvdimm(fs),
            CxlWindows = windows,
            CxlWindowEvidence = evidence,
            Hmat = hmat,
            HmatEvidence = hmatEvidence,
            InterleaveWeights = InterleaveWeightsReader.Read(fs),
            ReadProblems = [.. fs.Problems],
        };
    }
}
