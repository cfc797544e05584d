using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Hostmem.Cli.Output;

/// <summary>
/// stdout and stderr as hostmem writes them. A write that fails (stdout closed with >&-, a full disk, a reader that went
/// away) becomes an <see cref="OutputFailed"/>, which the CLI's edge turns into one line and exit 2 instead of the
/// runtime's stack trace and abort.
/// </summary>
public static class StandardStreams
{
    /// <summary>Routes Console.Out and Console.Error (and so System.CommandLine's help and errors) through the guard.</summary>
    public static void Install()
    {
        Console.SetOut(Writer(Open(1), "stdout"));
        Console.SetError(Writer(Open(2), "stderr"));
    }

    /// <summary>stdout for a single write of bytes (JSON, a domain file), guarded like Console.Out.</summary>
    public static Stream Stdout() => new Guarded(Open(1), "stdout");

    /// <summary>A JSON report and a newline on stdout in one write(2), as Console.Out.WriteLine would write them, without
    /// the UTF-16 string in between (a 128-node plan's JSON is 1 MB, twice that as a string). The serializer writes into
    /// one buffer of <paramref name="sizeHint"/> bytes: a buffer grown by doubling from 16 KB to 1 MB was an eighth of a
    /// 128-node plan (its copies, and the page faults of each new array).</summary>
    public static void WriteJsonLine<T>(T value, JsonTypeInfo<T> info, int sizeHint = 0)
    {
        var o = info.Options; // the writer formats: it must be told what the context's options say
        WriteJsonLine(w => JsonSerializer.Serialize(w, value, info), new JsonWriterOptions
        {
            Indented = o.WriteIndented, IndentCharacter = o.IndentCharacter, IndentSize = o.IndentSize, NewLine = o.NewLine,
            Encoder = o.Encoder, MaxDepth = o.MaxDepth is 0 ? 64 : o.MaxDepth,
        }, sizeHint);
    }

    /// <summary>JSON that <paramref name="write"/> writes, and a newline, on stdout in one write(2).</summary>
    public static void WriteJsonLine(Action<Utf8JsonWriter> write, JsonWriterOptions options, int sizeHint)
    {
        var buffer = new ArrayBufferWriter<byte>(Math.Max(sizeHint, 256));
        using (var writer = new Utf8JsonWriter(buffer, options))
            write(writer);
        buffer.Write("\n"u8);
        Console.Out.Flush();
        using var stdout = Stdout();
        stdout.Write(buffer.WrittenSpan);
    }

    /// <summary>The descriptor as a plain unbuffered stream. The runtime's console stream sends the terminal's keypad
    /// mode sequence (ESC[?1h ESC=) before its first write to a terminal, escape codes even with NO_COLOR. A closed
    /// descriptor is found on the first write (EBADF), and said like any other failure.</summary>
    static Stream Open(int fd) => new DescriptorStream(fd);

    static TextWriter Writer(Stream s, string name) =>
        TextWriter.Synchronized(new StreamWriter(new Guarded(s, name), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { AutoFlush = true });

    /// <summary>A console stream whose write failures say which stream failed and why.</summary>
    sealed class Guarded(Stream inner, string name) : Stream
    {
        const int EPIPE = 32;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            try { inner.Write(buffer); }
            // The runtime says EBADF (a closed descriptor) as "access denied"; EPIPE comes as an IOException with errno 32.
            catch (IOException e) { throw new OutputFailed(name, e.HResult == EPIPE ? null : e.Message.Split('\n')[0]); }
            catch (UnauthorizedAccessException) { throw new OutputFailed(name, "it is closed"); }
        }

        public override void Flush()
        {
            try { inner.Flush(); }
            catch (IOException e) { throw new OutputFailed(name, e.HResult == EPIPE ? null : e.Message.Split('\n')[0]); }
            catch (UnauthorizedAccessException) { throw new OutputFailed(name, "it is closed"); }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}

/// <summary>Writing stdout or stderr failed; <see cref="Reason"/> is null for a broken pipe (the reader stopped reading,
/// as `hostmem topology | head -1` does), which is not worth a message.</summary>
public sealed class OutputFailed(string stream, string? reason) : Exception($"cannot write to {stream}: {reason ?? "broken pipe"}")
{
    public string Stream { get; } = stream;
    public string? Reason { get; } = reason;
}
