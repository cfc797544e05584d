namespace Hostmem.Qemu;

/// <summary>
/// An option that asks QEMU for help instead of starting a guest: <c>-machine help</c>, <c>-machine q35,help</c>,
/// <c>-object memory-backend-ram,help</c>, <c>-device cxl-type3,?</c>, <c>-cpu help</c> (QemuOpts' is_help_option:
/// a bare "help" or "?" element). QEMU prints the help and exits 0; there is nothing to plan or lint.
/// </summary>
public static class HelpRequest
{
    /// <summary>Options whose arguments QEMU reads as QemuOpts or keyval and answers "help" for.</summary>
    static readonly HashSet<string> Answering = new(StringComparer.Ordinal)
    {
        "machine", "cpu", "device", "object", "accel", "chardev", "netdev", "display", "audiodev", "global",
    };

    /// <summary>The first option asking for help, or null.</summary>
    public static QemuArgument? Find(QemuCommandLine command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return command.Arguments.FirstOrDefault(a => !a.IsPositional && Answering.Contains(a.Canonical) && a.Value is { } v && !a.IsJson && AsksForHelp(v));
    }

    static bool AsksForHelp(string value) => Elements(value).Any(e => e is "help" or "?");

    /// <summary>The comma-separated elements, a doubled comma being a comma inside one. Not <see cref="OptionString"/>:
    /// its keyval reading refuses a bare "help" (as QEMU's keyval parser would, had QEMU not looked for help first).</summary>
    static IEnumerable<string> Elements(string value)
    {
        var current = new System.Text.StringBuilder();
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] != ',') { current.Append(value[i]); continue; }
            if (i + 1 < value.Length && value[i + 1] == ',') { current.Append(','); i++; continue; }
            yield return current.ToString();
            current.Clear();
        }
        yield return current.ToString();
    }
}
