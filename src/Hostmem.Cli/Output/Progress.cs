using System.Diagnostics;

namespace Hostmem.Cli.Output;

/// <summary>
/// One self-overwriting status line on stderr while long work runs, only when stderr is a terminal (a pipe or a file gets
/// nothing), at most ten updates a second; <see cref="Clear"/> leaves the line empty for what follows.
/// </summary>
public sealed class Progress
{
    readonly TextWriter? _writer;
    long _last;
    int _width;

    Progress(TextWriter? writer) => _writer = writer;

    public static Progress OnTerminal() => new(Console.IsErrorRedirected ? null : Console.Error);

    public void Show(string text)
    {
        if (_writer is null || Stopwatch.GetElapsedTime(_last).TotalMilliseconds < 100) return;
        _last = Stopwatch.GetTimestamp();
        _writer.Write("\r" + text.PadRight(_width));
        _width = text.Length;
    }

    public void Clear()
    {
        if (_writer is null || _width == 0) return;
        _writer.Write("\r" + new string(' ', _width) + "\r");
        _width = 0;
    }
}
