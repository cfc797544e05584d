namespace Hostmem.Qemu;

/// <summary>QEMU's rule for object and device ids (util/id.c, id_wellformed): a letter, then letters, digits, '-', '.', '_'.</summary>
public static class QemuIdentifier
{
    /// <summary>QEMU's words when it refuses an id (after its "option: " prefix), and its explanation.</summary>
    public const string Refusal = "Parameter 'id' expects an identifier";
    public const string Rule = "Identifiers consist of letters, digits, '-', '.', '_', starting with a letter.";

    public static bool IsWellFormed(string id) =>
        id.Length > 0 && char.IsAsciiLetter(id[0]) && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_');
}
