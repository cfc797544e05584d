using Hostmem.Qmp;
using Hostmem.Topology;

namespace Hostmem.Status;

/// <summary>
/// Ties memory backends to numa_maps mappings and counts their pages per host node.
/// Rule (docs/status.md): QEMU's RAM blocks (<c>info ramblock</c>) carry the host virtual address of each backend's
/// memory, which is the start address numa_maps prints for the mapping. A block named after the backend is its own; a
/// backend no device registered by name (e.g. cxl-type3's volatile-memdev) has an unnamed block, tied by the memfd
/// QEMU names after the backend (share=on) when there is one, else by size when
/// the size is unique among the unnamed blocks and unmatched backends, else by size and the mapping's policy, else not
/// at all (said so, never guessed).
/// </summary>
public static class PlacementAnalysis
{
    /// <summary>With QMP: every backend QEMU reports.</summary>
    public static IReadOnlyList<BackendPlacement> WithQmp(
        IReadOnlyList<QmpMemdev> memdevs, IReadOnlyList<RamBlock>? blocks, IReadOnlyList<NumaMapping> maps,
        IReadOnlyDictionary<ulong, ulong> ends, string? blocksMissingWhy = null)
    {
        var sorted = maps.OrderBy(m => m.Address).ToList();
        var byId = new Dictionary<QmpMemdev, (RamBlock Block, BackendMatch How)>(ReferenceEqualityComparer.Instance);
        var claimed = new HashSet<RamBlock>(ReferenceEqualityComparer.Instance);
        // Without host addresses (QEMU 7.2's info ramblock has none), each mapping stands in for an unnamed block: QEMU
        // maps every RAM block on its own, followed by a PROT_NONE guard page, so a backend's mapping is exactly its size.
        bool fromMappings = blocks is null;
        var unnamed = fromMappings
            ? [.. sorted.Where(m => ends.ContainsKey(m.Address)).Select(m => new RamBlock("", m.EffectivePageSize, 0, ends[m.Address] - m.Address, ends[m.Address] - m.Address, m.Address))]
            : blocks!.Where(b => b.Name.Length == 0).ToList();
        foreach (var m in fromMappings ? [] : memdevs)
        {
            // Named after the backend's id, or its QOM path with x-use-canonical-path-for-ramblock-id=on, or
            // DEVICE-PATH/ID when a device registered it (a virtio-mem-pci's memdev: "0000:00:02.0/cm";
            // qemu_ram_set_idstr, system/physmem.c, prefixes qdev_get_dev_path).
            var named = blocks!.Where(b => b.Name == m.Id || b.Name.EndsWith("/" + m.Id, StringComparison.Ordinal)).ToList();
            if (named.Count != 1) continue;
            byId[m] = (named[0], BackendMatch.RamBlockName);
            claimed.Add(named[0]);
        }
        // QEMU 10 backs a share=on memory-backend-ram with a memfd named after the backend's id.
        foreach (var m in memdevs.Where(m => !byId.ContainsKey(m)))
        {
            var named = unnamed.Where(b => !claimed.Contains(b) && MappingAt(sorted, ends, b.HostAddress) is { Address: var a, File: var f }
                && a == b.HostAddress && b.UsedBytes == m.Size && (f == $"/memfd:{m.Id} (deleted)" || f == $"/memfd:{m.Id}")).ToList();
            if (named.Count != 1) continue;
            byId[m] = (named[0], BackendMatch.MemfdName);
            claimed.Add(named[0]);
        }
        var process = ProcessPolicy(maps);
        // Each pass ties what is certain, which can make the rest certain: repeat until nothing changes.
        for (bool progress = true; progress;)
        {
            progress = false;
            foreach (var m in memdevs.Where(m => !byId.ContainsKey(m)).ToList())
            {
                var candidates = unnamed.Where(b => b.UsedBytes == m.Size && !claimed.Contains(b)).ToList();
                var rivals = memdevs.Where(o => !byId.ContainsKey(o) && o.Size == m.Size).ToList();
                (RamBlock Block, BackendMatch How)? tie = null;
                if (candidates.Count == 1 && rivals.Count == 1)
                    tie = (candidates[0], fromMappings ? BackendMatch.MappingSize : BackendMatch.RamBlockSize);
                else
                {
                    var same = candidates.Where(b => Agrees(m, MappingAt(sorted, ends, b.HostAddress)?.Policy, process)).ToList();
                    if (same.Count == 1 && rivals.Count(o => Agrees(o, MappingAt(sorted, ends, same[0].HostAddress)?.Policy, process)) == 1)
                        tie = (same[0], fromMappings ? BackendMatch.MappingSizeAndPolicy : BackendMatch.RamBlockSizeAndPolicy);
                }
                if (tie is not { } t) continue;
                byId[m] = t;
                claimed.Add(t.Block);
                progress = true;
            }
        }
        var result = new List<BackendPlacement>();
        foreach (var m in memdevs)
        {
            var intended = m.Policy == "default" ? [] : m.HostNodes;
            var baseInfo = new BackendPlacement
            {
                Id = m.Id, SizeBytes = m.Size, Policy = m.Policy, HostNodes = m.HostNodes, Prealloc = m.Prealloc, IntendedNodes = intended,
            };
            if (!byId.TryGetValue(m, out var found))
            {
                int same = unnamed.Count(b => b.UsedBytes == m.Size);
                string what = fromMappings ? "mappings" : "unnamed RAM blocks";
                string why = same > 1
                    ? $"placement unknown: {same} {what} of {Bytes.Format(m.Size)}, and neither name nor policy tells which is {m.Id}"
                    : fromMappings ? $"placement unknown: no mapping of {Bytes.Format(m.Size)} ({blocksMissingWhy ?? "QEMU's RAM blocks could not be read"})"
                    : $"placement unknown: no RAM block of QEMU is named {m.Id} or has its size";
                result.Add(baseInfo with { Match = BackendMatch.Unmatched, Notes = [why] });
                continue;
            }
            result.Add(Measure(baseInfo with { Match = found.How, HostAddress = found.Block.HostAddress }, sorted, ends,
                found.Block.HostAddress, found.Block.TotalBytes, m));
        }
        return result;
    }

    /// <summary>Without QMP: each mapping with an explicit policy other than QEMU's own process policy, and each
    /// memfd QEMU made for a memory-backend-memfd (QEMU names them so); ids unknown.</summary>
    public static IReadOnlyList<BackendPlacement> FromNumaMapsOnly(IReadOnlyList<NumaMapping> maps, IReadOnlyDictionary<ulong, ulong> ends)
    {
        var process = ProcessPolicy(maps);
        var result = new List<BackendPlacement>();
        foreach (var map in maps.OrderBy(m => m.Address))
        {
            bool explicitPolicy = map.Policy.IsExplicit && !SamePolicy(map.Policy, process);
            bool memfd = map.File is { } f && f.StartsWith("/memfd:memory-backend-memfd", StringComparison.Ordinal);
            if (!explicitPolicy && !memfd) continue;
            ulong? size = ends.TryGetValue(map.Address, out var end) ? end - map.Address : null;
            var p = new BackendPlacement
            {
                Match = BackendMatch.NumaMapsOnly, SizeBytes = size, HostAddress = map.Address,
                IntendedNodes = map.Policy.IsExplicit ? map.Policy.Nodes : [],
            };
            result.Add(Measure(p, [map], ends, map.Address, size ?? 1, null));
        }
        return result;
    }

    /// <summary>The policy numa_maps shows for mappings without their own: the process's (numactl -m/-N sets it),
    /// seen on its stack and heap.</summary>
    public static MemPolicy ProcessPolicy(IReadOnlyList<NumaMapping> maps) =>
        (maps.FirstOrDefault(m => m.Stack) ?? maps.FirstOrDefault(m => m.Heap))?.Policy ?? MemPolicy.Default;

    static BackendPlacement Measure(BackendPlacement p, List<NumaMapping> sorted, IReadOnlyDictionary<ulong, ulong> ends,
        ulong start, ulong length, QmpMemdev? memdev)
    {
        var notes = new List<string>();
        var inside = sorted.Where(m => m.Address >= start && m.Address - start < length).ToList();
        if (inside.Count == 0 || inside[0].Address != start)
        {
            if (MappingAt(sorted, ends, start) is { } around && around.Address < start)
            {
                inside.Insert(0, around);
                notes.Add($"the mapping at 0x{around.Address:x} also holds memory before the backend: its pages are counted too");
            }
        }
        if (inside.Count == 0)
            return p with { Match = BackendMatch.Unmatched, Notes = [$"placement unknown: numa_maps has no mapping at 0x{start:x}"] };
        var perNode = new SortedDictionary<int, ulong>();
        foreach (var m in inside)
            foreach (var node in m.PagesByNode.Keys)
                perNode[node] = perNode.GetValueOrDefault(node) + m.BytesOn(node);
        ulong resident = perNode.Values.Aggregate(0UL, (a, b) => a + b);
        var policy = inside[0].Policy;
        var intended = p.IntendedNodes;
        if (memdev is { Policy: "default" } && policy.IsExplicit)
        {
            intended = policy.Nodes;
            notes.Add($"policy default: the pages follow QEMU's own policy {policy} ("
                + (policy.Mode == MemPolicyMode.WeightedInterleave ? "hostmem qemu's host-mem-policy=weighted-interleave, numactl -w" : "numactl") + " or a parent process set it)");
        }
        bool mismatch = false;
        if (memdev is { Policy: not "default" })
        {
            var wrong = inside.Where(m => !PolicyAgrees(memdev, m.Policy)).Select(m => m.Policy.ToString()).Distinct().ToList();
            if (wrong.Count > 0)
            {
                mismatch = true;
                notes.Add($"QEMU says {memdev.Policy} {CpuListText(memdev.HostNodes)} but the kernel applies {string.Join(", ", wrong)} to the mapping");
            }
        }
        var shares = perNode.Select(kv => new NodeShare(kv.Key, kv.Value, resident == 0 ? 0 : Math.Round(100.0 * kv.Value / resident, 2),
            intended.Count == 0 || intended.Contains(kv.Key))).ToList();
        ulong outside = shares.Where(s => !s.Intended).Aggregate(0UL, (a, s) => a + s.Bytes);
        if (outside > 0 && (memdev?.Policy == "preferred" || policy.Mode is MemPolicyMode.Preferred or MemPolicyMode.PreferredMany))
            notes.Add($"preferred lets the kernel use other nodes when {CpuListText(intended)} has no free memory");
        if (resident == 0)
            notes.Add(memdev?.Prealloc == false ? "no pages yet: the guest has not touched this memory (prealloc=off)" : "no pages resident");
        var pageSizes = inside.Where(m => m.PageSizeBytes is not null).Select(m => m.PageSizeBytes!.Value).Distinct().ToList();
        return p with
        {
            MappingPolicy = policy,
            File = inside[0].File,
            Huge = inside.Any(m => m.Huge),
            PageSizeBytes = pageSizes.Count == 1 ? pageSizes[0] : null,
            ResidentBytes = resident,
            Nodes = shares,
            IntendedNodes = intended,
            OutsideBytes = outside,
            PolicyMismatch = mismatch,
            Notes = [.. p.Notes, .. notes],
        };
    }

    /// <summary>The mapping that holds <paramref name="address"/>: the last one starting at or below it, if it reaches it.</summary>
    static NumaMapping? MappingAt(List<NumaMapping> sorted, IReadOnlyDictionary<ulong, ulong> ends, ulong address)
    {
        var m = sorted.LastOrDefault(x => x.Address <= address);
        if (m is null) return null;
        if (m.Address == address) return m;
        return ends.TryGetValue(m.Address, out var end) && end > address ? m : null;
    }

    /// <summary>Whether a mapping's policy can be this backend's: a default backend's mapping shows the process policy
    /// (QEMU's mbind(MPOL_DEFAULT) removes the mapping's own).</summary>
    static bool Agrees(QmpMemdev m, MemPolicy? kernel, MemPolicy process) =>
        kernel is not null && (m.Policy == "default" ? SamePolicy(kernel, process) : PolicyAgrees(m, kernel));

    /// <summary>Whether the kernel's policy on a mapping is what QEMU's backend asks for (QEMU uses MPOL_PREFERRED_MANY
    /// for preferred with several nodes, since 7.0, where the kernel has it).</summary>
    static bool PolicyAgrees(QmpMemdev m, MemPolicy? kernel)
    {
        if (kernel is null) return false;
        var mode = MemPolicy.ParseQemu(m.Policy);
        if (mode == MemPolicyMode.Default) return true; // mbind(MPOL_DEFAULT) leaves the mapping to the process policy
        bool modeOk = mode == kernel.Mode || mode == MemPolicyMode.Preferred && kernel.Mode == MemPolicyMode.PreferredMany;
        return modeOk && kernel.Nodes.SequenceEqual(m.HostNodes.Order());
    }

    static bool SamePolicy(MemPolicy a, MemPolicy b) => a.Mode == b.Mode && a.Nodes.SequenceEqual(b.Nodes) && a.Flags == b.Flags;

    static string CpuListText(IReadOnlyList<int> nodes) => nodes.Count == 0 ? "(no nodes)" : "node " + Sysfs.CpuList.Format(nodes);
}
