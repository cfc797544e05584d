using Hostmem.Qemu;

namespace Hostmem.Planning;

/// <summary>
/// The ids of the backends hostmem places: each becomes a guest node's memdev=, so an id QEMU refuses, or one taken by
/// two backends, would be planned as nodes QEMU never makes. Refused up front in QEMU's words.
/// </summary>
public static class BackendIds
{
    public static void Check(IReadOnlyList<MemoryBackend> backends, Func<MemoryBackend, bool> placed)
    {
        ArgumentNullException.ThrowIfNull(backends);
        ArgumentNullException.ThrowIfNull(placed);
        foreach (var b in backends.Where(placed))
            if (b.Id is { Length: > 0 } id && !QemuIdentifier.IsWellFormed(id))
                throw new UserError($"{b.QomType} '{id}': {QemuIdentifier.Refusal}", $"{QemuIdentifier.Rule} E.g. id=mem1");
        var twice = backends.Where(b => b.Id is not null).GroupBy(b => b.Id!, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1 && g.Any(placed));
        if (twice is not null)
            throw new UserError($"two -object memory-backend-* with id={twice.Key}: Duplicate ID '{twice.Key}' for object", "give each -object its own id=");
    }
}
