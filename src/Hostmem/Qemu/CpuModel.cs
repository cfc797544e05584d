namespace Hostmem.Qemu;

/// <summary>
/// <c>-cpu MODEL[,+FEATURE|-FEATURE|FEATURE=on|off...]</c>, the last one given (QEMU keeps the last). QEMU splits the
/// argument on ',' without escapes; <c>+f</c>/<c>f=on</c> enable a feature, <c>-f</c>/<c>f=off</c> disable it.
/// </summary>
public sealed class CpuModel
{
    CpuModel(int index, string model, IReadOnlyDictionary<string, bool> features)
    {
        Index = index;
        Model = model;
        Features = features;
    }

    public int Index { get; }
    public string Model { get; }

    /// <summary>Features switched on (true) or off (false) on the command line, the last mention winning.</summary>
    public IReadOnlyDictionary<string, bool> Features { get; }

    /// <summary>Whether the command line switches the feature off (<c>-hypervisor</c>, <c>hypervisor=off</c>).</summary>
    public bool Disables(string feature) => Features.TryGetValue(feature, out bool on) && !on;

    /// <summary>The effective -cpu of a command line; null when absent (QEMU's default model).</summary>
    public static CpuModel? Of(QemuCommandLine command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var last = command.Find("cpu").LastOrDefault();
        if (last.Argument?.Value is not { } text) return null;
        var parts = text.Split(',');
        var features = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var p in parts.Skip(1).Where(p => p.Length > 0))
        {
            if (p[0] is '+' or '-') features[p[1..]] = p[0] == '+';
            else if (p.IndexOf('=') is int eq and > 0)
                features[p[..eq]] = p[(eq + 1)..] is "on" or "yes" or "true" or "y";
            else features[p] = true;
        }
        return new CpuModel(last.Index, parts[0], features);
    }
}
