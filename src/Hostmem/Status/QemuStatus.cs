using Hostmem.Qmp;

namespace Hostmem.Status;

/// <summary>Where the backends' ids, sizes and policies came from.</summary>
public enum BackendSource
{
    /// <summary>QMP query-memdev: every backend QEMU has.</summary>
    Qmp,
    /// <summary>QEMU's command line (no QMP): backends added later with object-add are missing.</summary>
    CommandLine,
    /// <summary>Neither: only mappings with an explicit policy, ids unknown.</summary>
    None,
}

/// <summary>What <c>hostmem status</c> found about one running QEMU.</summary>
public sealed record QemuStatusReport(
    int Pid,
    string? QmpSocket,
    string? QemuVersion,
    BackendSource Source,
    IReadOnlyList<BackendPlacement> Backends,
    IReadOnlyList<string> Notes)
{
    public bool HasProblem => Backends.Any(b => b.HasProblem);

    /// <summary>A backend no mapping could be tied to: its pages were not checked, so "all is well" cannot be said.</summary>
    public bool HasUnknownPlacement => Backends.Any(b => b.Match == BackendMatch.Unmatched);
}

/// <summary>
/// Reads a running QEMU: its backends over QMP (query-memdev, info ramblock), their pages from /proc/PID/numa_maps.
/// Only reads: QMP queries change nothing, and the /proc files need no more right than reading that process.
/// </summary>
public static class QemuStatus
{
    public static QemuStatusReport Read(int? pid, string? qmpSocket, TimeSpan timeout, string procRoot = "/proc")
    {
        var notes = new List<string>();
        QmpClient? client = null;
        try
        {
            if (qmpSocket is not null)
            {
                client = QmpClient.Connect(qmpSocket, timeout);
                if (pid is { } given && client.PeerPid is { } peer && peer != given)
                    throw new UserError($"QMP socket {qmpSocket} belongs to process {peer}, not {given}",
                        "give the --pid and --qmp of the same QEMU, or only one of them");
                pid ??= client.PeerPid ?? throw new UserError($"cannot tell which process listens on {qmpSocket} (it runs in another PID namespace?)",
                    "give its PID as seen from here with --pid as well");
            }
            if (pid is not { } id) throw new UserError("no QEMU given", "give --pid PID or --qmp SOCKET (or both)");
            var files = new ProcessFiles(id, procRoot);
            files.MustExist();
            var argv = files.CommandLine();
            QemuProcess.MustBeRunningQemu(files, argv);
            files.ReadNumaMaps(); // fail early, before talking to QEMU, when the process's files cannot be read
            if (client is null)
                (client, qmpSocket) = ConnectFromCommandLine(files, argv, timeout, notes);
            if (client is null) return WithoutQmp(files, argv, notes);
            var memdevs = QueryMemdev(client, qmpSocket);
            IReadOnlyList<RamBlock>? blocks = null;
            string? why = null;
            try
            {
                blocks = RamBlocks.Parse(client.Human("info ramblock"));
                if (blocks is null) why = $"QEMU {client.Version}'s 'info ramblock' shows no host addresses";
            }
            catch (QmpCommandException e)
            {
                why = $"'info ramblock' failed: {e.Description}";
            }
            // Read after QMP answered: QEMU greets only once preallocation is done.
            var backends = PlacementAnalysis.WithQmp(memdevs, blocks, files.ReadNumaMaps(), files.MappingEnds(), why);
            if (why is not null && backends.Any(b => b.Match is BackendMatch.MappingSize or BackendMatch.MappingSizeAndPolicy))
                notes.Add($"backends tied to mappings by size and policy: {why}");
            return new QemuStatusReport(id, qmpSocket, client.Version.ToString(), BackendSource.Qmp, backends, notes);
        }
        finally
        {
            client?.Dispose();
        }
    }

    static List<QmpMemdev> QueryMemdev(QmpClient client, string? socket)
    {
        List<QmpMemdev> memdevs;
        try { memdevs = client.Execute("query-memdev", QmpJson.Default.ListQmpMemdev); }
        catch (QmpCommandException e)
        {
            // qemu-storage-daemon --monitor, for one, speaks QMP but has no guest memory: CommandNotFound.
            throw new UserError($"QMP socket {socket} answers, but not as a QEMU system emulator: query-memdev: {e.ErrorClass}: {e.Description}",
                "give the QMP socket of the qemu-system-* process that runs the VM (not qemu-storage-daemon's)");
        }
        // QMP's schema makes policy and host-nodes mandatory; an answer without them is not QEMU's.
        if (memdevs.Any(m => m is null || m.Policy is null || m.HostNodes is null))
            throw new UserError($"QEMU's answer to query-memdev is not what QMP documents: a memory backend without policy or host-nodes",
                "give the QMP socket of a QEMU system emulator (hostmem knows QEMU 7.2 to 10)");
        return memdevs;
    }

    /// <summary>No QMP: the backends on QEMU's command line, tied by their mapping's size and policy, plus every other
    /// mapping with an explicit policy (a backend added later, ids unknown).</summary>
    static QemuStatusReport WithoutQmp(ProcessFiles files, IReadOnlyList<string> argv, List<string> notes)
    {
        var maps = files.ReadNumaMaps();
        var ends = files.MappingEnds();
        var asked = CommandLineBackends.From(argv);
        var tied = PlacementAnalysis.WithQmp(asked, null, maps, ends, "no QMP, sizes and policies from QEMU's command line");
        var taken = tied.Where(b => b.HostAddress is not null).Select(b => b.HostAddress!.Value).ToHashSet();
        var others = PlacementAnalysis.FromNumaMapsOnly(maps, ends).Where(b => !taken.Contains(b.HostAddress!.Value)).ToList();
        if (asked.Count > 0)
            notes.Add("no QMP: backends from QEMU's command line (object-add'ed ones are missing), tied to mappings by size and policy");
        if (others.Count > 0 || asked.Count == 0)
            notes.Add("mappings without an id: those with an explicit policy (bind, prefer, interleave) other than QEMU's own, and QEMU's memfds");
        return new QemuStatusReport(files.Pid, null, null, asked.Count > 0 ? BackendSource.CommandLine : BackendSource.None, [.. tied, .. others], notes);
    }

    /// <summary>The first QMP socket on QEMU's command line that answers, and its path as shown; (null, null) when none.</summary>
    static (QmpClient?, string?) ConnectFromCommandLine(ProcessFiles files, IReadOnlyList<string> argv, TimeSpan timeout, List<string> notes)
    {
        var found = MonitorSockets.Find(argv);
        foreach (var why in found.Unusable) notes.Add($"QMP monitor not usable: {why}");
        if (found.Sockets.Count == 0 && found.Unusable.Count == 0) notes.Add("QEMU's command line has no QMP socket (-qmp unix:PATH,server=on)");
        foreach (var s in found.Sockets)
        {
            var path = s.Abstract ? s.Path : files.ResolvePath(s.Path);
            // A QEMU in another mount namespace or chroot: reach its socket through its root.
            if (!s.Abstract && !File.Exists(path) && Path.IsPathRooted(s.Path)) path = Path.Join(files.Folder, "root", s.Path);
            try
            {
                var client = QmpClient.Connect(path, timeout, s.Abstract);
                if (client.PeerPid is { } peer && peer != files.Pid)
                {
                    notes.Add($"QMP socket {path} ({s.Option}) belongs to process {peer}, not {files.Pid}");
                    client.Dispose();
                    continue;
                }
                return (client, s.Abstract ? "@" + s.Path : path);
            }
            catch (UserError e)
            {
                notes.Add($"QMP socket from {s.Option}: {e.Problem}");
            }
        }
        return (null, null);
    }
}
