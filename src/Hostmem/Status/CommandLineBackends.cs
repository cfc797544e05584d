using Hostmem.Qemu;
using Hostmem.Qmp;

namespace Hostmem.Status;

/// <summary>
/// The memory backends a QEMU command line asks for, in query-memdev's shape: what <c>status --pid</c> knows of the
/// backends when QMP cannot be reached. Backends added later with object-add, and the implicit main RAM of <c>-m</c>
/// without a memdev, are not on the command line.
/// </summary>
public static class CommandLineBackends
{
    public static IReadOnlyList<QmpMemdev> From(IReadOnlyList<string> argv)
    {
        var result = new List<QmpMemdev>();
        try
        {
            foreach (var b in QemuCommandLine.Parse(argv).MemoryBackends())
            {
                try
                {
                    if (b.Id is not { } id || b.Size is not { } size) continue;
                    var nodes = b.HostNodes.Select(n => (int)n).Distinct().Order().ToList();
                    var prealloc = b.Get("prealloc") is "on" or "yes" or "true" or "y";
                    result.Add(new QmpMemdev(id, size, true, true, prealloc, null, null, nodes, b.Policy ?? "default"));
                }
                catch (UserError) { } // QEMU would not have started with it; nothing to tie
            }
        }
        catch (UserError) { }
        return result;
    }
}
