using System.Globalization;
using Hostmem.Cli.Output;
using Hostmem.Status;
using Hostmem.Topology;

namespace Hostmem.Cli;

/// <summary>The terminal rendering of `hostmem status`: one row per backend, then the notes.</summary>
public static class StatusTable
{
    public static void Write(Terminal t, QemuStatusReport r)
    {
        var w = t.Writer;
        w.WriteLine($"QEMU pid {r.Pid}" + (r.QemuVersion is { } v ? $", QEMU {v}" : "") + (r.QmpSocket is { } s ? $", QMP {s}" : ", no QMP"));
        w.WriteLine();
        if (r.Backends.Count == 0)
            w.WriteLine(r.Source == BackendSource.Qmp ? "QEMU reports no memory backends." : "No memory backend on QEMU's command line and no mapping with an explicit memory policy.");
        else
        {
            var table = new Table("BACKEND", "SIZE", "POLICY", "HOST NODES", "KERNEL POLICY", "PAGE", "RESIDENT", "PAGES BY NODE", "STATUS");
            foreach (var b in r.Backends)
            {
                var (status, style) = b.Match == BackendMatch.Unmatched ? ("unknown", t.Yellow)
                    : b.OutsideBytes > 0 ? ($"{Bytes.Format(b.OutsideBytes)} outside", t.Red)
                    : b.PolicyMismatch ? ("policy differs", t.Red)
                    : ("ok", (Func<string, string>)t.Green);
                table.Add(
                    (b.Id ?? "?", null),
                    (b.SizeBytes is { } size ? Bytes.Format(size) : "?", null),
                    (b.Policy ?? "-", null),
                    (b.HostNodes.Count > 0 ? Sysfs.CpuList.Format(b.HostNodes) : "-", null),
                    (b.MappingPolicy?.ToString() ?? "-", null),
                    (b.PageSizeBytes is { } ps ? Bytes.Format(ps) + (b.Huge ? " huge" : "") : "-", null),
                    (b.Match == BackendMatch.Unmatched ? "?" : Resident(b), null),
                    (b.Nodes.Count == 0 ? "-" : string.Join(", ", b.Nodes.Select(n => $"node{n.Node} {Bytes.Format(n.Bytes)} {Percent(n.Percent)}" + (n.Intended ? "" : " OUTSIDE"))), null),
                    (status, style));
            }
            table.Write(t);
        }
        var notes = r.Backends.SelectMany(b => b.Notes.Select(n => $"{b.Id ?? (b.HostAddress is { } a ? $"0x{a:x}" : "?")}: {n}")).Concat(r.Notes).ToList();
        if (notes.Count > 0)
        {
            w.WriteLine();
            foreach (var n in notes) w.WriteLine(t.Dim("note: ") + n);
        }
    }

    static string Resident(BackendPlacement b) =>
        b.SizeBytes is > 0 ? $"{Bytes.Format(b.ResidentBytes)} ({Percent(100.0 * b.ResidentBytes / b.SizeBytes.Value)})" : Bytes.Format(b.ResidentBytes);

    static string Percent(double p) => p.ToString(p % 1 == 0 ? "0" : "0.#", CultureInfo.InvariantCulture) + "%";
}
