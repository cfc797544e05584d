using Hostmem.Tests.Support;
using Xunit.Abstractions;

namespace Hostmem.LabTests;

/// <summary>
/// The committed fixtures still describe what the lab's guests do: a scenario is recorded again and the new guest's
/// report (nodes, CPUs, capacity, tiers, access figures, CXL regions and memdevs, dax devices, the kernel's demotion
/// lines) must equal the committed archive's <c>meta/guest-report.txt</c>. CI records one scenario per run, a different
/// one each day; HOSTMEM_LAB_ALL=1 records every one.
/// </summary>
public partial class RerecordingTests(ITestOutputHelper output)
{
    static string[] Scenarios() =>
        [.. Directory.GetFiles(Path.Combine(Lab.RepoRoot, "lab", "scenarios"), "*.conf").Select(Path.GetFileNameWithoutExtension).Order()!];

    /// <summary>Today's scenario: the day number since 1970 picks one, so a week of CI runs covers all eight.</summary>
    static string Todays() => Scenarios()[(int)(DateTime.UtcNow.Date - DateTime.UnixEpoch).TotalDays % Scenarios().Length];

    public static TheoryData<string> AllScenarios() => [.. Scenarios()];

    [LabFact]
    public void Todays_scenario_recorded_again_reports_the_committed_facts() => RecordAndCompare(Todays());

    [LabAllTheory]
    [MemberData(nameof(AllScenarios))]
    public void Every_scenario_recorded_again_reports_the_committed_facts(string scenario) => RecordAndCompare(scenario);

    void RecordAndCompare(string scenario)
    {
        output.WriteLine($"re-recording {scenario}");
        var outDir = Lab.TempDir();
        var run = Lab.Run([scenario, "--out", outDir]);
        Assert.True(run.ExitCode == 0, run.Describe());
        var committed = Facts(Lab.TarRead(Trees.Archive(scenario), "meta/guest-report.txt"));
        var recorded = Facts(Lab.TarRead(Path.Combine(outDir, scenario + ".tar.gz"), "meta/guest-report.txt"));
        Assert.True(recorded.Count > 5, $"the new report of {scenario} is nearly empty:\n{string.Join('\n', recorded)}");
        var lost = Without(committed, recorded).Where(l => !Capacity.Agree(l, recorded)).ToList();
        var gained = Without(recorded, committed).Where(l => !Capacity.Agree(l, committed)).ToList();
        Assert.True(lost.Count == 0 && gained.Count == 0,
            $"{scenario}: the guest no longer reports what the committed fixture says (re-record it with lab/run {scenario} and review)\n"
            + $"only in tests/fixtures: {string.Join("; ", lost)}\nonly in the new recording: {string.Join("; ", gained)}");
        Directory.Delete(outDir, true);
    }

    /// <summary>
    /// A node's capacity (<c>nodeN.memkb=</c>, the kernel's MemTotal of the node) is its memory less what the kernel
    /// reserved there at boot (its image, the memory map, the initramfs), and those reservations move between nodes with
    /// the lab's initramfs and kernel: two-socket-cxl recorded 992504/1031224 kB on nodes 0/1 and 1030720/993008 kB a
    /// few weeks of initramfs changes later. So a capacity agrees within 5 % of the other report's figure for that node.
    /// </summary>
    static class Capacity
    {
        public static bool Agree(string line, IEnumerable<string> other)
        {
            if (Parse(line) is not var (node, kb)) return false;
            return other.Select(Parse).Any(o => o is var (n, k) && n == node && Math.Abs(k - kb) <= 0.05 * Math.Max(k, kb));
        }

        static (string Node, double Kb)? Parse(string line) =>
            line.Split('=', 2) is [var key, var value] && key.EndsWith(".memkb", StringComparison.Ordinal)
                && double.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var kb) ? (key, kb) : null;
    }

    /// <summary>
    /// The report's lines as a multiset, sorted. Two things in it follow the order in which the kernel probed the CXL
    /// devices and onlined their nodes, which varies from boot to boot (two-socket-cxl: mem0 on numa_node 0 in one boot,
    /// on 1 in the next): the instance numbers of memdevs, regions, decoders and dax devices (kept as '#'), and the
    /// kernel's demotion lines printed while only some nodes were online (only each node's last state is kept: the
    /// line naming the most targets).
    /// </summary>
    static List<string> Facts(string report)
    {
        var lines = report.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => InstanceNumber().Replace(l.TrimEnd(), "$1#")).ToList();
        var demotion = lines.Where(l => l.StartsWith(DemotionPrefix, StringComparison.Ordinal))
            .GroupBy(l => l[..l.IndexOf(':', StringComparison.Ordinal)])
            .SelectMany(g => g.Where(l => Targets(l) == g.Max(Targets)).Distinct());
        return [.. lines.Where(l => !l.StartsWith(DemotionPrefix, StringComparison.Ordinal)).Concat(demotion).Order(StringComparer.Ordinal)];
    }

    const string DemotionPrefix = "dmesg=Demotion targets for Node ";

    /// <summary>How many nodes a demotion line names after "preferred:" (e.g. "2-3" is 2; "null" is 0).</summary>
    static int Targets(string line)
    {
        int at = line.IndexOf("preferred: ", StringComparison.Ordinal);
        if (at < 0) return 0;
        var rest = line[(at + "preferred: ".Length)..];
        var list = rest.Split(", fallback")[0]; // a node list as the kernel prints it (%*pbl): "2-3", "2,4"
        return list.Split(',').Sum(r => r.Split('-') is [var a, var b] ? int.Parse(b, System.Globalization.CultureInfo.InvariantCulture) - int.Parse(a, System.Globalization.CultureInfo.InvariantCulture) + 1 : 1);
    }

    /// <summary>The lines of <paramref name="a"/> not matched one for one by a line of <paramref name="b"/>.</summary>
    static List<string> Without(List<string> a, List<string> b)
    {
        var left = b.GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count());
        var result = new List<string>();
        foreach (var l in a)
            if (left.GetValueOrDefault(l) > 0) left[l]--;
            else result.Add(l);
        return result;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\b(cxl\.mem|cxl\.region|decoder|dax\.dax)\d+")]
    private static partial System.Text.RegularExpressions.Regex InstanceNumber();
}
