using System.Globalization;
using Hostmem.Classification;
using Hostmem.Cli.Output;
using Hostmem.Export;
using Hostmem.Sysfs;
using Hostmem.Topology;

namespace Hostmem.Cli;

/// <summary>The terminal rendering of a classified host: nodes, CXL, DAX, why, findings.</summary>
public static class TopologyTable
{
    public static void Write(Terminal t, ClassifiedHost analysed, MeasuredReport? measured = null)
    {
        var host = analysed.Host;
        var w = t.Writer;
        var nodes = new Table("NODE", "TYPE", "TIER", "CPUS", "SIZE", "FREE", "LATENCY r/w ns", "BANDWIDTH r/w MB/s", "BACKING");
        foreach (var n in host.Nodes)
        {
            var c = analysed.ClassOf(n.Id);
            var a = n.BestAccess;
            nodes.Add(
                // A node missing from node/online has no usable memory: said in its row.
                (n.Online ? N(n.Id) : $"{N(n.Id)} offline", n.Online ? null : new Func<string, string>(t.Yellow)),
                (c.Type.Name(), c.Type == HostMemType.Dram ? null : t.Cyan),
                (n.Tier is { } tier ? N(tier) : "-", null),
                (n.HasCpus ? ShortCpuList(n.Cpus) : "-", null),
                (n.MemTotalBytes is { } total ? Bytes.Format(total) : "?", null),
                (n.MemFreeBytes is { } free ? Bytes.Format(free) : "?", null),
                (a is null ? "-" : $"{Opt(a.ReadLatencyNs)}/{Opt(a.WriteLatencyNs)}", null),
                (a is null ? "-" : $"{Opt(a.ReadBandwidthMBps)}/{Opt(a.WriteBandwidthMBps)}", null),
                (Backing(host, c), null));
        }
        nodes.Write(t);
        WriteInterleaveWeights(t, host);
        WriteHmat(t, host);
        if (measured is not null) WriteMeasured(t, measured);

        if (host.Nodes.Any(n => n.MemorySideCaches.Count > 0))
        {
            w.WriteLine();
            var caches = new Table("MEMORY-SIDE CACHE", "LEVEL", "SIZE", "LINE", "INDEXING", "WRITE POLICY");
            foreach (var n in host.Nodes)
                foreach (var m in n.MemorySideCaches)
                    caches.Add($"node{N(n.Id)}", N(m.Level), Bytes.Format(m.SizeBytes), m.LineSizeBytes is { } line ? $"{line} B" : "-",
                        m.Indexing ?? "-", m.WritePolicy ?? "-");
            caches.Write(t);
        }

        if (host.Cxl.Regions.Count > 0)
        {
            w.WriteLine();
            var regions = new Table("CXL REGION", "MODE", "SIZE", "STATE", "WAYS", "TARGETS", "WINDOW", "DAX");
            foreach (var r in host.Cxl.Regions)
                regions.Add(r.Name, NodeClassifier.ModeName(r.Mode), r.SizeBytes is > 0 ? Bytes.Format(r.SizeBytes.Value) : "-",
                    r.Committed ? "committed" : "not committed", r.InterleaveWays is { } ways ? N(ways) : "-",
                    r.Targets.Count > 0 ? string.Join(",", r.Targets) : "-", r.RootDecoder ?? "-",
                    r.DaxDevices.Count > 0 ? string.Join(",", r.DaxDevices) : "-");
            regions.Write(t);
        }
        if (host.Cxl.Memdevs.Count > 0)
        {
            w.WriteLine();
            var mems = new Table("CXL MEMDEV", "RAM", "PMEM", "SERIAL", "NEAR NODE", "ENDPOINT");
            foreach (var m in host.Cxl.Memdevs)
                mems.Add(m.Name, Bytes.Format(m.RamBytes), Bytes.Format(m.PmemBytes), m.Serial ?? "-",
                    m.NumaNode is { } nn ? N(nn) : "-", m.Endpoint ?? "-");
            mems.Write(t);
        }
        if (host.Dax.Count > 0)
        {
            w.WriteLine();
            var dax = new Table("DAX", "SIZE", "MODE", "TARGET NODE", "PARENT", "ALIGN");
            foreach (var d in host.Dax)
                dax.Add(d.Name, d.SizeBytes is { } s ? Bytes.Format(s) : "?", TopologyReportBuilder.ModeName(d.Mode),
                    d.TargetNode is { } tn ? N(tn) : "-", $"{TopologyReportBuilder.ParentName(d.ParentKind)} {d.Parent}".Trim(),
                    d.AlignBytes is { } al ? Bytes.Format(al) : "-");
            dax.Write(t);
        }

        w.WriteLine();
        w.WriteLine(t.Bold("WHY"));
        foreach (var c in analysed.Classes)
        {
            w.WriteLine($"  node{c.Node} is {c.Type.Name()}:");
            foreach (var e in c.Evidence) w.WriteLine(t.Dim($"    - {e}"));
        }

        w.WriteLine();
        if (analysed.Diagnostics.Count == 0)
        {
            w.WriteLine(t.Green("No findings."));
            return;
        }
        w.WriteLine(t.Bold("FINDINGS"));
        foreach (var d in analysed.Diagnostics)
        {
            var label = d.Severity switch
            {
                Severity.Error => t.Red(d.Severity.Name()),
                Severity.Warning => t.Yellow(d.Severity.Name()),
                _ => t.Cyan(d.Severity.Name()),
            };
            w.WriteLine($"  {label} [{d.Code}] {d.Message}");
            w.WriteLine($"    fix: {d.Hint}");
        }
    }

    /// <summary>The ACPI HMAT's every initiator × target (sysfs shows only each node's nearest initiator above).</summary>
    /// <summary>One line: the weights MPOL_WEIGHTED_INTERLEAVE uses (host-mem-policy=weighted-interleave), and who sets them.</summary>
    private static void WriteInterleaveWeights(Terminal t, HostTopology host)
    {
        if (host.InterleaveWeights is not { } iw)
        {
            t.Writer.WriteLine(t.Dim("weighted interleave: not in this kernel (Linux >= 6.9 has it)"));
            return;
        }
        string weights = iw.Weights.Count == 0 ? "no node files" : string.Join(", ", iw.Weights.Select(kv => $"node{N(kv.Key)} {N(kv.Value)}"));
        string mode = iw.Auto switch
        {
            true => "auto: the kernel derives them from HMAT bandwidth",
            false => "manual: set in sysfs",
            null => "set in sysfs; no auto mode before Linux 6.16",
        };
        t.Writer.WriteLine(t.Dim($"weighted interleave weights: {weights} ({mode})"));
    }

    private static void WriteHmat(Terminal t, HostTopology host)
    {
        var w = t.Writer;
        if (host.HmatEvidence == AcpiTableEvidence.NotReadable)
        {
            w.WriteLine();
            w.WriteLine(t.Dim("HMAT: /sys/firmware/acpi/tables/HMAT is root-only; run as root to see every initiator's figures (above: each node's nearest initiator only)"));
            return;
        }
        if (host.Hmat is not { } m) return;
        w.WriteLine();
        var table = new Table("HMAT INITIATOR", "TARGET", "LATENCY r/w ns", "BANDWIDTH r/w MB/s");
        var ports = m.Domains.Where(d => d.IsGenericPort).ToDictionary(d => d.Pxm, d => d.PortHandle);
        foreach (var l in m.Localities)
            table.Add(l.InitiatorNode is { } i ? $"node{N(i)}" : $"pxm{l.InitiatorPxm}",
                l.TargetIsPort ? $"port {ports.GetValueOrDefault(l.TargetPxm) ?? "?"} (pxm{l.TargetPxm})" : l.TargetNode is { } tn ? $"node{N(tn)}" : $"pxm{l.TargetPxm}",
                l.Unreachable ? "unreachable" : $"{Opt(l.ReadLatencyNs)}/{Opt(l.WriteLatencyNs)}",
                l.Unreachable ? "unreachable" : $"{Opt(l.ReadBandwidthMBps)}/{Opt(l.WriteBandwidthMBps)}");
        table.Write(t);
        foreach (var d in m.Diagnostics) w.WriteLine(t.Dim($"  HMAT: {d}"));
    }

    /// <summary>A probe's figures beside the firmware's, pair by pair (topology --figures).</summary>
    private static void WriteMeasured(Terminal t, MeasuredReport m)
    {
        t.Writer.WriteLine();
        var table = new Table("MEASURED INITIATOR", "TARGET", "LATENCY ns (firmware)", "BANDWIDTH r/w MB/s (firmware)", "RATIO lat/rd/wr");
        foreach (var p in m.Pairs)
            table.Add($"node{N(p.InitiatorNode)}", $"node{N(p.TargetNode)}",
                $"{F(p.ReadLatencyNs, "0.0")} ({Opt(p.HmatReadLatencyNs)})",
                $"{F(p.ReadBandwidthMbps, "0")}/{F(p.WriteBandwidthMbps, "0")} ({Opt(p.HmatReadBandwidthMbps)}/{Opt(p.HmatWriteBandwidthMbps)})",
                p.HmatSource is null ? "-" : $"{R(p.ReadLatencyRatio)}/{R(p.ReadBandwidthRatio)}/{R(p.WriteBandwidthRatio)}");
        table.Write(t);
        t.Writer.WriteLine(t.Dim($"  measured: {m.File}{(m.MeasuredOnHostname is { } h ? $" (on {h}{(m.SameMachine ? ", this machine" : "")})" : "")}; write latency = read latency (not measured); firmware '?' = none"));
    }

    private static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
    private static string R(double? v) => v?.ToString("0.00", CultureInfo.InvariantCulture) ?? "?";

    private static string Backing(HostTopology host, NodeClassification c)
    {
        if (c.BackingDevice is null)
            return c.CxlWindow == CxlWindowCheck.Inside ? "CXL window (firmware)" : "-";
        var dax = host.Dax.First(d => d.Name == c.BackingDevice);
        return dax.Parent is null ? dax.Name : $"{dax.Name} ({dax.Parent})";
    }

    /// <summary>Long strided lists (0,4,8,...) would swamp the table; JSON keeps the full list.</summary>
    private static string ShortCpuList(IReadOnlyList<int> cpus)
    {
        var full = CpuList.Format(cpus);
        if (full.Length <= 20) return full;
        return $"{cpus[0]},{cpus[1]},...,{cpus[^1]} ({cpus.Count})";
    }

    private static string N(int v) => v.ToString(CultureInfo.InvariantCulture);
    private static string Opt(ulong? v) => v?.ToString(CultureInfo.InvariantCulture) ?? "?";
}
