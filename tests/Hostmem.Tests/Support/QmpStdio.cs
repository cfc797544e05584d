using System.Text.Json.Nodes;

namespace Hostmem.Tests.Support;

/// <summary>The one "QEMU paused with QMP on stdio" launcher: starts QEMU with the given arguments (TCG, no display, no
/// default devices, -S), sends QMP commands, quits: what QEMU really made of a command line, or its refusal.</summary>
public static class QmpStdio
{
    /// <summary>QEMU's exit code, whether QMP answered at all (false: QEMU refused the line), the "return" value of each
    /// command in order, and stderr.</summary>
    public static (int Code, bool Answered, IReadOnlyList<JsonNode?> Returns, string Stderr) Ask(string binary, IEnumerable<string> args, params string[] commands)
    {
        var input = string.Concat(new[] { """{"execute":"qmp_capabilities"}""" }.Concat(commands).Append("""{"execute":"quit"}""").Select(c => c + "\n"));
        var (code, stdout, stderr) = Tool.Run(binary, args.Concat(["-S", "-display", "none", "-accel", "tcg", "-nodefaults", "-qmp", "stdio"]),
            TimeSpan.FromSeconds(60), stdin: input);
        var returns = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonNode.Parse(line)).OfType<JsonObject>().Where(o => o.ContainsKey("return")).Select(o => o["return"]).ToList();
        // The first return answers qmp_capabilities, the last quit.
        return (code, returns.Count > 0, returns.Count >= 2 ? returns.Skip(1).Take(commands.Length).ToList() : [], stderr);
    }

    /// <summary>The memdevs QEMU reports (null when it refused the command line) and its stderr.</summary>
    public static (JsonArray? Memdevs, string Stderr) QueryMemdev(string binary, IEnumerable<string> args)
    {
        var (_, _, returns, stderr) = Ask(binary, args, """{"execute":"query-memdev"}""");
        return (returns.FirstOrDefault() as JsonArray, stderr);
    }

    /// <summary>What a human-monitor command printed (null when QEMU refused the line) and QEMU's stderr.</summary>
    public static (string? Text, string Stderr) Human(string binary, IEnumerable<string> args, string command)
    {
        var (_, _, returns, stderr) = Ask(binary, args, "{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"" + command + "\"}}");
        return (returns.FirstOrDefault() is JsonValue v && v.TryGetValue(out string? text) ? text : null, stderr);
    }
}
