using System.Text.RegularExpressions;

namespace Hostmem.Tests.Support;

/// <summary>
/// Kubernetes' label rules, written from k8s.io/apimachinery/pkg/util/validation (validation.go): IsQualifiedName (the
/// key: an optional DNS-1123 subdomain prefix of at most 253 characters and '/', then a name of at most 63 characters,
/// alphanumeric at both ends, '-', '_' and '.' inside), IsDNS1123Subdomain (the prefix) and IsValidLabelValue (empty, or
/// at most 63 characters of the name's alphabet). Plus node-feature-discovery's own rule for the namespace
/// (pkg/apis/nfd/validate Label()): a key must have a prefix, and a prefix in kubernetes.io is refused unless it is
/// feature.node.kubernetes.io or profile.node.kubernetes.io or ends in .feature.node.kubernetes.io or
/// .profile.node.kubernetes.io. Each returns the broken rules; empty means valid.
/// </summary>
public static partial class KubernetesLabels
{
    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")]
    private static partial Regex QualifiedNamePart();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123Subdomain();

    public static IReadOnlyList<string> IsQualifiedName(string key)
    {
        var errors = new List<string>();
        var parts = key.Split('/');
        string name;
        if (parts.Length == 1) name = parts[0];
        else if (parts.Length == 2)
        {
            name = parts[1];
            if (parts[0].Length == 0) errors.Add("prefix part must be non-empty");
            else errors.AddRange(IsDns1123Subdomain(parts[0]).Select(e => "prefix part " + e));
        }
        else return ["a qualified name must have at most one '/'"];
        if (name.Length == 0) errors.Add("name part must be non-empty");
        else if (name.Length > 63) errors.Add("name part must be no more than 63 characters");
        if (name.Length > 0 && !QualifiedNamePart().IsMatch(name)) errors.Add("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character");
        return errors;
    }

    public static IReadOnlyList<string> IsDns1123Subdomain(string value)
    {
        var errors = new List<string>();
        if (value.Length > 253) errors.Add("must be no more than 253 characters");
        if (!Dns1123Subdomain().IsMatch(value)) errors.Add("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'");
        return errors;
    }

    public static IReadOnlyList<string> IsValidLabelValue(string value)
    {
        var errors = new List<string>();
        if (value.Length > 63) errors.Add("must be no more than 63 characters");
        if (value.Length > 0 && !QualifiedNamePart().IsMatch(value)) errors.Add("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character");
        return errors;
    }

    /// <summary>NFD's namespace rule for a label key that passed IsQualifiedName.</summary>
    public static IReadOnlyList<string> NfdAcceptsNamespace(string key)
    {
        int slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0) return ["unprefixed keys are not allowed"];
        string ns = key[..slash];
        bool kubernetes = ns == "kubernetes.io" || ns.EndsWith(".kubernetes.io", StringComparison.Ordinal);
        bool nfdOwn = ns is "feature.node.kubernetes.io" or "profile.node.kubernetes.io"
            || ns.EndsWith(".feature.node.kubernetes.io", StringComparison.Ordinal) || ns.EndsWith(".profile.node.kubernetes.io", StringComparison.Ordinal);
        return kubernetes && !nfdOwn ? ["namespace is not allowed"] : [];
    }

    /// <summary>Every rule a label (key and value) breaks.</summary>
    public static IReadOnlyList<string> Check(string key, string value) =>
        [.. IsQualifiedName(key).Select(e => $"key {key}: {e}"), .. NfdAcceptsNamespace(key).Select(e => $"key {key}: {e}"),
         .. IsValidLabelValue(value).Select(e => $"value '{value}' of {key}: {e}")];
}
