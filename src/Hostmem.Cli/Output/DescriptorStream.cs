using System.Runtime.InteropServices;

namespace Hostmem.Cli.Output;

/// <summary>
/// stdout or stderr written with plain write(2), as any CLI writes them: the kernel appends at the descriptor's shared
/// offset, so `hostmem ... &gt; out 2&gt;&amp;1` and `{ echo A; hostmem ...; echo B; } &gt; out` keep every byte in order.
/// (The runtime's FileStream writes a regular file with pwrite at an offset of its own, and overwrote the other stream,
/// the shell's lines and, under exec, QEMU's own messages.) Failures come out as <see cref="OutputFailed"/>.
/// </summary>
internal sealed partial class DescriptorStream(int fd, string name) : Stream
{
    const int EINTR = 4, EBADF = 9, EPIPE = 32;

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint WriteNative(int fd, byte* buffer, nuint count);

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Flush() { } // nothing is buffered here

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override unsafe void Write(ReadOnlySpan<byte> buffer)
    {
        fixed (byte* start = buffer)
        {
            int done = 0;
            while (done < buffer.Length) // a pipe or a terminal may take part of a write
            {
                nint n = WriteNative(fd, start + done, (nuint)(buffer.Length - done));
                if (n >= 0) { done += (int)n; continue; }
                int errno = Marshal.GetLastPInvokeError();
                if (errno == EINTR) continue;
                throw new OutputFailed(name, errno switch
                {
                    EPIPE => null,
                    EBADF => "it is closed",
                    _ => Marshal.GetPInvokeErrorMessage(errno),
                });
            }
        }
    }
}
