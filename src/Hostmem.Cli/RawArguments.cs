using System.Text;

namespace Hostmem.Cli;

/// <summary>
/// The runtime decodes argv as UTF-8 and replaces bytes that are not UTF-8 with U+FFFD, so an argument like a Latin-1 file
/// name would reach QEMU changed (hostmem promises every other argument byte for byte). Such a command line is refused.
/// </summary>
public static class RawArguments
{
    static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static void CheckUtf8(string[] args)
    {
        // Cheap in the common case: only an argument with U+FFFD can have been changed.
        if (!args.Any(a => a.Contains('\uFFFD'))) return;
        byte[] raw;
        try { raw = File.ReadAllBytes("/proc/self/cmdline"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return; }
        var words = raw.AsSpan().TrimEnd((byte)0).ToArray().Split(0);
        // cmdline holds the program (argv[0]) before args.
        for (int i = 1; i < words.Count; i++)
        {
            try { Strict.GetString(words[i]); }
            catch (DecoderFallbackException)
            {
                int n = i - 1;
                throw new UserError($"argument {n + 1} ('{(n < args.Length ? args[n] : "?")}') is not UTF-8 text: hostmem would pass it on changed",
                    "write it in UTF-8 (e.g. rename a file whose name is in another encoding), or run QEMU without hostmem");
            }
        }
    }

    static List<byte[]> Split(this byte[] bytes, byte separator)
    {
        var words = new List<byte[]>();
        int start = 0;
        for (int i = 0; i <= bytes.Length; i++)
        {
            if (i < bytes.Length && bytes[i] != separator) continue;
            words.Add(bytes[start..i]);
            start = i + 1;
        }
        return words;
    }
}
