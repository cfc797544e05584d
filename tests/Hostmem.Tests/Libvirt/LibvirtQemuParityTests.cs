using System.Globalization;
using System.Text.Json;
using Hostmem.Qemu;
using Hostmem.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Hostmem.Tests.Libvirt;

/// <summary>
/// libvirt's own translation of hostmem's XML into QEMU arguments (virsh domxml-to-native with libvirt 11.3's QEMU
/// driver) carries the same guest nodes, host binding, distances and HMAT figures as <c>hostmem qemu --dry-run</c>
/// produces for the same intent, on the lab's CXL host and two-socket host.
/// </summary>
public class LibvirtQemuParityTests(ITestOutputHelper output)
{
    static string Fixture(string name) => Trees.Archive(name);

    /// <summary>What the guest gets, whoever wrote the command line.</summary>
    sealed record Guest(ulong MemoryBytes, bool Hmat, IReadOnlyList<string> Nodes, IReadOnlyList<string> Distances, IReadOnlyList<string> HmatEntries);

    static Guest GuestOf(IReadOnlyList<string> argv)
    {
        var cmd = QemuCommandLine.Parse(argv);
        var backends = cmd.MemoryBackends().ToDictionary(b => b.Id!, StringComparer.Ordinal);
        var nodes = cmd.Numa("node").OrderBy(n => n.NodeId).Select(n =>
        {
            var b = backends[n.MemDev!];
            string initiator = n.Cpus.Count > 0 ? "" : $" initiator={n.Get("initiator")}"; // libvirt also names CPU nodes their own initiator
            return $"node{n.NodeId} cpus={string.Join(',', n.Cpus)} size={b.Size} host-nodes={string.Join(',', b.HostNodes)} policy={b.Policy ?? "default"}{initiator}";
        }).ToList();
        // Without -numa dist QEMU writes no SLIT and the guest uses 10 and 20: libvirt leaves out a matrix of only those.
        int count = nodes.Count;
        var dist = new int[count, count];
        for (int i = 0; i < count; i++) for (int j = 0; j < count; j++) dist[i, j] = i == j ? 10 : 20;
        foreach (var d in cmd.Numa("dist")) dist[(int)d.Src!.Value, (int)d.Dst!.Value] = (int)d.Val!.Value;
        var distances = Enumerable.Range(0, count).Select(i => string.Join(' ', Enumerable.Range(0, count).Select(j => dist[i, j]))).ToList();
        var hmat = cmd.Numa("hmat-lb").Select(h => string.Create(CultureInfo.InvariantCulture,
            $"{h.Initiator}->{h.Target} {h.DataType} {(h.Latency is { } l ? $"{l} ns" : $"{h.Bandwidth} B/s")}")).Order(StringComparer.Ordinal).ToList();
        return new Guest(cmd.Memory()!.Size!.Value, cmd.Machine().Hmat == true, nodes, distances, hmat);
    }

    public static TheoryData<string, string, string[], string[]> Intents() => new()
    {
        // fixture, domain XML change, --cell options, the same intent as QEMU arguments
        { "cxl-ram-genport", "", ["1=cxl-ram:128MiB"], ["-object", "memory-backend-ram,id=cxl,size=128M,host-mem-type=cxl-ram"] },
        { "two-socket-cxl", "", ["1=cxl-ram:128MiB"], ["-object", "memory-backend-ram,id=cxl,size=128M,host-mem-type=cxl-ram"] },
        { "two-socket-cxl", "cpuset=1", ["1=cxl-ram:64MiB:preferred", "2=dram:64MiB"],
            ["-object", "memory-backend-ram,id=cxl,size=64M,host-mem-type=cxl-ram,host-mem-policy=preferred", "-object", "memory-backend-ram,id=d,size=64M,host-mem-type=dram"] },
    };

    [NeedsLibvirtQemuTheory]
    [MemberData(nameof(Intents))]
    public void Libvirts_qemu_arguments_carry_the_plan_of_hostmem_qemu(string fixture, string change, string[] cells, string[] qemuIntent)
    {
        // The domain: 1 GiB for the vCPUs' cell, the typed cells on top.
        ulong typed = cells.Select(c => ulong.Parse(c.Split(':')[1].TrimEnd('M', 'i', 'B'), CultureInfo.InvariantCulture)).Aggregate(0UL, (s, m) => s + m);
        string domain = Domains.Plain.Replace("1179648", ((1024 + typed) * 1024).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        string[] cpus = [];
        if (change == "cpuset=1")
        {
            domain = domain.Replace("<vcpu placement='static'>", "<vcpu placement='static' cpuset='1'>", StringComparison.Ordinal);
            cpus = ["--cpus", "1"];
        }
        string dir = Scratch.Folder("hostmem-libvirt-parity-");
        string input = Path.Combine(dir, "in.xml"), applied = Path.Combine(dir, "vm.xml");
        File.WriteAllText(input, domain);
        var (code, xml, stderr) = HostmemCli.Run(["libvirt", "apply", "--sysfs", Fixture(fixture), .. cells.SelectMany(c => new[] { "--cell", c }), input]);
        Assert.True(code == 0, stderr);
        File.WriteAllText(applied, xml);

        var libvirtArgv = LibvirtQemuDriver.ToNative(applied, Trees.Project(fixture));
        (code, var qemuJson, stderr) = HostmemCli.Run(["qemu", "--dry-run", "--json", "--sysfs", Fixture(fixture), .. cpus, "--",
            "qemu-system-x86_64", "-machine", "q35", "-smp", "2", "-m", "1G", .. qemuIntent]);
        Assert.True(code == 0, stderr);
        var hostmemArgv = JsonSerializer.Deserialize<string[]>(qemuJson)!;

        var fromLibvirt = GuestOf(libvirtArgv);
        var fromHostmem = GuestOf(hostmemArgv);
        output.WriteLine($"{LibvirtQemuDriver.Version()}: {string.Join(' ', libvirtArgv.Where(a => a.Contains("numa", StringComparison.Ordinal) || a.StartsWith("node,", StringComparison.Ordinal) || a.Contains("memory-backend", StringComparison.Ordinal) || a.Contains("hmat", StringComparison.Ordinal)))}");
        Assert.Equal(fromHostmem.Nodes, fromLibvirt.Nodes);
        Assert.Equal(fromHostmem.Distances, fromLibvirt.Distances);
        Assert.Equal(fromHostmem.HmatEntries, fromLibvirt.HmatEntries);
        Assert.Equal(fromHostmem.MemoryBytes, fromLibvirt.MemoryBytes);
        Assert.True(fromLibvirt.Hmat && fromHostmem.Hmat);
        Assert.NotEmpty(fromLibvirt.HmatEntries);
        Assert.Contains(fromLibvirt.Nodes, n => n.Contains("policy=", StringComparison.Ordinal) && !n.Contains("policy=default", StringComparison.Ordinal));
    }

    [NeedsLibvirtQemuFact]
    public void Libvirts_own_formatting_of_the_result_is_left_as_it_is()
    {
        var (applied, _) = Domains.Apply("two-socket-cxl", Domains.TwoCells);
        string dir = Scratch.Folder("hostmem-libvirt-dump-");
        string path = Path.Combine(dir, "vm2.xml");
        File.WriteAllText(path, applied);
        string dumped = LibvirtQemuDriver.DefineAndDump(path, Trees.Project("two-socket-cxl"), "vm2");
        Assert.NotEqual(applied, dumped); // libvirt adds what it defaults (on_poweroff, controllers, ...)
        Assert.Equal(dumped, Domains.Apply("two-socket-cxl", dumped).Xml);
    }

    /// <summary>Beyond the schema, libvirt's parser and checks (ids, links, nodesets against the recorded host) take every shape.</summary>
    [NeedsLibvirtQemuTheory]
    [MemberData(nameof(LibvirtSchemaTests.Outputs), MemberType = typeof(LibvirtSchemaTests))]
    public void Libvirt_defines_every_shape_hostmem_writes(string fixture, string domain, string[] cells, bool guestNuma)
    {
        string path = LibvirtSchemaTests.Write(fixture, domain, cells, guestNuma);
        string name = System.Xml.Linq.XDocument.Load(path).Root!.Element("name")!.Value;
        string dumped = LibvirtQemuDriver.DefineAndDump(path, Trees.Project(fixture), name);
        Assert.Contains("<numa>", dumped, StringComparison.Ordinal);
        Assert.Contains("<memnode cellid=", dumped, StringComparison.Ordinal);
        Assert.NotEmpty(LibvirtQemuDriver.ToNative(path, Trees.Project(fixture)));
    }

    [Fact]
    public void Shell_words_are_split_as_sh_does()
    {
        Assert.Equal(["LC_ALL=C", "/usr/bin/qemu", "-object", """{"qom-type":"x","id":"a b"}""", "-name", "it's", "a\"b"],
            ShellWords.Split("""LC_ALL=C /usr/bin/qemu -object '{"qom-type":"x","id":"a b"}' -name 'it'\''s' "a\"b" """));
    }
}
