using System.Globalization;

namespace Hostmem.Libvirt;

/// <summary>
/// libvirt's scaled integers (formatdomain "Memory Allocation"): a value and a <c>unit</c> of b/bytes, KB, k/KiB, MB,
/// M/MiB, GB, G/GiB, TB, T/TiB, PB, P/PiB, EB, E/EiB, matched without regard to case; xB is a power of 1000, x and xiB of 1024.
/// </summary>
public static class LibvirtUnits
{
    public const ulong KiB = 1024;

    /// <summary>The unit's size in bytes; null when libvirt would not accept it.</summary>
    public static ulong? Scale(string unit)
    {
        string u = unit.Trim();
        if (u.Length == 0) return null;
        if (u.Equals("b", StringComparison.OrdinalIgnoreCase) || u.Equals("byte", StringComparison.OrdinalIgnoreCase)
            || u.Equals("bytes", StringComparison.OrdinalIgnoreCase)) return 1;
        int power = char.ToLowerInvariant(u[0]) switch { 'k' => 1, 'm' => 2, 'g' => 3, 't' => 4, 'p' => 5, 'e' => 6, _ => 0 };
        if (power == 0) return null;
        string rest = u[1..];
        ulong @base = rest.Length == 0 || rest.Equals("iB", StringComparison.OrdinalIgnoreCase) ? 1024
            : rest.Equals("B", StringComparison.OrdinalIgnoreCase) ? 1000UL : 0;
        if (@base == 0) return null;
        ulong scale = 1;
        for (int i = 0; i < power; i++) scale *= @base;
        return scale;
    }

    /// <summary>VALUE in UNIT (default <paramref name="defaultUnit"/>) as bytes; null when either is not libvirt's or it overflows.</summary>
    public static ulong? TryParse(string value, string? unit, string defaultUnit = "KiB")
    {
        if (!ulong.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out ulong n)) return null;
        if (Scale(unit ?? defaultUnit) is not { } scale) return null;
        try { return checked(n * scale); }
        catch (OverflowException) { return null; }
    }

    /// <summary>A size typed on the command line: a number and a unit with no space (16GiB, 512M, 1048576KiB).</summary>
    public static ulong? TryParseSize(string text)
    {
        string t = text.Trim();
        int i = 0;
        while (i < t.Length && char.IsAsciiDigit(t[i])) i++;
        if (i == 0 || i == t.Length) return null; // a bare number is ambiguous (libvirt's default unit is KiB, QEMU's MiB)
        return TryParse(t[..i], t[i..]);
    }

    /// <summary>Exactly, in the largest binary unit that divides it ("1152 MiB", "16 GiB"): sizes that must add up are not rounded.</summary>
    public static string FormatExact(ulong bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        int u = 0;
        while (u < units.Length - 1 && bytes != 0 && bytes % 1024 == 0) { bytes /= 1024; u++; }
        return $"{bytes.ToString(CultureInfo.InvariantCulture)} {units[u]}";
    }

    /// <summary>Bytes as libvirt writes them back: whole KiB.</summary>
    public static string FormatKiB(ulong bytes) => (bytes / KiB).ToString(CultureInfo.InvariantCulture);
}
