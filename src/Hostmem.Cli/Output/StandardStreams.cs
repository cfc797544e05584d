using System.Text;

namespace Hostmem.Cli.Output;

/// <summary>
/// stdout and stderr as hostmem writes them (<see cref="DescriptorStream"/>). A write that fails (stdout closed with >&-,
/// a full disk, a reader that went away) becomes an <see cref="OutputFailed"/>, which the CLI's edge turns into one line
/// and exit 2 instead of the runtime's stack trace and abort.
/// </summary>
public static class StandardStreams
{
    /// <summary>Routes Console.Out and Console.Error (and so System.CommandLine's help and errors) through write(2).</summary>
    public static void Install()
    {
        Console.SetOut(Writer(new DescriptorStream(1, "stdout")));
        Console.SetError(Writer(new DescriptorStream(2, "stderr")));
    }

    /// <summary>stdout for a single write of bytes (JSON, a domain file), written like Console.Out.</summary>
    public static Stream Stdout() => new DescriptorStream(1, "stdout");

    // Not the runtime's console stream: it sends the terminal's keypad mode sequence (ESC[?1h ESC=) before its first
    // write to a terminal, escape codes even with NO_COLOR.
    static TextWriter Writer(Stream s) =>
        TextWriter.Synchronized(new StreamWriter(s, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { AutoFlush = true });
}

/// <summary>Writing stdout or stderr failed; <see cref="Reason"/> is null for a broken pipe (the reader stopped reading,
/// as `hostmem topology | head -1` does), which is not worth a message.</summary>
public sealed class OutputFailed(string stream, string? reason) : Exception($"cannot write to {stream}: {reason ?? "broken pipe"}")
{
    public string Stream { get; } = stream;
    public string? Reason { get; } = reason;
}
