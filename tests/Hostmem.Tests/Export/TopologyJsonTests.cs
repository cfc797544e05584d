using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Hostmem.Classification;
using Hostmem.Discovery;
using Hostmem.Export;
using Hostmem.Probe;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Export;

/// <summary>
/// The reference for hostmem's hand-written topology JSON is System.Text.Json's serializer over the same records, with
/// the options the report used to be serialized with (snake_case keys, nulls kept, indented; the default encoder): the
/// two must write the same bytes on every recorded tree.
/// </summary>
public class TopologyJsonTests
{
    public static TheoryData<string> ProjectTrees() => [.. Trees.ProjectFixtureNames()];

    [Theory]
    [MemberData(nameof(ProjectTrees))]
    public void Every_project_tree_is_written_as_the_serializer_writes_it(string name) => Same(Trees.Project(name), name);

    [SharedFixtureFact("hwloc")]
    public void Every_sample_and_hwloc_tree_is_written_as_the_serializer_writes_it()
    {
        foreach (var sample in new[] { "guestA-slow", "guestB-cxl" }) Same(Trees.Sample(sample), sample);
        foreach (var hwloc in new[] { "fakeheteromemtiers", "memorysidecaches", "128ia64-17n4s2c", "32em64t-2n8c+dax+nvme+mic+dimms" })
            Same(Trees.Hwloc(hwloc), hwloc + "/+é\"<&>'`\\\t\u007f\u0001 😀"); // the shown path is the user's text: escaped as the default encoder does
    }

    [Fact]
    public void Measured_figures_and_weighted_interleave_weights_are_written_as_the_serializer_writes_them()
    {
        var tree = Trees.Project("two-socket-cxl");
        var file = Path.Combine(Trees.RepoRoot, "tests", "Hostmem.Tests", "Probe", "data", "two-socket-cxl.probe.json");
        var host = ClassifiedHost.From(TopologyReader.Read(tree));
        var report = Report(host, "two-socket-cxl") with { Measured = MeasuredReport.From(MeasuredFigures.Load(file, host.Host), host.Host) };
        Assert.NotNull(report.Measured);
        Assert.Equal(Reference(report), Written(report));

        var weighted = Report(ClassifiedHost.From(TopologyReader.Read(Trees.Project("cxl-ram-weighted"))), "cxl-ram-weighted");
        Assert.NotNull(weighted.WeightedInterleave);
        Assert.Equal(Reference(weighted), Written(weighted));
    }

    static void Same(string tree, string shown)
    {
        var report = Report(ClassifiedHost.From(TopologyReader.Read(tree)), shown);
        Assert.Equal(Reference(report), Written(report));
    }

    static TopologyReport Report(ClassifiedHost host, string shown) =>
        TopologyReportBuilder.Build(host.Host, host.Classes, host.Diagnostics, "test", shown);

    /// <summary>The report as hostmem writes it.</summary>
    public static string Written(TopologyReport report)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, TopologyJson.Options)) TopologyJson.Write(writer, report);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    static string Reference(TopologyReport report) => JsonSerializer.Serialize(report, ReferenceTopologyJson.Default.TopologyReport);
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(TopologyReport))]
internal sealed partial class ReferenceTopologyJson : JsonSerializerContext;
