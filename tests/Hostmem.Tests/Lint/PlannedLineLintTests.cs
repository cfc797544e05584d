using CsCheck;
using Hostmem.Classification;
using Hostmem.Discovery;
using Hostmem.Lint;
using Hostmem.Planning;
using Hostmem.Qemu;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Lint;

/// <summary>
/// hostmem's own output lints clean: whatever backends, guest NUMA mode, CPUs and figures, the line 'hostmem qemu' writes
/// for a recorded host has no finding against that host. And the lab's own recorded QEMU lines (each fixture's
/// meta/qemu-cmdline.txt, which booted) have only the finding they are meant to have: emulated CXL memory.
/// </summary>
public class PlannedLineLintTests
{
    static readonly string[] Fixtures = ["cxl-ram-kmem", "cxl-ram-genport", "two-socket-cxl", "nvdimm-kmem", "hmat-two-tier", "hmat-equal"];
    static readonly Lazy<ClassifiedHost[]> Hosts = new(() => [.. Fixtures.Select(f => ClassifiedHost.From(TopologyReader.Read(Trees.Project(f))))]);

    sealed record Case(int Fixture, int[] Types, string[] Rules, string[] Policies, bool UserNuma, bool ExplicitNodes, bool Auto, int[]? Cpus, bool Figures)
    {
        public override string ToString() =>
            $"{Fixtures[Fixture]} types={string.Join(',', Types)} rules={string.Join(',', Rules)} policies={string.Join(',', Policies)} userNuma={UserNuma} explicit={ExplicitNodes} auto={Auto} cpus={(Cpus is null ? "-" : string.Join(',', Cpus))} figures={Figures}";
    }

    static readonly Gen<Case> Cases =
        from f in Gen.Int[0, Fixtures.Length - 1]
        from n in Gen.Int[1, 2]
        from types in Gen.Int[0, 9].Array[n]
        from rules in Gen.OneOfConst("", ",host-mem-nodes=all", ",host-mem-nodes=nearest").Array[n]
        from policies in Gen.OneOfConst("", ",host-mem-policy=preferred", ",host-mem-policy=interleave", ",host-mem-policy=bind").Array[n]
        from userNuma in Gen.Bool
        from explicitNodes in Gen.Bool
        from auto in Gen.Bool
        from cpus in Gen.Int[0, 1].Array[1, 2].Null()
        from figures in Gen.Bool
        select new Case(f, types, rules, policies, userNuma, explicitNodes, auto, cpus, figures);

    [Fact]
    public void The_line_hostmem_writes_lints_clean_against_the_host_it_was_planned_for()
    {
        int planned = 0;
        Cases.Sample(c =>
        {
            var host = Hosts.Value[c.Fixture];
            var kinds = host.Classes.Select(x => x.Type).Distinct().ToList();
            var argv = new List<string> { "qemu-system-x86_64", "-M", "q35", "-smp", "2" };
            ulong ram = 256;
            if (c.UserNuma)
                argv.AddRange(["-object", "memory-backend-ram,id=ram0,size=256M", "-numa", "node,nodeid=0,cpus=0-1,memdev=ram0"]);
            for (int i = 0; i < c.Types.Length; i++)
            {
                string type = kinds[c.Types[i] % kinds.Count].Name();
                argv.AddRange(["-object", $"memory-backend-ram,id=v{i},size=32M,host-mem-type={type}{c.Rules[i]}{c.Policies[i]}"]);
                if (c.UserNuma && c.ExplicitNodes) { argv.AddRange(["-numa", $"node,nodeid={i + 1},memdev=v{i}"]); ram += 32; }
            }
            argv.AddRange(["-m", $"{ram}M"]);
            var options = new PlanOptions(c.Cpus, "test") { GuestNuma = c.Auto ? GuestNumaMode.Auto : GuestNumaMode.Off };
            if (c.Figures)
                options = options with
                {
                    LatencyNs = kinds.ToDictionary(k => k, k => k == HostMemType.Dram ? 100UL : 300UL),
                    BandwidthMBps = kinds.ToDictionary(k => k, k => k == HostMemType.Dram ? 200000UL : 30000UL),
                };
            MemoryPlan plan;
            try { plan = Planner.Plan(host, QemuCommandLine.Parse(argv), options); }
            catch (UserError) { return; } // the planner refused the input: nothing written
            planned++;
            var findings = QemuLinter.LintPlan(plan, host, options);
            Assert.True(findings.Count == 0, $"{c}\n{plan.Command}\n" + string.Join('\n', findings.Select(f => $"  {f.Code}: {f.Message}")));
        }, iter: 400, threads: 1);
        Assert.True(planned > 100, $"only {planned} cases planned");
    }

    public static TheoryData<string> LabFixtures() => [.. Trees.ProjectFixtureNames()];

    [Theory]
    [MemberData(nameof(LabFixtures))]
    public void The_labs_recorded_qemu_lines_only_have_emulated_cxl_findings(string fixture)
    {
        var text = File.ReadAllText(Path.Combine(Trees.Project(fixture), "meta", "qemu-cmdline.txt"));
        var argv = ShellWords.Split(text.Replace("<", "'<", StringComparison.Ordinal).Replace(">", ">'", StringComparison.Ordinal));
        var command = QemuCommandLine.Parse(argv);
        var findings = QemuLinter.Lint(command);
        int cxlDevices = command.CxlType3Devices().Count(d => d.VolatileMemdev is not null);
        Assert.Equal(cxlDevices, findings.Count);
        Assert.All(findings, f => Assert.Equal("cxl-type3-emulated-ram", f.Code));
    }
}
