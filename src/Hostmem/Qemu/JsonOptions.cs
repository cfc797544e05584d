using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hostmem.Qemu;

/// <summary>An option argument in either syntax (KEY=VALUE or JSON), with the edits the planner needs.</summary>
public interface IQemuOptions
{
    QemuOptionSyntax Syntax { get; }

    /// <summary>Whether the key is set.</summary>
    bool Contains(string key);

    /// <summary>The effective scalar value as text (JSON numbers as written, booleans as <c>true</c>/<c>false</c>), or null.</summary>
    string? Get(string key);

    /// <summary>All elements of a list value (repeated QemuOpts keys, keyval <c>k.N</c>, a JSON array), or the single value.</summary>
    IReadOnlyList<string> GetAll(string key);

    /// <summary>Sets a string value (JSON: a string), in place when present, else appended.</summary>
    void Set(string key, string value);

    /// <summary>Sets an integer (JSON: a number).</summary>
    void SetNumber(string key, ulong value);

    /// <summary>Sets a size in bytes (JSON: a number; KEY=VALUE: compact text like <c>19G</c>).</summary>
    void SetSize(string key, ulong bytes);

    /// <summary>Sets an unsigned list like host-nodes (JSON: an array of numbers; QemuOpts: repeated key with ranges).</summary>
    void SetUIntList(string key, IReadOnlyList<ulong> values);

    /// <summary>Removes the key; false when absent.</summary>
    bool Remove(string key);

    /// <summary>The argument text, byte-identical to the input when nothing was edited.</summary>
    string Render();
}

/// <summary>
/// A JSON option argument (<c>-object '{"qom-type":"memory-backend-ram","id":"m","size":1073741824}'</c>).
/// QEMU 10 takes JSON when the argument's first character is '{' for <c>-object</c>, <c>-device</c>, <c>-netdev</c>,
/// <c>-blockdev</c>, <c>-audiodev</c> and <c>-display</c>; not for <c>-numa</c>, <c>-machine</c>, <c>-m</c>, <c>-smp</c>,
/// <c>-accel</c>, <c>-chardev</c>, <c>-global</c> (checked by running it). QEMU rejects duplicate keys ("JSON parse error,
/// duplicate key") and wants typed values: <c>"size":"1M"</c> is rejected, <c>host-nodes</c> must be an array.
/// Parsed with <see cref="JsonNode"/> (no reflection); key order is kept; unedited arguments render byte for byte.
/// QEMU's JSON parser also accepts single-quoted strings; this one does not (UserError with a hint).
/// </summary>
public sealed class JsonOptions : IQemuOptions
{
    static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };

    readonly string original;
    bool dirty;

    JsonOptions(string original, JsonObject obj, string where)
    {
        this.original = original;
        Object = obj;
        Where = where;
    }

    public QemuOptionSyntax Syntax => QemuOptionSyntax.Json;

    /// <summary>The parsed object; if you edit it directly, call <see cref="MarkEdited"/>.</summary>
    public JsonObject Object { get; }

    public string Where { get; }

    public void MarkEdited() => dirty = true;

    /// <summary>Whether QEMU would read this argument as JSON (its first character is '{').</summary>
    public static bool LooksLikeJson(string text) => text.Length > 0 && text[0] == '{';

    public static JsonOptions Parse(string text, string option = "option")
    {
        string where = $"{option} '{text}'";
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false, MaxDepth = 64 });
            // Materialise everything now so later access cannot throw.
            Touch(node);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException or FormatException)
        {
            string hint = text.Contains('\'')
                ? "Use standard JSON with double-quoted keys and strings, e.g. {\"qom-type\":\"memory-backend-ram\",\"id\":\"m\",\"size\":1073741824}."
                : "Fix the JSON (balanced braces, double-quoted keys, no duplicate keys), e.g. {\"qom-type\":\"memory-backend-ram\",\"id\":\"m\",\"size\":1073741824}.";
            throw new UserError($"{where}: JSON parse error: {FirstLine(ex.Message)}", hint);
        }
        if (node is not JsonObject obj)
            throw new UserError($"{where}: JSON argument is not an object", "Write the option as one JSON object: {\"key\": value, ...}.");
        return new JsonOptions(text, obj, where);
    }

    static string FirstLine(string s)
    {
        int nl = s.IndexOfAny(['\r', '\n']);
        return nl < 0 ? s : s[..nl];
    }

    static void Touch(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var kv in o) Touch(kv.Value);
                break;
            case JsonArray a:
                foreach (var v in a) Touch(v);
                break;
            // Strings are unescaped on first use: a lone surrogate ("\ud800") would throw later, outside this parse.
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                v.GetValue<string>();
                break;
        }
    }

    public bool Contains(string key) => Object.ContainsKey(key);

    public string? Get(string key) => Object.TryGetPropertyValue(key, out var v) ? ScalarText(v) : null;

    static string? ScalarText(JsonNode? v)
    {
        if (v is null) return null;
        if (v is JsonValue jv)
        {
            if (jv.GetValueKind() == JsonValueKind.String) return jv.GetValue<string>();
            return jv.ToJsonString();
        }
        return v.ToJsonString();
    }

    public IReadOnlyList<string> GetAll(string key)
    {
        if (!Object.TryGetPropertyValue(key, out var v) || v is null) return [];
        if (v is JsonArray a) return a.Select(ScalarText).Where(s => s is not null).Select(s => s!).ToList();
        return [ScalarText(v)!];
    }

    /// <summary>The JSON value kind of a key, or null when absent.</summary>
    public JsonValueKind? KindOf(string key) => Object.TryGetPropertyValue(key, out var v) ? v?.GetValueKind() ?? JsonValueKind.Null : null;

    void Put(string key, JsonNode? value)
    {
        // JsonObject keeps the position of an existing key when its value is replaced.
        Object[key] = value;
        dirty = true;
    }

    public void Set(string key, string value) => Put(key, JsonValue.Create(value));

    public void SetNumber(string key, ulong value) => Put(key, JsonValue.Create(value));

    public void SetSize(string key, ulong bytes) => Put(key, JsonValue.Create(bytes));

    public void SetUIntList(string key, IReadOnlyList<ulong> values)
    {
        var arr = new JsonArray();
        foreach (ulong v in values) arr.Add((JsonNode)JsonValue.Create(v));
        Put(key, arr);
    }

    public void SetBool(string key, bool value) => Put(key, JsonValue.Create(value));

    public bool Remove(string key)
    {
        bool removed = Object.Remove(key);
        dirty |= removed;
        return removed;
    }

    public string Render()
    {
        if (!dirty) return original;
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, WriterOptions)) Object.WriteTo(w);
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    public override string ToString() => Render();

    internal static string Invariant(ulong v) => v.ToString(CultureInfo.InvariantCulture);
}
