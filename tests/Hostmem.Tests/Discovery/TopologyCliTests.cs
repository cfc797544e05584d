using System.Text.Json;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Discovery;

/// <summary>`hostmem topology` as users run it, on recorded trees.</summary>
public class TopologyCliTests
{
    static string Fixture(string name) => Trees.Archive(name);

    [Fact]
    public void Json_has_the_stable_keys_and_the_cxl_node()
    {
        var (code, stdout, stderr) = HostmemCli.Run("topology", "--sysfs", Fixture("cxl-ram-kmem"), "--format", "json");
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        foreach (var key in new[] { "nodes", "cxl", "dax", "tiers", "diagnostics" }) Assert.True(root.TryGetProperty(key, out _), key);
        var node1 = root.GetProperty("nodes")[1];
        foreach (var key in new[] { "node", "type", "tier", "cpus", "mem_total_bytes", "mem_free_bytes", "distances", "access", "evidence" })
            Assert.True(node1.TryGetProperty(key, out _), key);
        Assert.Equal(("cxl-ram", 22, 268435456L), (node1.GetProperty("type").GetString(), node1.GetProperty("tier").GetInt32(), node1.GetProperty("mem_total_bytes").GetInt64()));
        var region = root.GetProperty("cxl").GetProperty("regions")[0];
        Assert.Equal(1, region.GetProperty("dax")[0].GetProperty("target_node").GetInt32());
    }

    [Fact]
    public void Table_explains_findings_and_exits_0()
    {
        // A report that was printed is a success, findings and all (issue #15: pipelines under set -o pipefail).
        var (code, stdout, _) = HostmemCli.Run("topology", "--sysfs", Fixture("cxl-no-region"));
        Assert.Equal(0, code);
        Assert.Contains("not committed", stdout);
        Assert.Contains("warning [cxl-memdev-no-region]", stdout);
        Assert.Contains("fix: ", stdout);
        Assert.DoesNotContain("\u001b[", stdout); // NO_COLOR
    }

    [Theory]
    // INDEX.md: cxl-no-region has a memdev without a region (a warning); cxl-ram-kmem is a clean kmem-onlined region.
    [InlineData("cxl-no-region", 1)]
    [InlineData("cxl-ram-kmem", 0)]
    public void Check_exits_1_only_on_a_warning(string tree, int expected)
    {
        var (code, stdout, _) = HostmemCli.Run("topology", "--check", "--sysfs", Fixture(tree), "--json");
        Assert.Equal(expected, code);
        using var doc = System.Text.Json.JsonDocument.Parse(stdout); // the report is printed either way
        Assert.Equal(expected == 1, doc.RootElement.GetProperty("diagnostics").EnumerateArray().Any(d => d.GetProperty("severity").GetString() == "warning"));
    }

    [Theory]
    [InlineData("no such directory", "topology", "--sysfs", "/no/such/dir")]
    [InlineData("a file, neither a sysfs folder", "topology", "--sysfs", "/etc/hostname")]
    [InlineData("no such file", "topology", "--sysfs", "/etc/hostname.tar.gz")]
    [InlineData("'xml' not recognized", "topology", "--format", "xml")]
    [InlineData("Unrecognized command or argument 'topolgy'", "topolgy")]
    [InlineData("no command given", new string[0])]
    public void Bad_input_exits_2_with_one_line_and_a_hint(string problem, params string[] args)
    {
        Refusal.Assert(HostmemCli.Run(args), problem);
    }
}
