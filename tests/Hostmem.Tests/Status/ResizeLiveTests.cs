using System.Text.Json.Nodes;
using Hostmem.Tests.Planning;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Status;

/// <summary>
/// `hostmem resize` against a live, paused QEMU 10 with two virtio-mem devices (no guest runs, so nothing is ever plugged):
/// the sizes QEMU would refuse are refused first in one line, devices are found by id or node, and a size the guest never
/// reaches ends with exit 1 and what the device has. The guest side (grow to 256 MiB, shrink to 0) is booted by
/// Hostmem.LabTests' VirtioMemGuestTests.
/// </summary>
public class ResizeLiveTests
{
    static readonly string[] Devices =
    [
        "-M", "q35", "-m", "128M,maxmem=1152M",
        "-object", "memory-backend-ram,id=a,size=512M", "-device", "virtio-mem-pci,id=vma,memdev=a,node=0",
        "-object", "memory-backend-ram,id=b,size=512M", "-device", "virtio-mem-pci,id=vmb,memdev=b,node=0,block-size=4M",
    ];

    static (int Code, string Out, string Err) Resize(LiveQemu q, params string[] args) => HostmemCli.Run(["resize", "--qmp", q.QmpSocket, .. args]);

    static void RefusedInOneLine((int Code, string Out, string Err) run, string problem)
    {
        Assert.Equal(2, run.Code);
        var lines = run.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Equal("hostmem: " + problem, lines[0]);
        Assert.StartsWith("hint: ", lines[1]);
    }

    [NeedsProgramFact("qemu-system-x86_64")]
    public void Sizes_qemu_would_refuse_and_unknown_devices_are_refused_before_qemu_is_asked()
    {
        using var q = new LiveQemu(QemuBinaries.Qemu10, Devices);
        // QEMU's own rules (hw/virtio/virtio-mem.c): a multiple of block-size (default 2 MiB here; 4M set on vmb), at most the memdev.
        RefusedInOneLine(Resize(q, "--device", "vma", "3M"), "3145728 bytes is not a multiple of virtio-mem device 'vma''s block size (2 MiB)");
        RefusedInOneLine(Resize(q, "--device", "vmb", "6M"), "6291456 bytes is not a multiple of virtio-mem device 'vmb''s block size (4 MiB)");
        RefusedInOneLine(Resize(q, "--device", "vma", "1G"), "1 GiB is more than virtio-mem device 'vma' can hold: its memdev is 512 MiB");
        RefusedInOneLine(Resize(q, "--device", "nope", "2M"), "no virtio-mem device 'nope': QEMU has vma on node 0, vmb on node 0");
        RefusedInOneLine(Resize(q, "--node", "0", "2M"), "2 virtio-mem devices on guest node 0 (vma, vmb)");
        RefusedInOneLine(Resize(q, "--node", "5", "2M"), "no virtio-mem device on guest node 5: QEMU has vma on node 0, vmb on node 0");
        RefusedInOneLine(Resize(q, "--device", "vma", "--node", "0", "2M"), "give --device ID or --node N, not both");
        RefusedInOneLine(Resize(q, "--device", "vma", "lots"), "'lots' is not a size");
        // Nothing was asked of QEMU: the device still wants 0.
        var now = Resize(q, "--device", "vma", "--format", "json", "0");
        Assert.True(now.Code == 0, now.Err);
        Assert.Equal((0UL, 0UL, true), ((ulong)JsonNode.Parse(now.Out)!["size_bytes"]!, (ulong)JsonNode.Parse(now.Out)!["size_before_bytes"]!, (bool)JsonNode.Parse(now.Out)!["reached"]!));
    }

    [NeedsProgramFact("qemu-system-x86_64")]
    public void A_size_the_guest_never_reaches_ends_with_exit_1_and_what_the_device_has()
    {
        using var q = new LiveQemu(QemuBinaries.Qemu10, Devices);
        var run = Resize(q, "--device", "vmb", "--timeout", "1", "--format", "json", "8M");
        Assert.True(run.Code == 1, $"exit {run.Code}\n{run.Err}");
        var r = JsonNode.Parse(run.Out)!;
        Assert.Equal(("vmb", "b", 8UL << 20, 0UL, false), ((string?)r["device"], (string?)r["memdev"], (ulong)r["requested_bytes"]!, (ulong)r["size_bytes"]!, (bool)r["reached"]!));
        var table = Resize(q, "--device", "vmb", "--timeout", "1", "8M");
        Assert.Equal(1, table.Code);
        Assert.StartsWith("virtio-mem 'vmb' on guest node 0: the guest has 0 B plugged, not the 8 MiB asked for", table.Out);
    }
}
