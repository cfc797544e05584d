using Hostmem.Qemu;

namespace Hostmem.Status;

/// <summary>A QMP server socket named on QEMU's command line: its path (relative paths are relative to QEMU's working
/// folder), whether it is an abstract socket name, and the option that named it.</summary>
public sealed record MonitorSocket(string Path, bool Abstract, string Option);

/// <summary>
/// Finds QMP server sockets in a QEMU command line (as read from /proc/PID/cmdline):
/// <c>-qmp unix:PATH,server=on</c> (and <c>-qmp-pretty</c>), <c>-qmp chardev:ID</c>, and <c>-mon chardev=ID,mode=control</c>
/// with <c>-chardev socket,id=ID,path=PATH,server=on</c>. <c>-monitor</c> and <c>-mon</c> without mode=control are the
/// human monitor (HMP), not QMP. A monitor passed as a file descriptor (libvirt's <c>fd=</c>) or over TCP is reported in
/// <see cref="Unusable"/> with the reason.
/// </summary>
public sealed class MonitorSockets
{
    public IReadOnlyList<MonitorSocket> Sockets { get; }

    /// <summary>QMP monitors that exist but cannot be reached by path, each with why.</summary>
    public IReadOnlyList<string> Unusable { get; }

    MonitorSockets(IReadOnlyList<MonitorSocket> sockets, IReadOnlyList<string> unusable)
    {
        Sockets = sockets;
        Unusable = unusable;
    }

    public static MonitorSockets Find(IReadOnlyList<string> argv)
    {
        QemuCommandLine line;
        try { line = QemuCommandLine.Parse(argv); }
        catch (UserError) { return new([], []); }
        var sockets = new List<MonitorSocket>();
        var unusable = new List<string>();
        var chardevs = new Dictionary<string, (OptionString Options, string Display)>(StringComparer.Ordinal);
        foreach (var (_, a) in line.Find("chardev"))
            if (TryParse(a.Value!, "backend") is { } o && o.Get("id") is { } id) chardevs.TryAdd(id, (o, a.Display));

        void FromChardev(string id, string display)
        {
            if (!chardevs.TryGetValue(id, out var c)) { unusable.Add($"{display}: no -chardev with id={id}"); return; }
            Add(c.Options.Get("backend"), c.Options, c.Display);
        }

        void Add(string? backend, OptionString o, string display)
        {
            if (backend is not ("socket" or "unix")) { unusable.Add($"{display}: a {backend ?? "non-socket"} chardev, not a unix socket"); return; }
            if (o.Get("fd") is not null) { unusable.Add($"{display}: the socket is passed as a file descriptor (libvirt does this), it has no path"); return; }
            if (o.Get("host") is not null || o.Get("port") is not null) { unusable.Add($"{display}: a TCP socket; status talks to unix sockets only"); return; }
            if (!IsOn(o.Get("server"))) { unusable.Add($"{display}: QEMU is the client of that socket (no server=on), nothing to connect to"); return; }
            if (o.Get("path") is not { Length: > 0 } path) { unusable.Add($"{display}: no path="); return; }
            sockets.Add(new MonitorSocket(path, IsOn(o.Get("abstract")), display));
        }

        foreach (var (_, a) in line.Find("qmp").Concat(line.Find("qmp-pretty")).OrderBy(x => x.Index))
        {
            var spec = a.Value!;
            if (spec.StartsWith("chardev:", StringComparison.Ordinal)) FromChardev(spec["chardev:".Length..], a.Display);
            else if (spec.StartsWith("unix:", StringComparison.Ordinal) && TryParse(spec["unix:".Length..], "path") is { } o) Add("unix", o, a.Display);
            else unusable.Add($"{a.Display}: not a unix socket");
        }
        foreach (var (_, a) in line.Find("mon"))
        {
            if (TryParse(a.Value!, "chardev") is not { } o || o.Get("mode") != "control") continue;
            if (o.Get("chardev") is { } id) FromChardev(id, a.Display);
        }
        return new(sockets, unusable);
    }

    static OptionString? TryParse(string text, string impliedKey)
    {
        try { return OptionString.Parse(text, QemuOptionSyntax.QemuOpts, impliedKey); }
        catch (UserError) { return null; }
    }

    // QEMU's boolean spellings (qapi/qapi-util.c qapi_bool_parse).
    static bool IsOn(string? value) => value is "on" or "yes" or "true" or "y";
}
