using System.Text.Json.Serialization;

namespace Hostmem.Qmp;

/// <summary>The greeting QEMU sends first: <c>{"QMP": {"version": {"qemu": {...}, "package": ...}, "capabilities": [...]}}</c>.</summary>
public sealed record QmpGreeting([property: JsonPropertyName("QMP")] QmpGreetingBody? Qmp);

public sealed record QmpGreetingBody(QmpVersion? Version, IReadOnlyList<string>? Capabilities);

public sealed record QmpVersion(QmpVersionTriple? Qemu, string? Package)
{
    public override string ToString() => Qemu is { } v ? $"{v.Major}.{v.Minor}.{v.Micro}" : "unknown";
}

public sealed record QmpVersionTriple(int Major, int Minor, int Micro);

/// <summary>A command: <c>{"execute": "query-memdev"}</c>, with arguments when it has any.</summary>
public sealed record QmpRequest(string Execute, Dictionary<string, string>? Arguments = null);

public sealed record QmpError(string? Class, string? Desc);

/// <summary>One entry of <c>query-memdev</c> (qapi/machine.json Memdev): what QEMU made of a memory backend.</summary>
public sealed record QmpMemdev(string? Id, ulong Size, bool Merge, bool Dump, bool Prealloc, bool? Share, bool? Reserve,
    IReadOnlyList<int> HostNodes, string Policy);

/// <summary>One entry of <c>query-memory-devices</c> (qapi/machine.json MemoryDeviceInfo): a type and its data.</summary>
public sealed record QmpMemoryDevice(string Type, System.Text.Json.JsonElement Data);

/// <summary>The data of a <c>virtio-mem</c> entry (VirtioMEMDeviceInfo): sizes in bytes; <c>size</c> is what the guest has
/// plugged, <c>requested-size</c> what it was asked for, <c>max-size</c> the memdev's size.</summary>
public sealed record QmpVirtioMem(string? Id, string Memdev, ulong Memaddr, ulong RequestedSize, ulong Size, ulong MaxSize, ulong BlockSize, uint Node);

/// <summary>QMP is kebab-case (<c>host-nodes</c>); source-generated so NativeAOT needs no reflection.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.KebabCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(QmpGreeting))]
[JsonSerializable(typeof(QmpRequest))]
[JsonSerializable(typeof(QmpError))]
[JsonSerializable(typeof(List<QmpMemdev>))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(List<QmpMemoryDevice>))]
[JsonSerializable(typeof(QmpVirtioMem))]
public sealed partial class QmpJson : JsonSerializerContext;
