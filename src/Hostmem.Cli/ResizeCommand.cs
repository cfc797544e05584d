using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Hostmem.Qemu;
using Hostmem.Qmp;
using Hostmem.Topology;

namespace Hostmem.Cli;

/// <summary>`hostmem resize --qmp SOCKET (--device ID | --node N) SIZE`: grow or shrink a running guest's virtio-mem memory.</summary>
public static class ResizeCommand
{
    public static Command Create()
    {
        var qmp = new Option<string?>("--qmp") { Description = "QEMU's QMP socket (the PATH of -qmp unix:PATH,server=on,wait=off).", HelpName = "SOCKET" };
        var device = new Option<string?>("--device") { Description = "The virtio-mem device's id= to resize.", HelpName = "ID" };
        var node = new Option<string?>("--node") { Description = "Resize the one virtio-mem device on this guest node (its node=).", HelpName = "N" };
        var timeout = new Option<string>("--timeout")
        {
            Description = "Seconds to wait for the guest to plug or unplug the memory (and for QMP to answer).",
            DefaultValueFactory = _ => "60",
            HelpName = "SECONDS",
        };
        var size = new Argument<string>("SIZE") { Description = "The device's new size: bytes or a QEMU size (256M, 1G, 0 to give it all back)." };
        var format = CommonOptions.Format();
        var json = CommonOptions.Json();
        var command = new Command("resize",
            """
            Grow or shrink a running guest's virtio-mem device: sets its requested-size over QMP (qom-set), then
            waits until the device reports the new size, which it does once the guest's virtio_mem driver has
            plugged (or unplugged) the memory, and says what the guest got.

            With `hostmem qemu`, a -device virtio-mem-pci,memdev=M,node=N whose backend M has host-mem-type=
            gets a CPU-less guest node N with no memory at boot and the HMAT figures of that type: memory plugged
            later lands in node N, in the memory tier the plan predicts (docs/resize.md says when it does not).

            SIZE must be a multiple of the device's block-size and at most its memdev's size (QMP
            query-memory-devices shows both); hostmem says so in one line before asking QEMU. A progress line shows
            on a terminal while the guest works. A guest without the virtio_mem driver never plugs anything, and a
            shrink stops short when the guest cannot offline the memory (it is in use by the kernel): then hostmem
            waits --timeout seconds and reports the size the guest did reach.

            Exit status: 0 the guest has SIZE, 1 it did not reach SIZE within --timeout (the device's size is
            reported), 2 bad input (no such device or socket, a size QEMU would refuse).

            Examples:
              hostmem resize --qmp /run/vm1.qmp --node 1 256M
              hostmem resize --qmp /run/vm1.qmp --device vmem0 0
              hostmem resize --qmp /run/vm1.qmp --device vmem0 1G --format json
              virsh update-memory-device vm1 --alias ua-vmem0 --requested-size 256MiB   (the same for libvirt's VMs)
            """)
        {
            qmp, device, node, timeout, format, json, size,
        };
        command.SetAction(parse =>
        {
            var socket = parse.GetValue(qmp) ?? throw new UserError("give --qmp SOCKET", "e.g. hostmem resize --qmp /run/vm1.qmp --node 1 256M");
            var target = Target(parse.GetValue(device), parse.GetValue(node));
            var sizeText = parse.GetValue(size)!;
            ulong bytes = QemuSize.TryParse(sizeText)
                ?? throw new UserError($"'{sizeText}' is not a size", "give bytes or a QEMU size: 256M, 1G, 0");
            var wait = ExportCommand.Seconds(parse.GetValue(timeout)!, "--timeout", 3600);
            bool asJson = parse.GetValue(json) || parse.GetValue(format) == "json";
            using var client = QmpClient.Connect(socket, wait);
            var progress = Output.Progress.OnTerminal();
            var result = VirtioMemResize.Run(client, target, bytes, wait,
                d => progress.Show($"virtio-mem '{d.Id}': guest has {Bytes.Format(d.Size)} of {Bytes.Format(bytes)}"));
            progress.Clear();
            if (asJson) Console.Out.WriteLine(JsonSerializer.Serialize(ToJson(result), ResizeJsonContext.Default.ResizeJson));
            else Console.Out.WriteLine(Describe(result));
            return result.Reached ? 0 : 1;
        });
        return command;
    }

    static VirtioMemTarget Target(string? device, string? node)
    {
        if ((device is null) == (node is null))
            throw new UserError(device is null ? "give --device ID or --node N" : "give --device ID or --node N, not both",
                "e.g. --device vmem0, or --node 1 for the one virtio-mem device on guest node 1");
        if (device is not null) return new VirtioMemTarget(device, null);
        if (!uint.TryParse(node, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            throw new UserError($"--node '{node}' is not a guest node number", "give the node= of the device, e.g. --node 1");
        return new VirtioMemTarget(null, n);
    }

    /// <summary>One line: what the guest had, what it has now on which node, and how long it took.</summary>
    public static string Describe(ResizeResult r)
    {
        string where = $"virtio-mem '{r.After.Id}' on guest node {r.After.Node}";
        string took = $"{r.Took.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s";
        return r.Reached
            ? $"{where}: {Bytes.Format(r.Before.Size)} -> {Bytes.Format(r.After.Size)} plugged in the guest ({took})"
            : $"{where}: the guest has {Bytes.Format(r.After.Size)} plugged, not the {Bytes.Format(r.RequestedBytes)} asked for, after {took} "
              + (r.After.Size == r.Before.Size ? "(nothing moved: is the guest's virtio_mem driver loaded?)" : "(a shrink stops where the guest cannot offline memory in use)");
    }

    static ResizeJson ToJson(ResizeResult r) => new(r.After.Id, r.After.Node, r.After.Memdev.Replace("/objects/", "", StringComparison.Ordinal), r.Before.Size, r.RequestedBytes, r.After.Size,
        r.After.MaxSize, r.After.BlockSize, r.Reached, Math.Round(r.Took.TotalSeconds, 2));
}

public sealed record ResizeJson(string? Device, uint Node, string Memdev, ulong SizeBeforeBytes, ulong RequestedBytes, ulong SizeBytes,
    ulong MaxSizeBytes, ulong BlockSizeBytes, bool Reached, double Seconds);

[JsonSourceGenerationOptions(GenerationMode = JsonSourceGenerationMode.Serialization, WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ResizeJson))]
internal sealed partial class ResizeJsonContext : JsonSerializerContext;
