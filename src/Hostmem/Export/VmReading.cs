using Hostmem.Status;

namespace Hostmem.Export;

/// <summary>What <c>hostmem status --pid</c> finds for one running QEMU, or why it could not look.</summary>
public sealed record VmReading(RunningQemu Qemu, QemuStatusReport? Report, string? Problem)
{
    /// <summary>Every QEMU on the host, each read as <c>status --pid</c> reads it (QMP from its command line when it
    /// answers within <paramref name="qmpTimeout"/>, else its command line's backends).</summary>
    public static IReadOnlyList<VmReading> ReadAll(TimeSpan qmpTimeout, string procRoot = "/proc") =>
        [.. QemuProcesses.Find(procRoot).Select(q => Read(q, qmpTimeout, procRoot))];

    public static VmReading Read(RunningQemu qemu, TimeSpan qmpTimeout, string procRoot = "/proc")
    {
        try
        {
            return new(qemu, QemuStatus.Read(qemu.Pid, null, qmpTimeout, procRoot), null);
        }
        catch (UserError e)
        {
            return new(qemu, null, e.Problem); // ended meanwhile, or not ours to read: counted, not fatal
        }
    }
}
