using System.Runtime.InteropServices;

namespace Hostmem.Cli.Output;

/// <summary>
/// An inherited descriptor (stdout, stderr) written with write(2), which moves the offset the shell shares with the
/// commands around hostmem. A FileStream on a redirected file writes with pwrite(2) at its own position instead, so in
/// '{ echo a; hostmem --version; echo b; } > log' the next writer overwrote hostmem's output.
/// </summary>
sealed partial class DescriptorStream(int fd) : Stream
{
    const int EINTR = 4, EBADF = 9;

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint WriteNative(int fd, byte* buffer, nuint count);

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <summary>Writes it all (a pipe may take part of it); the errno becomes an IOException whose HResult is the errno,
    /// EBADF (a closed descriptor) an UnauthorizedAccessException, as the runtime's own streams say them.</summary>
    public override unsafe void Write(ReadOnlySpan<byte> buffer)
    {
        fixed (byte* start = buffer)
        {
            int done = 0;
            while (done < buffer.Length)
            {
                nint n = WriteNative(fd, start + done, (nuint)(buffer.Length - done));
                if (n >= 0) { done += (int)n; continue; }
                int errno = Marshal.GetLastPInvokeError();
                if (errno == EINTR) continue;
                if (errno == EBADF) throw new UnauthorizedAccessException(Marshal.GetPInvokeErrorMessage(errno));
                throw new IOException(Marshal.GetPInvokeErrorMessage(errno), errno);
            }
        }
    }
}
