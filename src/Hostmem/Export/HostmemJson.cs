using System.Text.Json.Serialization;

namespace Hostmem.Export;

/// <summary>
/// Source-generated JSON (NativeAOT and trimming safe): snake_case keys, nulls kept, indented. Serialization
/// only: the generated fast path writes without building (reflection-backed) property metadata at start-up.
/// </summary>
[JsonSourceGenerationOptions(
    GenerationMode = JsonSourceGenerationMode.Serialization,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(TopologyReport))]
public sealed partial class HostmemJson : JsonSerializerContext;
