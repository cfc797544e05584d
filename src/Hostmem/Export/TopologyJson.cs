using System.Text.Json;

namespace Hostmem.Export;

/// <summary>
/// Writes <see cref="TopologyReport"/> as `hostmem topology --format json` prints it: keys in snake_case, in the records'
/// order, every key present (null when absent). Written field by field rather than by System.Text.Json's serializer: its
/// type metadata (converters, polymorphism attributes read by reflection) was a third of a topology run, for a shape
/// that is fixed. `measured` (only with --figures) goes through the serializer, as the probe's report does: the two
/// share those keys. TopologyJsonTests check the output against the serializer's over every recorded tree.
/// </summary>
public static class TopologyJson
{
    public static readonly JsonWriterOptions Options = new() { Indented = true, Encoder = AsciiJsonEncoder.Instance };

    public static void Write(Utf8JsonWriter w, TopologyReport r)
    {
        w.WriteStartObject();
        w.WriteString("hostmem_version"u8, r.HostmemVersion);
        w.WriteString("sysfs"u8, r.Sysfs);
        List(w, "nodes"u8, r.Nodes, Node);
        Cxl(w, r.Cxl);
        List(w, "dax"u8, r.Dax, Dax);
        List(w, "tiers"u8, r.Tiers, Tier);
        Hmat(w, r.Hmat);
        List(w, "diagnostics"u8, r.Diagnostics, Diagnostic);
        if (r.Measured is { } m)
        {
            w.WritePropertyName("measured"u8);
            JsonSerializer.Serialize(w, m, MeasuredJson.Default.MeasuredReport);
        }
        w.WritePropertyName("weighted_interleave"u8);
        if (r.WeightedInterleave is { } wi)
        {
            w.WriteStartObject();
            Bool(w, "auto"u8, wi.Auto);
            List(w, "weights"u8, wi.Weights, (w, x) =>
            {
                w.WriteStartObject();
                w.WriteNumber("node"u8, x.Node);
                w.WriteNumber("weight"u8, x.Weight);
                w.WriteEndObject();
            });
            w.WriteEndObject();
        }
        else
        {
            w.WriteNullValue();
        }
        w.WriteEndObject();
    }

    static void Node(Utf8JsonWriter w, NodeReport n)
    {
        w.WriteStartObject();
        w.WriteNumber("node"u8, n.Node);
        w.WriteBoolean("online"u8, n.Online);
        w.WriteString("type"u8, n.Type);
        Number(w, "tier"u8, n.Tier);
        Ints(w, "cpus"u8, n.Cpus);
        Number(w, "mem_total_bytes"u8, n.MemTotalBytes);
        Number(w, "mem_free_bytes"u8, n.MemFreeBytes);
        w.WriteStartObject("distances"u8);
        foreach (var (to, distance) in n.Distances) w.WriteNumber(to, distance);
        w.WriteEndObject();
        Access(w, "access"u8, n.Access);
        Access(w, "access0"u8, n.Access0);
        Access(w, "access1"u8, n.Access1);
        List(w, "memory_side_caches"u8, n.MemorySideCaches, (w, c) =>
        {
            w.WriteStartObject();
            w.WriteNumber("level"u8, c.Level);
            w.WriteNumber("size_bytes"u8, c.SizeBytes);
            Number(w, "line_size_bytes"u8, c.LineSizeBytes);
            w.WriteString("indexing"u8, c.Indexing);
            w.WriteString("write_policy"u8, c.WritePolicy);
            w.WriteEndObject();
        });
        w.WriteString("backing_device"u8, n.BackingDevice);
        w.WriteString("cxl_window"u8, n.CxlWindow);
        Strings(w, "evidence"u8, n.Evidence);
        w.WriteEndObject();
    }

    static void Access(Utf8JsonWriter w, ReadOnlySpan<byte> name, AccessReport? a)
    {
        if (a is null)
        {
            w.WriteNull(name);
            return;
        }
        w.WriteStartObject(name);
        w.WriteString("class"u8, a.Class);
        Number(w, "read_latency_ns"u8, a.ReadLatencyNs);
        Number(w, "write_latency_ns"u8, a.WriteLatencyNs);
        Number(w, "read_bandwidth_mbps"u8, a.ReadBandwidthMbps);
        Number(w, "write_bandwidth_mbps"u8, a.WriteBandwidthMbps);
        Ints(w, "initiators"u8, a.Initiators);
        w.WriteString("source"u8, a.Source);
        w.WriteEndObject();
    }

    static void Cxl(Utf8JsonWriter w, CxlReport c)
    {
        w.WriteStartObject("cxl"u8);
        List(w, "memdevs"u8, c.Memdevs, (w, m) =>
        {
            w.WriteStartObject();
            w.WriteString("memdev"u8, m.Memdev);
            w.WriteNumber("ram_bytes"u8, m.RamBytes);
            w.WriteNumber("pmem_bytes"u8, m.PmemBytes);
            w.WriteString("serial"u8, m.Serial);
            Number(w, "numa_node"u8, m.NumaNode);
            w.WriteString("endpoint"u8, m.Endpoint);
            w.WriteString("firmware_version"u8, m.FirmwareVersion);
            w.WriteEndObject();
        });
        List(w, "decoders"u8, c.Decoders, (w, d) =>
        {
            w.WriteStartObject();
            w.WriteString("decoder"u8, d.Decoder);
            w.WriteString("kind"u8, d.Kind);
            w.WriteString("port"u8, d.Port);
            w.WriteString("start"u8, d.Start);
            Number(w, "size_bytes"u8, d.SizeBytes);
            w.WriteString("mode"u8, d.Mode);
            Number(w, "dpa_size_bytes"u8, d.DpaSizeBytes);
            Number(w, "interleave_ways"u8, d.InterleaveWays);
            Number(w, "interleave_granularity"u8, d.InterleaveGranularity);
            w.WriteString("region"u8, d.Region);
            w.WriteEndObject();
        });
        List(w, "regions"u8, c.Regions, Region);
        List(w, "windows"u8, c.Windows, (w, x) =>
        {
            w.WriteStartObject();
            w.WriteString("start"u8, x.Start);
            w.WriteString("end"u8, x.End);
            w.WriteNumber("size_bytes"u8, x.SizeBytes);
            w.WriteString("source"u8, x.Source);
            w.WriteEndObject();
        });
        w.WriteBoolean("windows_readable"u8, c.WindowsReadable);
        w.WriteEndObject();
    }

    static void Region(Utf8JsonWriter w, RegionReport r)
    {
        w.WriteStartObject();
        w.WriteString("region"u8, r.Region);
        w.WriteString("mode"u8, r.Mode);
        Number(w, "size_bytes"u8, r.SizeBytes);
        w.WriteString("resource"u8, r.Resource);
        w.WriteBoolean("committed"u8, r.Committed);
        Number(w, "interleave_ways"u8, r.InterleaveWays);
        Number(w, "interleave_granularity"u8, r.InterleaveGranularity);
        Strings(w, "targets"u8, r.Targets);
        w.WriteString("root_decoder"u8, r.RootDecoder);
        Access(w, "access0"u8, r.Access0);
        Access(w, "access1"u8, r.Access1);
        w.WriteString("dax_region"u8, r.DaxRegion);
        List(w, "dax"u8, r.Dax, (w, d) =>
        {
            w.WriteStartObject();
            w.WriteString("device"u8, d.Device);
            Number(w, "target_node"u8, d.TargetNode);
            w.WriteString("mode"u8, d.Mode);
            w.WriteEndObject();
        });
        w.WriteEndObject();
    }

    static void Dax(Utf8JsonWriter w, DaxReport d)
    {
        w.WriteStartObject();
        w.WriteString("device"u8, d.Device);
        Number(w, "size_bytes"u8, d.SizeBytes);
        Number(w, "target_node"u8, d.TargetNode);
        Number(w, "numa_node"u8, d.NumaNode);
        Number(w, "align_bytes"u8, d.AlignBytes);
        w.WriteString("mode"u8, d.Mode);
        w.WriteString("driver"u8, d.Driver);
        w.WriteString("parent_kind"u8, d.ParentKind);
        w.WriteString("parent"u8, d.Parent);
        w.WriteString("path"u8, d.Path);
        w.WriteEndObject();
    }

    static void Tier(Utf8JsonWriter w, TierReport t)
    {
        w.WriteStartObject();
        w.WriteNumber("tier"u8, t.Tier);
        w.WriteNumber("adistance_start"u8, t.AdistanceStart);
        Ints(w, "nodes"u8, t.Nodes);
        w.WriteEndObject();
    }

    static void Hmat(Utf8JsonWriter w, HmatReport h)
    {
        w.WriteStartObject("hmat"u8);
        w.WriteString("table"u8, h.Table);
        Number(w, "revision"u8, h.Revision);
        w.WriteBoolean("nodes_proven"u8, h.NodesProven);
        List(w, "domains"u8, h.Domains, (w, d) =>
        {
            w.WriteStartObject();
            w.WriteNumber("pxm"u8, d.Pxm);
            Number(w, "node"u8, d.Node);
            w.WriteBoolean("cpus"u8, d.Cpus);
            w.WriteBoolean("memory"u8, d.Memory);
            w.WriteBoolean("generic_initiator"u8, d.GenericInitiator);
            w.WriteBoolean("generic_port"u8, d.GenericPort);
            w.WriteString("port_handle"u8, d.PortHandle);
            w.WriteEndObject();
        });
        List(w, "matrix"u8, h.Matrix, (w, l) =>
        {
            w.WriteStartObject();
            w.WriteNumber("initiator_pxm"u8, l.InitiatorPxm);
            Number(w, "initiator_node"u8, l.InitiatorNode);
            w.WriteNumber("target_pxm"u8, l.TargetPxm);
            Number(w, "target_node"u8, l.TargetNode);
            w.WriteString("target_kind"u8, l.TargetKind);
            Number(w, "read_latency_ns"u8, l.ReadLatencyNs);
            Number(w, "write_latency_ns"u8, l.WriteLatencyNs);
            Number(w, "read_bandwidth_mbps"u8, l.ReadBandwidthMbps);
            Number(w, "write_bandwidth_mbps"u8, l.WriteBandwidthMbps);
            w.WriteBoolean("unreachable"u8, l.Unreachable);
            w.WriteEndObject();
        });
        Strings(w, "diagnostics"u8, h.Diagnostics);
        w.WriteEndObject();
    }

    static void Diagnostic(Utf8JsonWriter w, DiagnosticReport d)
    {
        w.WriteStartObject();
        w.WriteString("severity"u8, d.Severity);
        w.WriteString("code"u8, d.Code);
        w.WriteString("subject"u8, d.Subject);
        w.WriteString("message"u8, d.Message);
        w.WriteString("hint"u8, d.Hint);
        w.WriteEndObject();
    }

    static void List<T>(Utf8JsonWriter w, ReadOnlySpan<byte> name, IReadOnlyList<T> items, Action<Utf8JsonWriter, T> write)
    {
        w.WriteStartArray(name);
        for (int i = 0; i < items.Count; i++) write(w, items[i]);
        w.WriteEndArray();
    }

    static void Ints(Utf8JsonWriter w, ReadOnlySpan<byte> name, IReadOnlyList<int> items)
    {
        w.WriteStartArray(name);
        for (int i = 0; i < items.Count; i++) w.WriteNumberValue(items[i]);
        w.WriteEndArray();
    }

    static void Strings(Utf8JsonWriter w, ReadOnlySpan<byte> name, IReadOnlyList<string> items)
    {
        w.WriteStartArray(name);
        for (int i = 0; i < items.Count; i++) w.WriteStringValue(items[i]);
        w.WriteEndArray();
    }

    static void Number(Utf8JsonWriter w, ReadOnlySpan<byte> name, ulong? v)
    {
        if (v is { } x) w.WriteNumber(name, x);
        else w.WriteNull(name);
    }

    static void Number(Utf8JsonWriter w, ReadOnlySpan<byte> name, int? v)
    {
        if (v is { } x) w.WriteNumber(name, x);
        else w.WriteNull(name);
    }

    static void Bool(Utf8JsonWriter w, ReadOnlySpan<byte> name, bool? v)
    {
        if (v is { } x) w.WriteBoolean(name, x);
        else w.WriteNull(name);
    }
}
