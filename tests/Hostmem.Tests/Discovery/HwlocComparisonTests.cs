using System.Text.RegularExpressions;
using Hostmem.Classification;
using Hostmem.Discovery;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Discovery;

/// <summary>
/// hwloc 2.12 reads the same trees; every node type must agree, or the difference is one hostmem makes on
/// purpose and is pinned here with its reason.
/// </summary>
public partial class HwlocComparisonTests
{
    /// <summary>(tree, node) → (what hwloc says, what hostmem says, why hostmem differs).</summary>
    private static readonly Dictionary<(string Tree, int Node), (string Hwloc, HostMemType Hostmem, string Why)> Deliberate = new()
    {
        [("hmat-two-tier", 0)] = ("HBM", HostMemType.Dram,
            "hwloc calls the faster of two HMAT tiers HBM; node0 has the CPUs and no device, and HBM must beat DRAM, not be it"),
        [("guestA-slow", 0)] = ("HBM", HostMemType.Dram,
            "the same guess as hmat-two-tier: the only other node is slower, which makes node0 the DRAM reference"),
    };

    static TheoryData<string, string> Rows(string source, IEnumerable<string> names)
    {
        var data = new TheoryData<string, string>();
        foreach (var n in names) data.Add(source, n);
        return data;
    }

    public static TheoryData<string, string> ProjectTrees() => Rows("project", Trees.ProjectFixtureNames());
    public static TheoryData<string, string> SampleTrees() => Rows("samples", ["guestA-slow", "guestB-cxl"]);
    public static TheoryData<string, string> HwlocTrees() =>
        Rows("hwloc", ["fakeheteromemtiers", "memorysidecaches", "128ia64-17n4s2c", "32em64t-2n8c+dax+nvme+mic+dimms"]);

    [NeedsProgramTheory("lstopo-no-graphics")]
    [MemberData(nameof(ProjectTrees))]
    public void Node_types_agree_with_hwloc_or_differ_on_purpose(string source, string name) => Compare(source, name);

    [NeedsProgramTheory("lstopo-no-graphics", Shared = "samples")]
    [MemberData(nameof(SampleTrees))]
    public void Sample_node_types_agree_with_hwloc_or_differ_on_purpose(string source, string name) => Compare(source, name);

    [NeedsProgramTheory("lstopo-no-graphics", Shared = "hwloc")]
    [MemberData(nameof(HwlocTrees))]
    public void Hwloc_suite_node_types_agree_with_hwloc_or_differ_on_purpose(string source, string name) => Compare(source, name);

    static void Compare(string source, string name)
    {
        var tree = source switch { "project" => Trees.Project(name), "samples" => Trees.Sample(name), _ => Trees.Hwloc(name) };
        var host = ClassifiedHost.From(TopologyReader.Read(tree));
        var hwloc = RunHwloc(tree);

        Assert.Equal(hwloc.Keys.Order(), host.Host.Nodes.Where(n => n.HasMemory).Select(n => n.Id).Order());
        foreach (var (node, (subtype, _)) in hwloc)
        {
            var ours = host.ClassOf(node).Type;
            if (Deliberate.TryGetValue((name, node), out var d))
            {
                Assert.Equal((d.Hwloc, d.Hostmem), (subtype, ours));
                continue;
            }
            Assert.True(Agrees(subtype, ours), $"{name} node{node}: hwloc says {subtype ?? "(no subtype)"}, hostmem says {ours.Name()}");
        }

        // Where both rank tiers, faster-before-slower must agree (hwloc ranks 0,1,2; the kernel numbers adistance/128).
        var ranked = hwloc.Where(kv => kv.Value.Tier is not null && host.Host.Node(kv.Key)!.Tier is not null).ToList();
        foreach (var a in ranked)
            foreach (var b in ranked)
                if (a.Value.Tier < b.Value.Tier)
                    Assert.True(host.Host.Node(a.Key)!.Tier <= host.Host.Node(b.Key)!.Tier,
                        $"{name}: hwloc ranks node{a.Key} before node{b.Key}, the kernel's tiers do not");
    }

    private static bool Agrees(string? hwloc, HostMemType ours) => (hwloc, ours) switch
    {
        (null or "DRAM", HostMemType.Dram) => true,
        ("HBM", HostMemType.Hbm) => true,
        ("NVM", HostMemType.Pmem) => true,
        ("SPM", HostMemType.Spm) => true,
        ("CXL-DRAM", HostMemType.CxlRam) => true,
        ("CXL-NVM", HostMemType.CxlPmem) => true,
        _ => false,
    };

    [GeneratedRegex(@"NUMANode(?:\((?<sub>[^)]*)\))? L#\d+ \(P#(?<p>\d+)(?<rest>[^)]*)\)")]
    private static partial Regex NumaLine();

    [GeneratedRegex(@"MemoryTier=(\d+)")]
    private static partial Regex TierAttr();

    private static Dictionary<int, (string? Subtype, int? Tier)> RunHwloc(string tree)
    {
        var (code, output, err) = Tool.Run("lstopo-no-graphics", ["-v", "-"],
            env: new Dictionary<string, string> { ["HWLOC_COMPONENTS"] = "linux,stop", ["HWLOC_FSROOT"] = tree });
        Assert.True(code == 0, $"lstopo failed on {tree}: {err}");
        var nodes = new Dictionary<int, (string?, int?)>();
        foreach (Match m in NumaLine().Matches(output))
        {
            var tier = TierAttr().Match(m.Groups["rest"].Value);
            nodes[int.Parse(m.Groups["p"].Value)] = (m.Groups["sub"].Success ? m.Groups["sub"].Value : null,
                tier.Success ? int.Parse(tier.Groups[1].Value) : null);
        }
        return nodes;
    }
}
