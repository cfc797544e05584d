using System.Globalization;
using Hostmem.Classification;
using Hostmem.Export;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Fleet;

/// <summary>`hostmem export nfd`: every label valid for Kubernetes and NFD, the file as nfd-worker reads it.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class NfdExportTests
{
    static IReadOnlyList<NodeLabel> LabelsOf(string tree) => NfdLabels.From(ClassifiedHost.Discover(tree));

    static Dictionary<string, string> Map(IReadOnlyList<NodeLabel> labels) =>
        labels.ToDictionary(l => l.Key[(NfdLabels.Namespace.Length + 1)..], l => l.Value);

    [Fact]
    public void Label_rules_refuse_what_Kubernetes_and_NFD_refuse()
    {
        // Cases from the rules in k8s.io/apimachinery validation.go and NFD's validate.Label().
        Assert.Empty(KubernetesLabels.Check("feature.node.kubernetes.io/hostmem-memory-cxl-ram", "true"));
        Assert.Empty(KubernetesLabels.Check("vendor.feature.node.kubernetes.io/a_b.c", ""));
        Assert.NotEmpty(KubernetesLabels.Check("kubernetes.io/hostmem", "true"));            // NFD: namespace not allowed
        Assert.NotEmpty(KubernetesLabels.Check("hostmem-memory-dram", "true"));             // NFD: unprefixed
        Assert.NotEmpty(KubernetesLabels.Check("feature.node.kubernetes.io/-dram", "true")); // name starts with '-'
        Assert.NotEmpty(KubernetesLabels.Check("Feature.node.kubernetes.io/dram", "true"));  // prefix not lowercase
        Assert.NotEmpty(KubernetesLabels.Check("feature.node.kubernetes.io/" + new string('a', 64), "true"));
        Assert.NotEmpty(KubernetesLabels.Check("feature.node.kubernetes.io/dram", new string('1', 64)));
        Assert.NotEmpty(KubernetesLabels.Check("feature.node.kubernetes.io/dram", "16 GiB"));
        Assert.NotEmpty(KubernetesLabels.Check("feature.node.kubernetes.io/dram", "x."));
    }

    [Theory]
    [MemberData(nameof(FleetTrees.All), MemberType = typeof(FleetTrees))]
    public void Every_recorded_trees_labels_are_valid_and_the_file_fits(string tree)
    {
        var labels = LabelsOf(FleetTrees.Unpacked(tree));
        Assert.Empty(labels.SelectMany(l => KubernetesLabels.Check(l.Key, l.Value)));
        Assert.Equal(labels.Count, labels.Select(l => l.Key).Distinct().Count());
        Assert.Contains(labels, l => l.Key.EndsWith("/hostmem-memory-dram", StringComparison.Ordinal)); // every recorded host has DRAM
        Assert.True(NfdFeatureFile.Render(labels, DateTimeOffset.UtcNow).Length < NfdFeatureFile.MaxBytes);
    }

    [Fact]
    public void Two_socket_cxl_host_is_labelled_as_its_index_says()
    {
        // tests/fixtures/INDEX.md: node0/1 DRAM (992504 kB, 1031224 kB), node2/3 CXL RAM of 262144 kB each, tiers 4 and 73,
        // HMAT figures for every node; both memdevs in committed regions.
        var labels = Map(LabelsOf(Trees.Project("two-socket-cxl")));
        Assert.Equal("true", labels["hostmem-memory-dram"]);
        Assert.Equal("1", labels["hostmem-memory-dram-gib"]);     // 1,992,504 kB + 1,031,224 kB = 1.93 GiB
        Assert.Equal("true", labels["hostmem-memory-cxl-ram"]);
        Assert.Equal("0", labels["hostmem-memory-cxl-ram-gib"]);  // 2 x 256 MiB: less than a whole GiB
        Assert.Equal("2", labels["hostmem-memory-tiers"]);
        Assert.Equal("firmware", labels["hostmem-hmat"]);
        Assert.Equal("false", labels["hostmem-cxl-unusable"]);
        Assert.DoesNotContain("hostmem-memory-pmem", labels.Keys);
    }

    [Fact]
    public void Cxl_memdev_without_region_is_unusable_capacity()
    {
        // INDEX.md, cxl-no-region: a 256 MiB volatile memdev the guest never put in a region; no HMAT.
        var labels = Map(LabelsOf(Trees.Project("cxl-no-region")));
        Assert.Equal("true", labels["hostmem-cxl-unusable"]);
        Assert.DoesNotContain("hostmem-memory-cxl-ram", labels.Keys);
        Assert.Equal("none", labels["hostmem-hmat"]);
    }

    [Fact]
    public void Measured_figures_say_so_in_the_hmat_label()
    {
        var host = ClassifiedHost.Discover(Trees.Project("cxl-ram-kmem")); // INDEX.md: no HMAT
        Assert.Equal("none", Map(NfdLabels.From(host))["hostmem-hmat"]);
        Assert.Equal("measured", Map(NfdLabels.From(host, [new MeasuredNodeFigures(1, 250, null, null, null)]))["hostmem-hmat"]);
    }

    [Fact]
    public void Eight_socket_tree_stays_under_nfds_64_kB_limit()
    {
        // bench/gen-large-tree's defaults: node0 DRAM 62 GiB, nodes 1-7 63.5 GiB each (506.5 GiB), 32 CXL nodes of 16 GiB.
        var labels = LabelsOf(FleetTrees.Large);
        Assert.Empty(labels.SelectMany(l => KubernetesLabels.Check(l.Key, l.Value)));
        var map = Map(labels);
        Assert.Equal("506", map["hostmem-memory-dram-gib"]);
        Assert.Equal("512", map["hostmem-memory-cxl-ram-gib"]);
        Assert.Equal("2", map["hostmem-memory-tiers"]);
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(NfdFeatureFile.Render(labels, DateTimeOffset.UtcNow)) < NfdFeatureFile.MaxBytes);
    }

    [Fact]
    public void Cli_writes_the_file_atomically_with_an_expiry_nfd_reads()
    {
        var dir = Scratch.Folder("hostmem-nfd-");
        var file = Path.Combine(dir, "hostmem");
        var before = DateTimeOffset.UtcNow;
        var (code, stdout, stderr) = HostmemCli.Run("export", "nfd", "--sysfs", Trees.Project("hmat-two-tier"), "--output", file, "--expiry", "300");
        Assert.True(code == 0, stderr);
        Assert.Equal("", stdout);
        Assert.Equal([file], Directory.GetFiles(dir)); // no dot-file left behind
        var lines = File.ReadAllLines(file);
        // NFD's directive: "# +expiry-time=" and an RFC 3339 time (source/local testdata/features.d/expired_feature).
        Assert.StartsWith("# +expiry-time=", lines[0], StringComparison.Ordinal);
        var expires = DateTimeOffset.Parse(lines[0]["# +expiry-time=".Length..], CultureInfo.InvariantCulture);
        Assert.InRange(expires, before.AddSeconds(299), DateTimeOffset.UtcNow.AddSeconds(301));
        foreach (var line in lines.Skip(1))
        {
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            Assert.Empty(KubernetesLabels.Check(line[..eq], line[(eq + 1)..]));
        }
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(file));
    }

    [Theory]
    [InlineData("--output", "/nonexistent-hostmem/features.d/hostmem", "create it first")]
    [InlineData("--expiry", "soon", "--expiry 60")]
    [InlineData("--expiry", "0", "--expiry 60")]
    public void Bad_input_is_one_line_and_a_hint(string option, string value, string hint)
    {
        var (code, stdout, stderr) = HostmemCli.Run("export", "nfd", "--sysfs", Trees.Project("hmat-equal"), option, value);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        var lines = stderr.TrimEnd('\n').Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("hostmem: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(hint, lines[1], StringComparison.Ordinal);
    }
}
