using System.CommandLine;
using System.Globalization;
using Hostmem.Classification;
using Hostmem.Planning;

namespace Hostmem.Cli;

/// <summary>--guest-numa, --latency, --bandwidth: shared by `qemu` and `plan`.</summary>
public sealed class GuestNumaOptions
{
    public Option<string> Mode { get; } = new("--guest-numa")
    {
        Description = "auto (default): give each host-mem-type backend a CPU-less guest NUMA node with HMAT latency and bandwidth from the host, so the guest kernel tiers it; off: leave the guest's NUMA as written.",
        DefaultValueFactory = _ => "auto",
        HelpName = "auto|off",
    };

    public Option<string[]> Latency { get; } = new("--latency")
    {
        Description = "Latency (ns) the guest gets for memory of TYPE, in place of the host's; where the host shows none, give --bandwidth for the same TYPE too. Repeatable.",
        HelpName = "TYPE=NS",
    };

    public Option<string[]> Bandwidth { get; } = new("--bandwidth")
    {
        Description = "Bandwidth (MB/s) the guest gets for memory of TYPE, in place of the host's; where the host shows none, give --latency for the same TYPE too. Repeatable.",
        HelpName = "TYPE=MBPS",
    };

    public Option<string?> MeasuredFile { get; } = new("--figures")
    {
        Description = "Figures 'hostmem probe --output FILE' measured on this host: they take the place of firmware's (what you write on the line, then --latency/--bandwidth, still win).",
        HelpName = "FILE",
    };

    public Option<string> Cdat { get; } = new("--cdat")
    {
        Description = "auto (default): a -device cxl-type3 whose volatile-memdev= carries host-mem-type= gets a CDAT (cdat=) and its host bridge an acpi-generic-port with the host memory's figures, so the guest's CXL driver computes them for the region; off: leave cxl-type3 devices as written.",
        DefaultValueFactory = _ => "auto",
        HelpName = "auto|off",
    };

    public Option<string?> CdatDir { get; } = new("--cdat-dir")
    {
        Description = "Write each CDAT to DIR/hostmem-DEVICE.cdat and name that file on the line (for libvirt's <qemu:commandline>), instead of a memfd QEMU inherits (/proc/self/fd/N).",
        HelpName = "DIR",
    };

    public GuestNumaOptions()
    {
        Mode.AcceptOnlyFromAmong("auto", "off");
        Cdat.AcceptOnlyFromAmong("auto", "off");
    }

    public IEnumerable<Option> All => [Mode, Latency, Bandwidth, MeasuredFile, Cdat, CdatDir];

    /// <summary>--figures read against the host it plans for (a file from another host is refused in one line).</summary>
    public PlanOptions WithMeasured(PlanOptions options, ParseResult parse, Topology.HostTopology host) =>
        parse.GetValue(MeasuredFile) is { } path ? options with { Measured = Probe.MeasuredFigures.Load(path, host) } : options;

    public PlanOptions Apply(PlanOptions options, ParseResult parse) => options with
    {
        GuestNuma = parse.GetValue(Mode) == "off" ? GuestNumaMode.Off : GuestNumaMode.Auto,
        LatencyNs = Figures(parse.GetValue(Latency), "--latency", "NS", 1, uint.MaxValue),
        BandwidthMBps = Figures(parse.GetValue(Bandwidth), "--bandwidth", "MBPS", 1, uint.MaxValue),
        Cdat = parse.GetValue(Cdat) == "off" ? Cxl.CdatMode.Off : Cxl.CdatMode.Auto,
        CdatDir = parse.GetValue(CdatDir) is { } dir ? CdatFiles.CheckDir(dir) : null,
    };

    static Dictionary<HostMemType, ulong> Figures(string[]? values, string option, string unit, ulong min, ulong max)
    {
        var result = new Dictionary<HostMemType, ulong>();
        foreach (var v in values ?? [])
        {
            int eq = v.IndexOf('=');
            if (eq <= 0 || !HostMemTypeNames.TryParse(v[..eq], out var type))
                throw new UserError($"{option} {v}: not TYPE={unit}", $"write e.g. {option} cxl-ram=250; types: {Planner.ValidTypes}");
            if (!ulong.TryParse(v[(eq + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out ulong n) || n < min || n > max)
                throw new UserError($"{option} {v}: {unit} must be a whole number from {min} to {max}", $"write e.g. {option} {v[..eq]}=250");
            result[type] = n;
        }
        return result;
    }
}
