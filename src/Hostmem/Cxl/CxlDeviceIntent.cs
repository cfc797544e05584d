using Hostmem.Planning;
using Hostmem.Qemu;

namespace Hostmem.Cxl;

/// <summary>--cdat: give placed cxl-type3 devices a CDAT with the host's figures (auto, the default) or leave them as written (off).</summary>
public enum CdatMode { Auto, Off }

/// <summary>
/// A <c>-device cxl-type3</c> whose volatile memory is a backend hostmem placed, with what its CDAT and the guest kernel's
/// figures depend on: the host bridge (pxb-cxl) it hangs off, the link to its root port, and the generic port's node.
/// </summary>
/// <param name="GenericPortNode">The node of the line's own <c>acpi-generic-port</c> for that host bridge; null: hostmem adds one.</param>
/// <param name="Ordinal">Its place among the line's cxl-type3 devices (argument indexes move when nodes are inserted).</param>
public sealed record CxlDeviceIntent(CxlType3Device Device, int Ordinal, BackendPlan Backend, string HostBridge, PcieLink Link, int? GenericPortNode)
{
    /// <summary>The generic port node is one hostmem adds (with its -numa node and -object acpi-generic-port).</summary>
    public bool AddsGenericPort { get; init; }

    public string Name => Device.Id is { } id ? $"cxl-type3 '{id}'" : "cxl-type3";

    /// <summary>The devices to give a CDAT; what is skipped and why goes to <paramref name="notes"/>.</summary>
    public static IReadOnlyList<CxlDeviceIntent> Read(QemuCommandLine command, IReadOnlyList<BackendPlan> placed, CdatMode mode, List<PlanNote> notes)
    {
        var result = new List<CxlDeviceIntent>();
        if (mode == CdatMode.Off) return result;
        var devices = command.Find("device").Select(d => (d.Index, Options: d.Argument.IsJson || d.Argument.Value!.Contains("id=", StringComparison.Ordinal) ? d.Argument.ParseOptions() : null))
            .Where(d => d.Options is not null).ToList();
        IQemuOptions? ById(string? id) => id is null ? null : devices.FirstOrDefault(d => d.Options!.Get("id") == id).Options;
        var all = command.CxlType3Devices();
        for (int ordinal = 0; ordinal < all.Count; ordinal++)
        {
            var d = all[ordinal];
            if (d.VolatileMemdev is not { } memdev || placed.FirstOrDefault(b => b.Id == memdev && b.HostNodes.Count > 0) is not { } backend) continue;
            var name = d.Id is { } id ? $"cxl-type3 '{id}'" : "cxl-type3";
            if (d.Options.Get("cdat") is { } own)
            {
                notes.Add(PlanNote.Info(NoteCodes.CxlOwnCdat, $"{name}: cdat={own} is yours: hostmem leaves its CDAT alone"));
                continue;
            }
            var port = ById(d.Bus);
            var bridge = ById(port?.Get("bus"));
            if (port?.Get("driver") != "cxl-rp" || bridge?.Get("driver") != "pxb-cxl")
            {
                notes.Add(PlanNote.Info(NoteCodes.CxlNotDirect, $"{name}: not directly on a cxl-rp of a pxb-cxl (a switch, or a bus hostmem cannot follow): no CDAT from hostmem, the guest kernel's figures would depend on switch tables it does not write"));
                continue;
            }
            var link = NegotiatedLink(d.Options, port);
            string hb = bridge.Get("id")!;
            result.Add(new CxlDeviceIntent(d, ordinal, backend, hb, link, GenericPort(command, hb)));
        }
        return result;
    }

    /// <summary>The negotiated link: the lower speed and width of the device's and the root port's x-speed/x-width (QEMU 10's
    /// defaults: cxl-type3 32 GT/s x16, cxl-rp 64 GT/s x32).</summary>
    static PcieLink NegotiatedLink(IQemuOptions device, IQemuOptions port)
    {
        int speed = Math.Min(Speed(device.Get("x-speed"), 32000), Speed(port.Get("x-speed"), 64000));
        int width = Math.Min(Width(device.Get("x-width"), 16), Width(port.Get("x-width"), 32));
        return new PcieLink(speed, width);
        static int Speed(string? v, int dflt) => v is null ? dflt : PcieLink.SpeedOf(v) ?? dflt;
        static int Width(string? v, int dflt) => v is not null && int.TryParse(v, System.Globalization.CultureInfo.InvariantCulture, out int w) && w > 0 ? w : dflt;
    }

    /// <summary>The node of the line's <c>-object acpi-generic-port,pci-bus=HB,node=N</c>, if any.</summary>
    public static int? GenericPort(QemuCommandLine command, string hostBridge)
    {
        foreach (var (_, a) in command.Find("object"))
        {
            if (!a.IsJson && !a.Value!.Contains("acpi-generic-port", StringComparison.Ordinal)) continue;
            var o = a.ParseOptions();
            if (o.Get("qom-type") == "acpi-generic-port" && o.Get("pci-bus") == hostBridge
                && int.TryParse(o.Get("node"), System.Globalization.CultureInfo.InvariantCulture, out int n)) return n;
        }
        return null;
    }
}
