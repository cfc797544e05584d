using System.Text.RegularExpressions;
using Hostmem.Classification;
using Hostmem.Export;
using Hostmem.Kubevirt;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Fleet;

/// <summary>deploy/: clean for yamllint (Debian), and it asks for what hostmem writes: the labels of its node affinity
/// are ones `export nfd` gives a CXL host, the annotation is the hook's. No Kubernetes schema check runs here: none is
/// packaged in Debian, and the workplace cannot fetch one.</summary>
public sealed partial class DeployTests
{
    static string Deploy => Path.Combine(Trees.RepoRoot, "deploy");

    [NeedsProgramFact("yamllint")]
    public void Manifests_pass_yamllint_strict()
    {
        var files = Directory.GetFiles(Deploy, "*.yaml");
        Assert.Equal(3, files.Length);
        // exit 0 also in strict mode (-s): no warnings either; Trees.Run throws on any other exit code.
        Assert.Equal("", Trees.Run("yamllint", ["-s", "-f", "parsable", "-c", Path.Combine(Deploy, ".yamllint"), .. files]));
    }

    [GeneratedRegex(@"key: (feature\.node\.kubernetes\.io/\S+)")]
    private static partial Regex AffinityKey();

    [Fact]
    public void The_vm_asks_for_labels_hostmem_writes_and_the_hooks_annotation()
    {
        var vm = File.ReadAllText(Path.Combine(Deploy, "vm-cxl.yaml"));
        var written = NfdLabels.From(ClassifiedHost.Discover(Trees.Project("two-socket-cxl"))).Select(l => l.Key).ToHashSet();
        var asked = AffinityKey().Matches(vm).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(asked);
        Assert.All(asked, key => Assert.Contains(key, written));
        Assert.Contains($"{OnDefineDomain.Annotation}: \"1=cxl-ram:16GiB\"", vm, StringComparison.Ordinal);
        Assert.Contains("hookPath\": \"/usr/bin/onDefineDomain\"", vm, StringComparison.Ordinal);
        Assert.Contains("exec /usr/bin/hostmem kubevirt on-define-domain \"$@\"", File.ReadAllText(Path.Combine(Deploy, "kubevirt-hook.yaml")), StringComparison.Ordinal);
    }
}
