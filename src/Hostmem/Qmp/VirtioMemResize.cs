using System.Diagnostics;
using System.Text.Json;
using Hostmem.Qemu;
using Hostmem.Topology;

namespace Hostmem.Qmp;

/// <summary>Which virtio-mem device to resize: by its id, or as the one device on a guest node.</summary>
public sealed record VirtioMemTarget(string? DeviceId, uint? Node)
{
    public override string ToString() => DeviceId is { } id ? $"--device {id}" : $"--node {Node}";
}

/// <summary>How a resize ended: the device before and after, how long the guest took, and whether it got all of it.</summary>
public sealed record ResizeResult(QmpVirtioMem Before, QmpVirtioMem After, ulong RequestedBytes, TimeSpan Took)
{
    public bool Reached => After.Size == RequestedBytes;
}

/// <summary>
/// Resizes a virtio-mem device over QMP: checks the size against the device (block-aligned, at most its memdev), sets
/// <c>requested-size</c> (qom-set) and waits until the device's <c>size</c>, what the guest driver has plugged, reaches it.
/// QEMU answers the qom-set at once; the guest plugs or unplugs block by block after, and only with its virtio_mem driver
/// loaded (an unplug can stop short when the guest cannot offline the memory).
/// </summary>
public static class VirtioMemResize
{
    /// <summary>How often the device is asked while waiting.</summary>
    public static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(200);

    /// <summary>The virtio-mem devices QEMU reports (query-memory-devices), in its order.</summary>
    public static IReadOnlyList<QmpVirtioMem> Devices(QmpClient qmp)
    {
        ArgumentNullException.ThrowIfNull(qmp);
        var all = qmp.Execute("query-memory-devices", QmpJson.Default.ListQmpMemoryDevice);
        var result = new List<QmpVirtioMem>();
        foreach (var d in all.Where(d => d.Type == "virtio-mem"))
        {
            try { result.Add(d.Data.Deserialize(QmpJson.Default.QmpVirtioMem) ?? throw new JsonException("null")); }
            catch (JsonException)
            {
                throw new UserError($"QEMU's virtio-mem entry in query-memory-devices is not what QMP documents: '{d.Data.GetRawText()}'",
                    "give the QMP socket of a QEMU system emulator (hostmem knows QEMU 7.2 to 10)");
            }
        }
        return result;
    }

    /// <summary>The one device the target names, or a <see cref="UserError"/> listing the devices there are.</summary>
    public static QmpVirtioMem Find(IReadOnlyList<QmpVirtioMem> devices, VirtioMemTarget target)
    {
        ArgumentNullException.ThrowIfNull(devices);
        ArgumentNullException.ThrowIfNull(target);
        string list = devices.Count == 0 ? "QEMU has no virtio-mem device"
            : "QEMU has " + string.Join(", ", devices.Select(d => $"{d.Id ?? "(no id)"} on node {d.Node}"));
        if (target.DeviceId is { } id)
            return devices.FirstOrDefault(d => d.Id == id)
                ?? throw new UserError($"no virtio-mem device '{id}': {list}", "give the id= of a -device virtio-mem-pci (or use --node N)");
        var onNode = devices.Where(d => d.Node == target.Node).ToList();
        return onNode.Count switch
        {
            0 => throw new UserError($"no virtio-mem device on guest node {target.Node}: {list}", "give the node= of a -device virtio-mem-pci, or --device ID"),
            1 => onNode[0],
            _ => throw new UserError($"{onNode.Count} virtio-mem devices on guest node {target.Node} ({string.Join(", ", onNode.Select(d => d.Id ?? "(no id)"))})",
                "name one with --device ID"),
        };
    }

    /// <summary>What QEMU would refuse, said before asking it (QEMU: "'requested-size' has to be multiple of 'block-size'",
    /// "'requested-size' cannot exceed the memory backend size"), and a device the monitor cannot address.</summary>
    public static void Check(QmpVirtioMem device, ulong size)
    {
        ArgumentNullException.ThrowIfNull(device);
        string name = device.Id ?? "(no id)";
        if (device.Id is null)
            throw new UserError($"the virtio-mem device on node {device.Node} (memdev {device.Memdev}) has no id, so QMP cannot address it",
                "give the device an id (-device virtio-mem-pci,id=vmem0,...) and restart QEMU");
        if (size > device.MaxSize)
            throw new UserError($"{Bytes.Format(size)} is more than virtio-mem device '{name}' can hold: its memdev is {Bytes.Format(device.MaxSize)}",
                $"give at most {QemuSize.Format(device.MaxSize)}, or start QEMU with a larger memdev (and maxmem=)");
        if (device.BlockSize > 0 && size % device.BlockSize != 0)
        {
            ulong down = size / device.BlockSize * device.BlockSize, up = Math.Min(down + device.BlockSize, device.MaxSize);
            throw new UserError($"{size} bytes is not a multiple of virtio-mem device '{name}''s block size ({Bytes.Format(device.BlockSize)})",
                $"give a multiple of {QemuSize.Format(device.BlockSize)}, e.g. {QemuSize.Format(down)}{(up != down ? $" or {QemuSize.Format(up)}" : "")}");
        }
    }

    /// <summary>Sets the requested size and waits (up to <paramref name="timeout"/>) for the guest to reach it;
    /// <paramref name="progress"/> hears the device after every poll.</summary>
    public static ResizeResult Run(QmpClient qmp, VirtioMemTarget target, ulong size, TimeSpan timeout, Action<QmpVirtioMem>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(qmp);
        var before = Find(Devices(qmp), target);
        Check(before, size);
        var started = Stopwatch.GetTimestamp();
        qmp.SetProperty($"/machine/peripheral/{before.Id}", "requested-size", size);
        var now = before;
        while (true)
        {
            now = Find(Devices(qmp), new VirtioMemTarget(before.Id, null));
            progress?.Invoke(now);
            var took = Stopwatch.GetElapsedTime(started);
            if (now.Size == size || took >= timeout) return new ResizeResult(before, now, size, took);
            Thread.Sleep(PollEvery < timeout - took ? PollEvery : timeout - took);
        }
    }
}
