using Hostmem.Discovery;
using Hostmem.Topology;

namespace Hostmem.Classification;

/// <summary>A host read once and understood: the snapshot, each node's type, and the findings.</summary>
public sealed record ClassifiedHost(HostTopology Host, IReadOnlyList<NodeClassification> Classes, IReadOnlyList<Diagnostic> Diagnostics)
{
    /// <summary>Reads a sysfs folder, or a recorded tree archive (.tar.gz) unpacked for the duration.</summary>
    public static ClassifiedHost Discover(string sysfs)
    {
        if (!Sysfs.RecordedTree.IsArchive(sysfs)) return From(TopologyReader.Read(sysfs));
        using var tree = Sysfs.RecordedTree.Extract(sysfs);
        return From(TopologyReader.Read(tree.Root));
    }

    public static ClassifiedHost From(HostTopology host)
    {
        var classes = NodeClassifier.Classify(host);
        return new ClassifiedHost(host, classes, TopologyDiagnostics.Find(host, classes));
    }

    public NodeClassification ClassOf(int node) => Classes.First(c => c.Node == node);
}
