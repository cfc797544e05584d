using System.Globalization;
using System.Text;

namespace Hostmem.Export;

/// <summary>
/// node-feature-discovery's local feature file (nfd-worker reads every file in
/// /etc/kubernetes/node-feature-discovery/features.d/): one <c>key=value</c> per line, and the
/// <c># +expiry-time=RFC3339</c> directive after which nfd-worker ignores the file, so the labels go away when hostmem
/// stops refreshing it (NFD's source/local and its testdata/features.d/expired_feature).
/// </summary>
public static class NfdFeatureFile
{
    /// <summary>nfd-worker skips a feature file larger than this (source/local: 64 kB).</summary>
    public const int MaxBytes = 65536;

    public static string Render(IReadOnlyList<NodeLabel> labels, DateTimeOffset expires)
    {
        var text = new StringBuilder();
        text.Append("# +expiry-time=").Append(expires.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)).Append('\n');
        foreach (var l in labels) text.Append(l.Key).Append('=').Append(l.Value).Append('\n');
        return text.ToString();
    }
}
