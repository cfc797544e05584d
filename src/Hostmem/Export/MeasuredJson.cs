using System.Text.Json.Serialization;

namespace Hostmem.Export;

/// <summary>
/// Source-generated JSON (NativeAOT and trimming safe) for the <c>measured</c> part of the topology report (--figures):
/// snake_case keys, nulls kept, indented, as <see cref="TopologyJson"/> writes the rest. Serialization only: the
/// generated fast path writes without building (reflection-backed) property metadata.
/// </summary>
[JsonSourceGenerationOptions(
    GenerationMode = JsonSourceGenerationMode.Serialization,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(MeasuredReport))]
public sealed partial class MeasuredJson : JsonSerializerContext;
