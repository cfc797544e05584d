using Hostmem.Planning;

namespace Hostmem.Libvirt;

/// <summary>The &lt;maxMemory&gt; hostmem writes: its size and its slots= (libvirt 9.0's schema requires slots=).</summary>
public sealed record MaxMemory(ulong Bytes, int Slots);

/// <summary>
/// Room for memory devices in a libvirt domain. libvirt refuses a memory device when the domain has no &lt;maxMemory&gt;
/// ("cannot use/hotplug a memory device when domain 'maxMemory' is not defined") and a &lt;maxMemory&gt; below
/// &lt;memory&gt; ("maximum memory size must be equal or greater than the actual memory size"); it starts QEMU with
/// <c>-m size=CELLS,maxmem=MAXMEMORY</c>, and &lt;memory&gt; holds the cells and the devices (libvirt 11.3, measured
/// with virsh domxml-to-native), so a &lt;maxMemory&gt; of &lt;memory&gt; is the room QEMU needs.
/// </summary>
public static class MaxMemoryRoom
{
    /// <summary>What hostmem writes: a &lt;maxMemory&gt; of the domain's memory when a virtio-mem device plugs into one of
    /// its cells and the domain has none; null to leave the domain's own (checked) or none.</summary>
    public static MaxMemory? Plan(DomainXml domain, IReadOnlyList<DomainMemoryDevice> devices, bool plugs, ulong memory, List<PlanNote> notes)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(devices);
        ArgumentNullException.ThrowIfNull(notes);
        if (domain.Root.Element("maxMemory") is { } max)
        {
            ulong have = domain.Size(max);
            if (have < memory)
                throw new UserError($"{domain.Where(max)}: <maxMemory> {X(have)} is below the domain's memory of {X(memory)} (its cells and memory devices): "
                    + "libvirt refuses it (maximum memory size must be equal or greater than the actual memory size)",
                    $"raise <maxMemory> to {X(memory)} or more; above <memory> it is room for memory devices QEMU keeps free");
            return null;
        }
        if (!plugs) return null;
        int slots = devices.Count(d => d.TakesSlot);
        notes.Add(PlanNote.Info(NoteCodes.MaxmemSet, $"<maxMemory slots='{slots}'> of {X(memory)}: libvirt refuses memory devices without it and gives it to QEMU as "
            + "-m maxmem=, the room for the virtio-mem memory beside the cells' (slots count DIMMs; virtio-mem needs none)"));
        return new MaxMemory(memory, slots);
    }

    static string X(ulong bytes) => LibvirtUnits.FormatExact(bytes);
}
