using System.Text.Json.Serialization;

namespace Hostmem.Export;

/// <summary>Source-generated JSON (NativeAOT and trimming safe): snake_case keys, nulls kept, indented.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(TopologyReport))]
public sealed partial class HostmemJson : JsonSerializerContext;
