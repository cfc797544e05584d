using Hostmem.Probe;
using Hostmem.Sysfs;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Probe;

/// <summary>What the probe reads before it measures: the caches (sysfs), the huge pages it got (smaps), the buffer size.</summary>
public class ProbeInputsTests
{
    [Fact]
    public void Caches_come_from_sysfs_each_instance_once()
    {
        // tests/fixtures/two-socket-cxl: QEMU gave each of the two sockets (one CPU each) its own 16384K L3
        // (cpuN/cache/index3/size, shared_cpu_list N), L2 512K, L1d 64K.
        var tree = SysfsTree.Open(Trees.Project("two-socket-cxl"));
        var cpu0 = CpuCaches.Read(tree, [0]);
        Assert.Equal([(1, 64UL << 10), (2, 512UL << 10), (3, 16UL << 20)], cpu0.Select(c => (c.Level, c.SizeBytes)).Order());
        Assert.Equal(16UL << 20, CpuCaches.LastLevelBytes(tree, [0]));
        Assert.Equal(32UL << 20, CpuCaches.LastLevelBytes(tree, [0, 1])); // two L3 instances serve CPUs 0 and 1
    }

    [Fact]
    public void A_shared_cache_counts_once()
    {
        // cxl-ram-kmem: one socket, CPUs 0-1 share one L3 (shared_cpu_list 0-1).
        var tree = SysfsTree.Open(Trees.Project("cxl-ram-kmem"));
        var l3 = CpuCaches.Read(tree, [0, 1]).Where(c => c.Level == 3).ToList();
        Assert.Single(l3);
        Assert.Equal([0, 1], l3[0].SharedCpus);
        Assert.Equal(l3[0].SizeBytes, CpuCaches.LastLevelBytes(tree, [0, 1]));
    }

    [Fact]
    public void No_caches_in_sysfs_is_null_not_a_guess()
    {
        var tree = SysfsTree.Open(Trees.Project("two-socket-cxl"));
        Assert.Null(CpuCaches.LastLevelBytes(tree, [57]));
    }

    [Fact]
    public void The_buffer_is_four_times_the_last_level_cache_in_huge_pages()
    {
        Assert.Equal(4 * (96UL << 20), ProbeMode.Default.BufferBytes(96UL << 20));
        Assert.Equal(256UL << 20, ProbeMode.Default.BufferBytes(16UL << 20)); // at least 256 MiB
        Assert.Equal(1UL << 30, ProbeMode.Thorough.BufferBytes(16UL << 20));
        Assert.Equal(4 * ProbeMode.AssumedLlcBytes, ProbeMode.Quick.BufferBytes(null));
        Assert.Equal(0UL, ProbeMode.Default.BufferBytes((100UL << 20) + 1) % (2UL << 20));
    }

    // The shape of fs/proc/task_mmu.c show_smap, as this machine's 6.18 kernel writes it (two mappings, trimmed).
    const string SmapsText = """
        55d0c0000000-55d0c0021000 r--p 00000000 fe:00 319798                     /usr/bin/cat
        Size:                132 kB
        AnonHugePages:         0 kB
        VmFlags: rd mr mw me
        7f3a40000000-7f3a50000000 rw-p 00000000 00:00 0 
        Size:             262144 kB
        KernelPageSize:        4 kB
        Rss:              262144 kB
        AnonHugePages:    258048 kB
        THPeligible:           1
        VmFlags: rd wr mr mw me ac sd hg
        """;

    [Fact]
    public void Smaps_gives_the_huge_pages_of_the_mapping_at_an_address()
    {
        Assert.Equal(258048UL * 1024, Smaps.AnonHugePagesAt(SmapsText, 0x7f3a40000000));
        Assert.Equal(0UL, Smaps.AnonHugePagesAt(SmapsText, 0x55d0c0000000));
        Assert.Null(Smaps.AnonHugePagesAt(SmapsText, 0x1000));
    }
}
