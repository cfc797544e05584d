using Hostmem.Qemu;
using Hostmem.Topology;

namespace Hostmem.Lint;

/// <summary>
/// memory-backend-memfd,hugetlb=on: the size must be whole huge pages, and the pages must be there. Huge pages come only
/// from pools set aside in advance (per node: nodeN/hugepages/hugepages-SIZEkB/free_hugepages). QEMU's mmap reserves
/// them host-wide (so it fails when the host has too few free), but a page is taken from the bound node only when touched.
/// </summary>
static class HugePageChecks
{
    public static void Run(LintContext c)
    {
        foreach (var b in c.Backends.Where(b => b.QomType == "memory-backend-memfd"))
        {
            if (OptionValues.Bool(b.Get("hugetlb"), b.Where, "hugetlb") != true || b.Size is not { } size) continue;
            ulong? page = OptionValues.Size(b.Get("hugetlbsize"), b.Where, "hugetlbsize") ?? DefaultPageSize(c.Host?.Host);
            if (page is not { } p || p == 0) continue;
            if (size % p != 0)
            {
                c.Add(LintRules.HugetlbSizeUnaligned, b.Index, $"backend {b.Id ?? "?"}: size {Bytes.Format(size)} is not a whole number of {Bytes.Format(p)} huge pages",
                    qemuSays: $"failed to resize memfd to {size}: Invalid argument");
                continue;
            }
            if (c.Host is not null) FreePages(c, b, size, p);
        }
    }

    /// <summary>The size hugetlb=on without hugetlbsize= gets: the kernel's default, 2 MiB on x86 (the smallest pool
    /// where the host has no 2 MiB pool).</summary>
    static ulong? DefaultPageSize(HostTopology? host)
    {
        var sizes = host?.Nodes.SelectMany(n => n.HugePages).Select(p => p.PageSizeBytes).Distinct().Order().ToList();
        if (sizes is null || sizes.Count == 0) return null;
        return sizes.Contains(2UL << 20) ? 2UL << 20 : sizes[0];
    }

    static void FreePages(LintContext c, MemoryBackend b, ulong size, ulong page)
    {
        var host = c.Host!.Host;
        string? policy = b.Policy;
        if (policy is "preferred" or "interleave") return; // pages may come from any node
        bool bound = policy == "bind" && b.HostNodes.Count > 0;
        ulong needed = size / page;
        ulong FreeOn(IEnumerable<NumaNode> nodes) => (ulong)nodes.Sum(n => (decimal)(n.HugePages.FirstOrDefault(x => x.PageSizeBytes == page)?.Free ?? 0));
        var boundNodes = bound ? host.Nodes.Where(n => b.HostNodes.Contains((ulong)n.Id)).ToList() : [.. host.Nodes];
        ulong free = FreeOn(boundNodes), freeOnHost = FreeOn(host.Nodes);
        if (free >= needed) return;
        string where = bound ? $"host node{(boundNodes.Count == 1 ? "" : "s")} {Sysfs.CpuList.Format(boundNodes.Select(n => n.Id))} {(boundNodes.Count == 1 ? "has" : "have")}" : "the host has";
        bool prealloc = OptionValues.Bool(b.Get("prealloc"), b.Where, "prealloc") == true;
        c.Add(LintRules.HugetlbNoFreePages, b.Index,
            $"backend {b.Id ?? "?"} needs {needed} huge pages of {Bytes.Format(page)}; {where} {free} free",
            qemuAccepts: freeOnHost >= needed && !prealloc,
            qemuSays: freeOnHost < needed ? "unable to map backing store for guest RAM: Cannot allocate memory" : null);
    }
}
