using CsCheck;
using Hostmem.Classification;
using Hostmem.Discovery;
using Hostmem.Planning;
using Hostmem.Qemu;
using Hostmem.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Hostmem.Tests.Planning;

/// <summary>The planner over generated backends on every recorded tree: only <see cref="UserError"/> escapes, no hostmem
/// property reaches QEMU, planned backends carry exactly the chosen nodes and policy, and everything else is untouched.</summary>
public class PlannerPropertyTests(ITestOutputHelper output)
{
    static readonly string[] Fixtures = ["cxl-ram-kmem", "cxl-ram-genport", "cxl-no-region", "two-socket-cxl", "cxl-devdax", "nvdimm-kmem", "hmat-two-tier"];
    static readonly Lazy<ClassifiedHost[]> Hosts = new(() => [.. Fixtures.Select(f => ClassifiedHost.From(TopologyReader.Read(Trees.Project(f))))]);

    /// <summary>Words a user may add, valid or not: a few per case, so that most cases still plan (see the reach).</summary>
    static readonly Gen<string> Extra = Gen.OneOfConst("host-mem-type=cxlram", "host-mem-type=none", "host-mem-type=x", "host-mem-type=",
        "host-mem-nodes=all", "host-mem-nodes=nearest", "host-mem-nodes=z", "host-mem-policy=q", "size=1T", "size=x", "host-nodes=0",
        "policy=bind", "prealloc=on", "share=on", "share=off", "mem-path=/dev/dax0.0", "mem-path=/tmp/f", "align=2M", "x=a,,b", "prealloc");

    static readonly Gen<string> Policy = Gen.OneOfConst("", ",host-mem-policy=bind", ",host-mem-policy=preferred", ",host-mem-policy=interleave", ",host-mem-nodes=all");

    /// <summary>Backend number <paramref name="i"/> (ids unique: a duplicate id is QEMU's error, tested elsewhere): mostly
    /// a memory type the host has (or none), a size, sometimes a policy, and now and then an extra word.</summary>
    static Gen<string> Backend(int i, string[] types) => Gen.Select(
        Gen.Frequency((5, Gen.Const("memory-backend-ram")), (2, Gen.Const("memory-backend-memfd")), (1, Gen.Const("memory-backend-file"))),
        Gen.Int[-1, types.Length - 1], Policy, Gen.OneOfConst("16M", "64M"),
        Gen.Frequency((4, Gen.Const(Array.Empty<string>())), (1, Extra.Array[1, 2])))
        .Select((kind, t, policy, size, extra) => string.Join(",", new[] { kind, $"id=b{i}", $"size={size}" }
            .Concat(t < 0 ? [] : [$"host-mem-type={types[t]}{policy}"]).Concat(extra)));

    static Gen<string[]> Backends(int fixture)
    {
        var types = Hosts.Value[fixture].Classes.Select(c => c.Type.Name()).Distinct().ToArray();
        return Gen.Select(Gen.Int[1, 3], Backend(0, types), Backend(1, types), Backend(2, types), (n, a, b, c) => new[] { a, b, c }[..n]);
    }

    /// <summary>hostmem's own CPUs: mostly CPU 0 (every recorded host has it), else unknown, else any of 0-3 (which a
    /// small host lacks: refused).</summary>
    static readonly Gen<int[]?> Cpus = Gen.Frequency((4, Gen.Const<int[]?>(new[] { 0 })), (1, Gen.Const((int[]?)null)), (1, Gen.Int[0, 3].Array[1, 3].Select(a => (int[]?)a)));

    [Fact]
    public void Only_user_errors_escape_and_hostmem_properties_never_reach_qemu()
    {
        var reach = new Reach("planned backends carry the chosen nodes", output);
        Gen.Int[0, Fixtures.Length - 1].SelectMany(f => Backends(f).Select(Cpus, (backends, cpus) => (f, backends, cpus))).Sample(t =>
        {
            var (f, backends, cpus) = t;
            reach.Case();
            var argv = new List<string> { "qemu-system-x86_64", "-S" };
            foreach (var b in backends) argv.AddRange(["-object", b]);
            MemoryPlan plan;
            try { plan = Planner.Plan(Hosts.Value[f], QemuCommandLine.Parse(argv), new PlanOptions(cpus, "test")); }
            catch (UserError e) { return !e.Problem.Contains('\n') && e.Hint.Length > 0; }
            reach.Reached();
            var written = plan.ToArgv();
            if (written.Length != argv.Count || written[1] != "-S") return false;
            var parsed = QemuCommandLine.Parse(written).MemoryBackends();
            foreach (var (b, i) in parsed.Select((b, i) => (b, i)))
            {
                if (new[] { Planner.TypeKey, Planner.NodesKey, Planner.PolicyKey }.Any(b.Options.Contains)) return false;
                var p = plan.Backends.FirstOrDefault(x => x.ArgumentIndex == b.Index);
                if (p is null) { if (written[2 + 2 * i + 1] != argv[2 + 2 * i + 1]) return false; continue; }
                if (p.HostNodes.Count > 0 && (!b.HostNodes.SequenceEqual(p.HostNodes.Select(n => (ulong)n)) || b.Policy != p.Policy!.Value.Name())) return false;
                if (p.Devdax is { } d && (b.Get("mem-path") != d.DevicePath || b.Get("share") is "off")) return false;
            }
            return true;
        }, iter: 1500, print: t => $"{Fixtures[t.f]}: {string.Join(" ", t.backends)} cpus={(t.cpus is null ? "?" : string.Join(",", t.cpus))}");
        reach.AtLeast(0.6); // 1007 of 1500 when written; before this reshaping about 200 (#16)
    }
}
