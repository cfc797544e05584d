using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Hostmem.Qmp;

/// <summary>A QMP command QEMU answered with an error (e.g. CommandNotFound on an older QEMU).</summary>
public sealed class QmpCommandException(string command, string errorClass, string description)
    : Exception($"{command}: {errorClass}: {description}")
{
    public string Command { get; } = command;
    public string ErrorClass { get; } = errorClass;
    public string Description { get; } = description;
}

/// <summary>
/// A small QMP client over a unix socket: connect, read the greeting, leave negotiation mode with qmp_capabilities,
/// then one command at a time (asynchronous events in between are skipped). Every wait is bounded by the time-out;
/// every failure to reach a QMP server is a <see cref="UserError"/> with a hint.
/// </summary>
public sealed class QmpClient : IDisposable
{
    /// <summary>The longest line read: QEMU's answers to what status asks are a few KiB; a server that sends more
    /// without a newline is not answering.</summary>
    public const int MaxLineBytes = 1 << 20;

    readonly Socket socket;
    readonly Stream stream;
    readonly string path;
    readonly TimeSpan timeout;
    readonly byte[] received = new byte[64 * 1024];
    int receivedStart, receivedEnd;

    QmpClient(Socket socket, string path, QmpVersion version, int? peerPid, TimeSpan timeout)
    {
        this.socket = socket;
        this.path = path;
        this.timeout = timeout;
        stream = new NetworkStream(socket, ownsSocket: false);
        Version = version;
        PeerPid = peerPid;
    }

    /// <summary>QEMU's version from the greeting.</summary>
    public QmpVersion Version { get; private set; }

    /// <summary>The process that listens on the socket (SO_PEERCRED), as this process's PID namespace sees it; null when
    /// it is in a namespace this one cannot see.</summary>
    public int? PeerPid { get; }

    /// <summary>Connects and greets. <paramref name="abstractName"/>: a Linux abstract socket name (chardev abstract=on).</summary>
    public static QmpClient Connect(string path, TimeSpan timeout, bool abstractName = false)
    {
        if (!abstractName && !File.Exists(path))
            throw new UserError(Directory.Exists(path) ? $"{path} is a folder, not a QMP socket" : $"no QMP socket at {path}",
                "give the path of QEMU's QMP socket: the PATH of -qmp unix:PATH,server=on,wait=off (or of a -chardev socket used by -mon mode=control)");
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            ConnectWithin(socket, new UnixDomainSocketEndPoint(abstractName ? "\0" + path : path), path, timeout);
            socket.ReceiveTimeout = (int)timeout.TotalMilliseconds;
            socket.SendTimeout = (int)timeout.TotalMilliseconds;
            var client = new QmpClient(socket, path, new QmpVersion(null, null), PeerPidOf(socket), timeout);
            client.Greet();
            return client;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw e.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => new UserError($"QMP socket {path} refused the connection: nothing listens there, or it is not a socket",
                    "check that QEMU still runs and give the socket of its -qmp option"),
                SocketError.AccessDenied => new UserError($"no permission to connect to QMP socket {path}",
                    "run hostmem status as the user that runs QEMU (or root); status only reads"),
                _ => new UserError($"cannot connect to QMP socket {path}: {e.Message}", "check the path and that QEMU still runs"),
            };
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Connects within the timeout. A listener whose queue is full (QEMU listens with a backlog of 1 and accepts no one
    /// while a client holds the monitor) answers a connect with EAGAIN at once, where a blocking connect would wait: wait
    /// and try again, so that a busy monitor always ends in the one "no QMP greeting" line, whatever the queue held.
    /// </summary>
    static void ConnectWithin(Socket socket, UnixDomainSocketEndPoint endpoint, string path, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            try
            {
                if (left <= TimeSpan.Zero) throw new OperationCanceledException();
                using var cts = new CancellationTokenSource(left);
                socket.ConnectAsync(endpoint, cts.Token).AsTask().GetAwaiter().GetResult();
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.TryAgain && left > TimeSpan.Zero)
            {
                Thread.Sleep(TimeSpan.FromMilliseconds(Math.Min(50, left.TotalMilliseconds)));
            }
            catch (OperationCanceledException)
            {
                throw NoGreeting(path, timeout);
            }
        }
    }

    static UserError NoGreeting(string path, TimeSpan timeout) => new($"no QMP greeting from {path} within {Seconds(timeout)}",
        "QMP serves one client at a time: another client (libvirt, a script) may hold it; QEMU also greets only after preallocating memory: give --timeout more seconds");

    void Greet()
    {
        var line = ReadLine("QMP greeting", DateTime.UtcNow + timeout);
        QmpGreeting? greeting = null;
        try { greeting = JsonSerializer.Deserialize(line, QmpJson.Default.QmpGreeting); }
        catch (JsonException) { }
        if (greeting?.Qmp is null)
            throw new UserError($"{path} is not a QMP socket: it said '{Shorten(line)}'",
                line.StartsWith("QEMU ", StringComparison.Ordinal)
                    ? "that is the human monitor (HMP, -monitor); give the socket of -qmp (or of -mon mode=control)"
                    : "give the socket of QEMU's -qmp option");
        Version = greeting.Qmp.Version ?? new QmpVersion(null, null);
        Execute("qmp_capabilities");
    }

    /// <summary>Runs a command; returns its "return" value.</summary>
    public JsonElement Execute(string command, Dictionary<string, string>? arguments = null) =>
        Send(command, JsonSerializer.SerializeToUtf8Bytes(new QmpRequest(command, arguments), QmpJson.Default.QmpRequest));

    /// <summary>Sets a QOM property to an unsigned number (qom-set): QMP's input visitor takes a size only as a JSON number.</summary>
    public void SetProperty(string path, string property, ulong value)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("execute", "qom-set");
            w.WriteStartObject("arguments");
            w.WriteString("path", path);
            w.WriteString("property", property);
            w.WriteNumber("value", value);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        Send("qom-set", buffer.ToArray());
    }

    JsonElement Send(string command, byte[] request)
    {
        try
        {
            stream.Write(request);
            stream.Write("\n"u8);
            stream.Flush();
        }
        catch (IOException e)
        {
            throw new UserError($"QMP socket {path} closed while sending {command}: {e.InnerException?.Message ?? e.Message}", "check that QEMU still runs");
        }
        // One deadline for the whole answer: events, or an answer trickling in, do not extend it.
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var line = ReadLine($"answer to {command}", deadline);
            using var doc = ParseJson(line, command);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || root.TryGetProperty("event", out _)) continue;
            if (root.TryGetProperty("return", out var value)) return value.Clone();
            if (root.TryGetProperty("error", out var error))
            {
                QmpError? e = null;
                try { e = error.Deserialize(QmpJson.Default.QmpError); }
                catch (JsonException) { } // an error without QMP's class/desc strings is still an error
                throw new QmpCommandException(command, e?.Class ?? "GenericError", e?.Desc ?? Shorten(error.GetRawText()));
            }
        }
    }

    /// <summary>Runs a command and reads its answer as <typeparamref name="T"/> (source-generated metadata).</summary>
    public T Execute<T>(string command, JsonTypeInfo<T> type, Dictionary<string, string>? arguments = null)
    {
        var value = Execute(command, arguments);
        try
        {
            return value.Deserialize(type) ?? throw new JsonException("null");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // The serializer's message names .NET types; say where in the answer it went wrong instead.
            var at = e is JsonException { Path: { Length: > 0 } where } ? $" at {where}" : "";
            throw new UserError($"QEMU's answer to {command} is not what QMP documents{at}: '{Shorten(value.GetRawText())}'",
                "give the QMP socket of a QEMU system emulator (hostmem knows QEMU 7.2 to 10)");
        }
    }

    /// <summary>An HMP command through QMP's human-monitor-command; returns its text.</summary>
    public string Human(string commandLine) =>
        Execute("human-monitor-command", QmpJson.Default.String, new Dictionary<string, string> { ["command-line"] = commandLine });

    JsonDocument ParseJson(string line, string command)
    {
        try { return JsonDocument.Parse(line); }
        catch (JsonException) { throw new UserError($"QMP socket {path} sent something that is not JSON after {command}: '{Shorten(line)}'", "give the socket of QEMU's -qmp option"); }
    }

    /// <summary>One line (without its newline) that must arrive whole before <paramref name="deadline"/> and within
    /// <see cref="MaxLineBytes"/>: a server sending a byte at a time, or without end, is cut off.</summary>
    string ReadLine(string what, DateTime deadline)
    {
        var line = new MemoryStream();
        while (true)
        {
            int newline = Array.IndexOf(received, (byte)'\n', receivedStart, receivedEnd - receivedStart);
            int upTo = newline >= 0 ? newline : receivedEnd;
            line.Write(received, receivedStart, upTo - receivedStart);
            receivedStart = newline >= 0 ? newline + 1 : receivedEnd;
            if (line.Length > MaxLineBytes)
                throw new UserError($"QMP socket {path} sent a line longer than {MaxLineBytes >> 20} MiB as its {what}: not a QMP answer",
                    "give the socket of QEMU's -qmp option");
            if (newline >= 0) return Encoding.UTF8.GetString(line.GetBuffer(), 0, (int)line.Length).TrimEnd('\r');
            Receive(what, deadline);
        }
    }

    void Receive(string what, DateTime deadline)
    {
        var left = deadline - DateTime.UtcNow;
        int n;
        try
        {
            if (left <= TimeSpan.Zero || !socket.Poll(left, SelectMode.SelectRead)) throw TimedOut(what);
            n = socket.Receive(received);
        }
        catch (SocketException e)
        {
            throw new UserError($"QMP socket {path} failed while waiting for the {what}: {e.Message}", "check that QEMU still runs");
        }
        if (n == 0)
            throw new UserError($"QMP socket {path} closed the connection before the {what}",
                "QMP serves one client at a time: another client may hold it, or QEMU is exiting");
        (receivedStart, receivedEnd) = (0, n);
    }

    UserError TimedOut(string what) => what.Contains("greeting", StringComparison.Ordinal)
        ? NoGreeting(path, timeout)
        : new($"no {what} from {path} within {Seconds(timeout)}", "QEMU may be busy: give --timeout more seconds");

    static int? PeerPidOf(Socket socket)
    {
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; } via getsockopt(SOL_SOCKET=1, SO_PEERCRED=17).
        Span<byte> cred = stackalloc byte[12];
        try
        {
            if (socket.GetRawSocketOption(1, 17, cred) < 4) return null;
        }
        catch (SocketException) { return null; }
        int pid = BitConverter.ToInt32(cred);
        return pid > 0 ? pid : null;
    }

    static string Seconds(TimeSpan t) => $"{t.TotalSeconds:0.#} s";

    static string Shorten(string s)
    {
        s = s.Trim();
        return s.Length <= 60 ? s : s[..57] + "...";
    }

    public void Dispose()
    {
        stream.Dispose();
        socket.Dispose();
    }
}
