using System.Globalization;
using System.Xml.Linq;
using CsCheck;
using Hostmem.Classification;
using Hostmem.Discovery;
using Hostmem.Libvirt;
using Hostmem.Lint;
using Hostmem.Planning;
using Hostmem.Qemu;
using Hostmem.Tests.Libvirt;
using Hostmem.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Hostmem.Tests.Planning;

/// <summary>
/// Over the recorded hosts, memory types, policies, both syntaxes and user-written HMAT (none, full, latencies only, one
/// read-latency): the figures a plan reports are the ones its output gives the guest, read by this test's own reading of
/// the output (the kernel's rules in drivers/acpi/numa/hmat.c: one table per data type, 0 where no entry, applied in
/// order; an access type sets read and write); the predicted tier is the kernel model's on those figures; the user's
/// entries are in the output as written; no pair gets two entries that set one figure; and a QEMU line lints clean.
/// </summary>
public class GuestModelPropertyTests(ITestOutputHelper output)
{
    static readonly string[] Fixtures = ["cxl-ram-genport", "two-socket-cxl", "hmat-two-tier", "hmat-equal", "cxl-ram-kmem", "nvdimm-kmem"];
    static readonly Lazy<ClassifiedHost[]> Hosts = new(() => [.. Fixtures.Select(f => ClassifiedHost.From(TopologyReader.Read(Trees.Project(f))))]);
    static readonly string[] UserHmat = ["none", "full-access", "full-split", "latencies", "read-latency"];

    sealed record Case(int Fixture, int[] Types, string[] Policies, int User, bool Libvirt, bool Figures)
    {
        public override string ToString() => $"{Fixtures[Fixture]} types={string.Join(',', Types)} policies={string.Join(',', Policies)} user={UserHmat[User]} libvirt={Libvirt} figures={Figures}";
    }

    static readonly Gen<Case> Cases =
        from f in Gen.Int[0, Fixtures.Length - 1]
        from n in Gen.Int[1, 2]
        from types in Gen.Int[0, 9].Array[n]
        from policies in Gen.OneOfConst("", "preferred", "interleave").Array[n]
        from user in Gen.Int[0, UserHmat.Length - 1]
        from libvirt in Gen.Bool
        from figures in Gen.Bool
        select new Case(f, types, policies, user, libvirt, figures);

    /// <summary>The user's entries for guest nodes 0 (CPUs) .. last, in QEMU's words: (initiator, target, data-type, value).</summary>
    static List<(int I, int T, string Type, ulong Value)> UserEntries(string mode, int nodes)
    {
        var result = new List<(int, int, string, ulong)>();
        for (int t = 0; t < nodes; t++)
        {
            ulong lat = t == 0 ? 90UL : 250UL + (ulong)t * 10, bw = t == 0 ? 200000UL : 20000UL;
            switch (mode)
            {
                case "full-access": result.AddRange([(0, t, "access-latency", lat), (0, t, "access-bandwidth", bw)]); break;
                case "full-split":
                    result.AddRange([(0, t, "read-latency", lat), (0, t, "write-latency", lat + 5), (0, t, "read-bandwidth", bw), (0, t, "write-bandwidth", bw - 1000)]);
                    break;
                case "latencies": result.Add((0, t, "access-latency", lat)); break;
                case "read-latency" when t == nodes - 1: result.Add((0, t, "read-latency", lat)); break;
            }
        }
        return result;
    }

    [Fact]
    public void Reported_figures_and_tiers_are_the_outputs_and_user_entries_win()
    {
        int planned = 0, withUser = 0, refused = 0, total = 0;
        Cases.Sample(c =>
        {
            total++;
            var host = Hosts.Value[c.Fixture];
            var kinds = host.Classes.Select(x => x.Type).Distinct().Where(k => k != HostMemType.Dram).DefaultIfEmpty(HostMemType.Dram).ToList();
            var options = new PlanOptions([0], "test") { GuestNuma = GuestNumaMode.Auto };
            if (c.Figures)
                options = options with
                {
                    LatencyNs = HostMemTypeNames.All.ToDictionary(k => k, k => k == HostMemType.Dram ? 100UL : 300UL),
                    BandwidthMBps = HostMemTypeNames.All.ToDictionary(k => k, k => k == HostMemType.Dram ? 200000UL : 30000UL),
                };
            var user = UserEntries(UserHmat[c.User], c.Types.Length + 1);
            try
            {
                var (nodes, read) = c.Libvirt ? Libvirt(host, c, kinds, user, options) : Qemu(host, c, kinds, user, options);
                planned++;
                if (user.Count > 0) withUser++;
                Check(c, nodes, read, user);
            }
            catch (UserError) { refused++; } // the planner refused the input in one line: nothing written
        }, iter: 300, threads: 1);
        output.WriteLine($"reach: {planned} of {total} cases planned ({withUser} with user entries), {refused} refused");
        Assert.True(planned >= total * 8 / 10, $"only {planned} of {total} cases reached the property ({refused} refused)");
        Assert.True(withUser >= total / 2, $"only {withUser} cases had user entries");
    }

    /// <summary>What this test reads from an output: nodes (id, has CPUs, attached initiator) and entries (i, t, type, value
    /// in ns or MB/s).</summary>
    sealed record Read(List<(int Id, bool Cpus, int? Initiator)> Nodes, List<(int I, int T, string Type, ulong Value)> Entries);

    static (IReadOnlyList<GuestNodePlan>, Read) Qemu(ClassifiedHost host, Case c, List<HostMemType> kinds, List<(int I, int T, string Type, ulong Value)> user, PlanOptions options)
    {
        var argv = new List<string> { "qemu-system-x86_64", "-M", "q35", "-smp", "2", "-m", $"{128 + 32 * c.Types.Length}M",
            "-object", "memory-backend-ram,id=ram0,size=128M", "-numa", "node,nodeid=0,cpus=0-1,memdev=ram0" };
        for (int i = 0; i < c.Types.Length; i++)
        {
            string policy = c.Policies[i].Length > 0 ? $",host-mem-policy={c.Policies[i]}" : "";
            argv.AddRange(["-object", $"memory-backend-ram,id=v{i},size=32M,host-mem-type={kinds[c.Types[i] % kinds.Count].Name()},host-mem-nodes=all{policy}",
                "-numa", $"node,nodeid={i + 1},memdev=v{i}"]);
        }
        foreach (var (i, t, type, v) in user)
            argv.AddRange(["-numa", $"hmat-lb,initiator={i},target={t},hierarchy=memory,data-type={type},{(type.EndsWith("latency", StringComparison.Ordinal) ? $"latency={v}" : $"bandwidth={v}M")}"]);
        if (user.Count > 0) argv[2] = "q35,hmat=on";
        var plan = Planner.Plan(host, QemuCommandLine.Parse(argv), options);
        var final = plan.ToArgv();
        foreach (var (i, t, type, v) in user) Assert.Contains(final, a => a.StartsWith($"hmat-lb,initiator={i},target={t},hierarchy=memory,data-type={type},", StringComparison.Ordinal));
        // The user's own incomplete entries, where hostmem had no figures to add, are theirs to complete: the plan says so.
        bool incomplete = plan.Notes.Any(n => n.IsWarning && n.Code == NoteCodes.NoReferenceFigures);
        var findings = QemuLinter.LintPlan(plan, host, options).Where(QemuLinter.Counts)
            .Where(f => !(incomplete && f.Code is "hmat-cpu-node-incomplete" or "hmat-node-incomplete")).ToList();
        // The user's own entries 2x or more off the host's figures (the plan's conflicts; this test's own arithmetic) are
        // warned about, on no other node; every such node is, unless its memory is interleaved (not judged on a QEMU line).
        var apart = plan.Conflicts.Where(x => TwiceApart(x.User, x.Host)).Select(x => x.Node).ToHashSet();
        var warned = findings.Where(f => f.Code == "hmat-lb-host-differs").Select(f => HmatTarget(f.Argument!)).ToHashSet();
        var interleaved = Enumerable.Range(0, c.Types.Length).Where(i => c.Policies[i] == "interleave").Select(i => i + 1);
        Assert.True(warned.IsSubsetOf(apart) && apart.Except(interleaved).All(warned.Contains),
            $"{c}\n{plan.Command}\nwarned for nodes {string.Join(',', warned)}, the user's figures are 2x off for {string.Join(',', apart)}");
        findings.RemoveAll(f => f.Code == "hmat-lb-host-differs");
        Assert.True(findings.Count == 0, $"{c}\n{plan.Command}\n" + string.Join('\n', findings.Select(f => $"  {f.Code}: {f.Message}")));
        return (plan.GuestNodes, ReadQemu(final));
    }

    static bool TwiceApart(MemoryPerformance user, MemoryPerformance host)
    {
        static bool Apart(uint u, uint h) => u != 0 && h != 0 && Math.Max(u, h) >= 2.0 * Math.Min(u, h);
        return Apart(user.ReadLatencyNs, host.ReadLatencyNs) || Apart(user.WriteLatencyNs, host.WriteLatencyNs)
            || Apart(user.ReadBandwidthMBps, host.ReadBandwidthMBps) || Apart(user.WriteBandwidthMBps, host.WriteBandwidthMBps);
    }

    /// <summary>target= of a finding's "-numa 'hmat-lb,...'" argument.</summary>
    static int HmatTarget(string argument) =>
        int.Parse(System.Text.RegularExpressions.Regex.Match(argument, @"target=(\d+)").Groups[1].Value, CultureInfo.InvariantCulture);

    static Read ReadQemu(string[] argv)
    {
        var nodes = new List<(int, bool, int?)>();
        var entries = new List<(int, int, string, ulong)>();
        for (int a = 1; a + 1 < argv.Length; a++)
        {
            if (argv[a] != "-numa") continue;
            var kv = argv[a + 1].Split(',').Skip(1).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
            if (argv[a + 1].StartsWith("node,", StringComparison.Ordinal))
                nodes.Add((int.Parse(kv["nodeid"], CultureInfo.InvariantCulture), kv.ContainsKey("cpus"), kv.TryGetValue("initiator", out var i) ? int.Parse(i, CultureInfo.InvariantCulture) : null));
            else if (argv[a + 1].StartsWith("hmat-lb,", StringComparison.Ordinal))
            {
                ulong value = kv.TryGetValue("latency", out var l) ? ulong.Parse(l, CultureInfo.InvariantCulture)
                    : kv["bandwidth"][^1] == 'G' ? ulong.Parse(kv["bandwidth"][..^1], CultureInfo.InvariantCulture) * 1024 : ulong.Parse(kv["bandwidth"][..^1], CultureInfo.InvariantCulture);
                entries.Add((int.Parse(kv["initiator"], CultureInfo.InvariantCulture), int.Parse(kv["target"], CultureInfo.InvariantCulture), kv["data-type"], value));
            }
        }
        return new Read(nodes, entries);
    }

    static (IReadOnlyList<GuestNodePlan>, Read) Libvirt(ClassifiedHost host, Case c, List<HostMemType> kinds, List<(int I, int T, string Type, ulong Value)> user, PlanOptions options)
    {
        // The user's interconnects name cell 0 and the cells hostmem adds (1..n): libvirt's own form, bandwidth in KiB/s.
        var links = string.Concat(user.OrderBy(u => u.Type.EndsWith("latency", StringComparison.Ordinal) ? 0 : 1).Select(u =>
            u.Type.EndsWith("latency", StringComparison.Ordinal)
                ? $"<latency initiator='{u.I}' target='{u.T}' type='{u.Type.Split('-')[0]}' value='{u.Value}'/>"
                : $"<bandwidth initiator='{u.I}' target='{u.T}' type='{u.Type.Split('-')[0]}' value='{u.Value * 1024}' unit='KiB'/>"));
        string numa = $"<cpu><numa><cell id='0' cpus='0-1' memory='131072' unit='KiB'/>{(links.Length > 0 ? $"<interconnects>{links}</interconnects>" : "")}</numa></cpu>";
        string domain = Domains.Plain.Replace("<vcpu placement='static'>2</vcpu>", "<vcpu placement='static'>2</vcpu>\n  " + numa, StringComparison.Ordinal);
        var cells = c.Types.Select((t, i) => CellIntent.ParseOption($"{i + 1}={kinds[t % kinds.Count].Name()}:32MiB{(c.Policies[i].Length > 0 ? ":" + c.Policies[i] : "")}:all")).ToList();
        var (xml, plan) = LibvirtApply.Run(domain, "vm.xml", host, cells, options);
        var doc = XDocument.Parse(xml);
        var nodes = doc.Descendants("cell").Select(e => ((int)e.Attribute("id")!, e.Attribute("cpus") is not null, (int?)null)).ToList();
        var entries = doc.Descendants("interconnects").Elements().Select(e => ((int)e.Attribute("initiator")!, (int)e.Attribute("target")!,
            $"{(string)e.Attribute("type")!}-{e.Name.LocalName}", e.Name.LocalName == "latency" ? (ulong)e.Attribute("value")! : (ulong)e.Attribute("value")! / 1024)).ToList();
        foreach (var (i, t, type, v) in user) Assert.Contains(entries, e => e == (i, t, type, v));
        // libvirt: a CPU-less cell's initiator is that of its lowest-latency interconnect (virDomainNumaGetNodeInitiator).
        nodes = [.. nodes.Select(n => n.Item2 ? n : (n.Item1, false, entries.Where(e => e.Item2 == n.Item1 && e.Item3.EndsWith("latency", StringComparison.Ordinal))
            .OrderBy(e => e.Item4).Select(e => (int?)e.Item1).FirstOrDefault()))];
        return (plan.Plan.GuestNodes, new Read(nodes, entries));
    }

    static readonly string[] TableOrder = ["access-latency", "read-latency", "write-latency", "access-bandwidth", "read-bandwidth", "write-bandwidth"];

    static void Check(Case c, IReadOnlyList<GuestNodePlan> planned, Read read, List<(int I, int T, string Type, ulong Value)> user)
    {
        Assert.NotEmpty(planned);
        // No pair gets two entries that set one figure.
        foreach (var g in read.Entries.GroupBy(e => (e.I, e.T, Latency: e.Type.EndsWith("latency", StringComparison.Ordinal))))
        {
            var types = g.Select(e => e.Type.Split('-')[0]).ToList();
            Assert.True(types.Count == types.Distinct().Count() && !(types.Contains("access") && types.Count > 1), $"{c}: pair {g.Key} has {string.Join(", ", types)}");
        }
        var model = new List<TierModelNode>();
        foreach (var n in read.Nodes.OrderBy(n => n.Id))
        {
            int? from = n.Cpus ? n.Id : n.Initiator;
            uint rl = 0, wl = 0, rb = 0, wb = 0;
            foreach (var type in TableOrder.Where(t => read.Entries.Any(e => e.Type == t)))
            {
                uint v = (uint)(read.Entries.FirstOrDefault(e => e.I == from && e.T == n.Id && e.Type == type).Value);
                bool r = !type.StartsWith("write", StringComparison.Ordinal), w = !type.StartsWith("read", StringComparison.Ordinal);
                if (type.EndsWith("latency", StringComparison.Ordinal)) { if (r) rl = v; if (w) wl = v; }
                else { if (r) rb = v; if (w) wb = v; }
            }
            var p = planned.Single(x => x.GuestNode == n.Id);
            var reported = (p.ReadLatencyNs ?? 0, p.WriteLatencyNs ?? 0, p.ReadBandwidthMBps ?? 0, p.WriteBandwidthMBps ?? 0);
            Assert.True(reported == (rl, wl, rb, wb), $"{c}: node{n.Id} reported {reported}, the output gives {(rl, wl, rb, wb)}");
            model.Add(new TierModelNode(n.Id, n.Cpus, true, false, new MemoryPerformance(rl, wl, rb, wb)));
        }
        foreach (var t in KernelTierModel.Predict(model))
            Assert.True(planned.Single(x => x.GuestNode == t.Node).PredictedTier == t.KernelTierId, $"{c}: node{t.Node} predicted memory_tier{planned.Single(x => x.GuestNode == t.Node).PredictedTier}, the kernel model on the output says {t.KernelTierId}");
    }
}
