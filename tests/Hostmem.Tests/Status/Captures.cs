using System.Text.Json;
using Hostmem.Qmp;
using Hostmem.Status;
using Hostmem.Tests.Support;

namespace Hostmem.Tests.Status;

/// <summary>A capture of a real QEMU (Status/data, see its README), laid out as /proc/PID so ProcessFiles reads it.</summary>
public sealed record Capture(string Name, ProcessFiles Files, IReadOnlyList<QmpMemdev> Memdevs, string RamBlockText)
{
    public static string DataFolder => Path.Combine(Trees.RepoRoot, "tests", "Hostmem.Tests", "Status", "data");

    public static string Text(string file) => File.ReadAllText(Path.Combine(DataFolder, file));

    public IReadOnlyList<NumaMapping> NumaMaps => Files.ReadNumaMaps();

    public IReadOnlyDictionary<ulong, ulong> Ends => Files.MappingEnds();

    public IReadOnlyList<RamBlock>? Blocks => RamBlocks.Parse(RamBlockText);

    public static Capture Load(string name)
    {
        var proc = Scratch.Folder("hostmem-status-proc-");
        var pidFolder = Path.Combine(proc, "4242");
        Directory.CreateDirectory(pidFolder);
        foreach (var f in new[] { "cmdline", "numa_maps", "maps" })
            File.Copy(Path.Combine(DataFolder, $"{name}.{f}"), Path.Combine(pidFolder, f));
        var memdevs = JsonSerializer.Deserialize(Text($"{name}.memdev.json"), QmpJson.Default.ListQmpMemdev)!;
        return new Capture(name, new ProcessFiles(4242, proc), memdevs, Text($"{name}.ramblock.txt"));
    }

    /// <summary>The backends as status ties them, from the recorded QMP answers and /proc files.</summary>
    public IReadOnlyList<BackendPlacement> Analyse(string? numaMapsText = null) =>
        PlacementAnalysis.WithQmp(Memdevs, Blocks, numaMapsText is null ? NumaMaps : Hostmem.Status.NumaMaps.Parse(numaMapsText), Ends,
            Blocks is null ? "recorded 'info ramblock' has no host addresses" : null);

    public string NumaMapsText => Text($"{Name}.numa_maps");

    public static readonly string[] All = ["bind-node0", "cxl-type3", "numactl-m0", "qemu72-cxl", "nested-policies", "nested-hugetlb"];
}
