using System.Text.Json;

namespace Hostmem.LabTests;

/// <summary>
/// `hostmem probe` inside the nested CXL host (scenario cxl-ram-genport: node0 = 2 GiB DRAM with the 2 vCPUs, node1 = 256
/// MiB of QEMU-emulated CXL RAM onlined by kmem, with generic-port HMAT figures): the NativeAOT binary from the shared host
/// root measures node0 -> node0 and node0 -> node1 with buffers bound to each node.
/// </summary>
public sealed class ProbeNestedRun
{
    public LabRun? Run { get; }

    public ProbeNestedRun()
    {
        if (Lab.Missing != null) return;
        // 64 MiB and 60 %: node1 has 256 MiB, a default buffer (256 MiB) would be more than it has free.
        Run = Lab.Run(["nested", "--scenario", "cxl-ram-genport", "--", NativeHostmem.Path, "probe", "--initiators", "0", "--quick",
            "--buffer", "64M", "--max-share", "60", "--format", "json"], TimeSpan.FromMinutes(10));
    }
}

public class ProbeNestedTests(ProbeNestedRun nested) : IClassFixture<ProbeNestedRun>
{
    LabRun Run => nested.Run ?? throw new InvalidOperationException("lab missing");

    [LabFact]
    public void Probe_measures_dram_and_the_emulated_cxl_node_on_their_own_pages()
    {
        Assert.True(Run.ExitCode == 0, Run.Describe());
        using var doc = JsonDocument.Parse(Run.StdOut);
        var ms = doc.RootElement.GetProperty("measurements").EnumerateArray().ToList();
        Assert.Equal([(0, 0), (0, 1)], ms.Select(m => (m.GetProperty("initiator_node").GetInt32(), m.GetProperty("target_node").GetInt32())));
        foreach (var m in ms)
        {
            // mbind(MPOL_BIND) put every page of each buffer on its node, the CXL node included (numa_maps inside the guest).
            Assert.Equal(64UL << 20, m.GetProperty("buffer_bytes").GetUInt64());
            Assert.Equal(64UL << 20, m.GetProperty("bytes_on_target").GetUInt64());
            Assert.InRange(m.GetProperty("read_latency_ns").GetDouble(), 1, 1_000_000);
            Assert.True(m.GetProperty("read_bandwidth_mbps").GetDouble() > 0);
        }
        // tests/fixtures/INDEX.md (cxl-ram-genport): the guest kernel shows node1 at 17350/17450 ns, 16000 MB/s (access1,
        // no initiator link: QEMU's generic-port figures plus the device's CDAT); node0 at 100 ns from the HMAT.
        var cxl = ms[1];
        Assert.Equal("access1", cxl.GetProperty("hmat_source").GetString());
        Assert.Equal(17350UL, cxl.GetProperty("hmat_read_latency_ns").GetUInt64());
        Assert.Equal(100UL, ms[0].GetProperty("hmat_read_latency_ns").GetUInt64());
    }
}
