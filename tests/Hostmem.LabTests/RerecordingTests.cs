using Hostmem.Tests.Support;
using Xunit.Abstractions;

namespace Hostmem.LabTests;

/// <summary>
/// The committed fixtures still describe what the lab's guests do: a scenario is recorded again and the new guest's
/// report (nodes, CPUs, capacity, tiers, access figures, CXL regions and memdevs, dax devices, the kernel's demotion
/// lines) must equal the committed archive's <c>meta/guest-report.txt</c>. CI records one scenario per run, a different
/// one each day; HOSTMEM_LAB_ALL=1 records every one.
/// </summary>
public class RerecordingTests(ITestOutputHelper output)
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
        var lost = committed.Except(recorded).ToList();
        var gained = recorded.Except(committed).ToList();
        Assert.True(lost.Count == 0 && gained.Count == 0,
            $"{scenario}: the guest no longer reports what the committed fixture says (re-record it with lab/run {scenario} and review)\n"
            + $"only in tests/fixtures: {string.Join("; ", lost)}\nonly in the new recording: {string.Join("; ", gained)}");
        Directory.Delete(outDir, true);
    }

    /// <summary>The report's lines as a set (the kernel prints its demotion lines in an order that may vary); the report
    /// holds no counters or timestamps (lab/guest writes only the facts listed above).</summary>
    static HashSet<string> Facts(string report) => [.. report.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd())];
}
