using CsCheck;
using Hostmem.Classification;
using Hostmem.Discovery;
using Hostmem.Planning;
using Hostmem.Qemu;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Planning;

/// <summary>The planner over generated backends on every recorded tree: only <see cref="UserError"/> escapes, no hostmem
/// property reaches QEMU, planned backends carry exactly the chosen nodes and policy, and everything else is untouched.</summary>
public class PlannerPropertyTests
{
    static readonly string[] Fixtures = ["cxl-ram-kmem", "cxl-ram-genport", "cxl-no-region", "two-socket-cxl", "cxl-devdax", "nvdimm-kmem", "hmat-two-tier"];
    static readonly Lazy<ClassifiedHost[]> Hosts = new(() => [.. Fixtures.Select(f => ClassifiedHost.From(TopologyReader.Read(Trees.Project(f))))]);

    static readonly Gen<string> Prop = Gen.OneOf(
        Gen.OneOfConst("host-mem-type=cxl-ram", "host-mem-type=cxlram", "host-mem-type=dram", "host-mem-type=pmem", "host-mem-type=hbm",
            "host-mem-type=none", "host-mem-type=x", "host-mem-type=", "host-mem-nodes=all", "host-mem-nodes=nearest", "host-mem-nodes=z",
            "host-mem-policy=bind", "host-mem-policy=preferred", "host-mem-policy=interleave", "host-mem-policy=q",
            "size=64M", "size=1G", "size=1T", "size=x", "host-nodes=0", "policy=bind", "prealloc=on", "share=on", "share=off",
            "mem-path=/dev/dax0.0", "mem-path=/tmp/f", "align=2M", "x=a,,b", "prealloc"));

    static readonly Gen<string> Backend = Gen.Select(Gen.OneOfConst("memory-backend-ram", "memory-backend-memfd", "memory-backend-file"),
        Prop.List[0, 6], Gen.Int[0, 3]).Select((t, props, id) => string.Join(",", new[] { t, $"id=b{id}" }.Concat(props)));

    static readonly Gen<int[]?> Cpus = Gen.Int[0, 3].Array[1, 3].Select(Gen.Bool, (a, unknown) => unknown ? null : (int[]?)a);

    [Fact]
    public void Only_user_errors_escape_and_hostmem_properties_never_reach_qemu()
    {
        Gen.Select(Gen.Int[0, Fixtures.Length - 1], Backend.Array[1, 3], Cpus).Sample((f, backends, cpus) =>
        {
            var argv = new List<string> { "qemu-system-x86_64", "-S" };
            foreach (var b in backends) argv.AddRange(["-object", b]);
            MemoryPlan plan;
            try { plan = Planner.Plan(Hosts.Value[f], QemuCommandLine.Parse(argv), new PlanOptions(cpus, "test")); }
            catch (UserError e) { return !e.Problem.Contains('\n') && e.Hint.Length > 0; }
            var output = plan.ToArgv();
            if (output.Length != argv.Count || output[1] != "-S") return false;
            var parsed = QemuCommandLine.Parse(output).MemoryBackends();
            foreach (var (b, i) in parsed.Select((b, i) => (b, i)))
            {
                if (new[] { Planner.TypeKey, Planner.NodesKey, Planner.PolicyKey }.Any(b.Options.Contains)) return false;
                var p = plan.Backends.FirstOrDefault(x => x.ArgumentIndex == b.Index);
                if (p is null) { if (output[2 + 2 * i + 1] != argv[2 + 2 * i + 1]) return false; continue; }
                if (p.HostNodes.Count > 0 && (!b.HostNodes.SequenceEqual(p.HostNodes.Select(n => (ulong)n)) || b.Policy != p.Policy!.Value.Name())) return false;
                if (p.Devdax is { } d && (b.Get("mem-path") != d.DevicePath || b.Get("share") is "off")) return false;
            }
            return true;
        }, iter: 1500);
    }
}
