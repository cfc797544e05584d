namespace Hostmem.Cli.Output;

/// <summary>Colour only on a terminal, never with NO_COLOR (https://no-color.org) or TERM=dumb.</summary>
public sealed class Terminal(TextWriter writer, bool colour)
{
    public TextWriter Writer { get; } = writer;
    public bool Colour { get; } = colour;

    public static Terminal Stdout() => new(Console.Out, UseColour(Console.IsOutputRedirected));
    public static Terminal Stderr() => new(Console.Error, UseColour(Console.IsErrorRedirected));

    private static bool UseColour(bool redirected) =>
        !redirected
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
        && Environment.GetEnvironmentVariable("TERM") is not "dumb";

    public string Bold(string s) => Wrap("1", s);
    public string Dim(string s) => Wrap("2", s);
    public string Red(string s) => Wrap("31", s);
    public string Yellow(string s) => Wrap("33", s);
    public string Cyan(string s) => Wrap("36", s);
    public string Green(string s) => Wrap("32", s);

    private string Wrap(string code, string s) => Colour && s.Length > 0 ? $"\u001b[{code}m{s}\u001b[0m" : s;
}
