using System.Text.Json;
using Hostmem.Classification;
using Hostmem.Libvirt;
using Hostmem.Planning;

namespace Hostmem.Kubevirt;

/// <summary>
/// KubeVirt's onDefineDomain hook as the sidecar-shim runs it (kubevirt cmd/sidecars/sidecar_shim.go): the VMI as JSON and
/// the domain virt-launcher made as XML come in; the domain to define goes out. The intent is the VMI's annotation
/// <c>hostmem.dev/cells</c>: one or more <c>--cell</c> values of <c>hostmem libvirt apply</c>, separated by spaces
/// (<c>1=cxl-ram:16GiB 2=pmem:8GiB:preferred</c>); the domain is rewritten exactly as <c>libvirt apply</c> does.
/// Without the annotation the domain comes back as it came, byte for byte.
/// </summary>
public static class OnDefineDomain
{
    public const string Annotation = "hostmem.dev/cells";

    /// <param name="host">Read only when the VMI asks for cells.</param>
    public static string Run(string vmiJson, string domainXml, Func<ClassifiedHost> host, PlanOptions options)
    {
        var asked = CellsAnnotation(vmiJson);
        if (asked is null || asked.Trim().Length == 0) return domainXml;
        var cells = asked.Split([' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries).Select(Cell).ToList();
        var domain = DomainXml.Parse(domainXml, "--domain");
        return LibvirtApply.Run(domain, host(), cells, options).Result;
    }

    /// <summary>The annotation's value, or null when the VMI has none (metadata.annotations is a map of strings).</summary>
    public static string? CellsAnnotation(string vmiJson)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(vmiJson); }
        catch (JsonException e)
        {
            throw new UserError($"--vmi is not JSON ({e.Message.Split('\n')[0]})", "the sidecar-shim passes the VirtualMachineInstance as JSON: --vmi \"$(kubectl get vmi NAME -o json)\"");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new UserError("--vmi is not a VirtualMachineInstance (not a JSON object)", "pass the VMI as JSON: kubectl get vmi NAME -o json");
            if (!doc.RootElement.TryGetProperty("metadata", out var meta) || meta.ValueKind != JsonValueKind.Object
                || !meta.TryGetProperty("annotations", out var annotations) || annotations.ValueKind != JsonValueKind.Object
                || !annotations.TryGetProperty(Annotation, out var value))
                return null;
            return value.ValueKind == JsonValueKind.String ? value.GetString()
                : throw new UserError($"the VMI's annotation {Annotation} is not a string", $"write it as {Annotation}: \"1=cxl-ram:16GiB\"");
        }
    }

    /// <summary>One word of the annotation, read as <c>libvirt apply --cell</c> reads it; messages name the annotation.</summary>
    static CellIntent Cell(string word)
    {
        string source = $"{Annotation} '{word}'";
        try
        {
            return CellIntent.ParseOption(word) with { Source = source };
        }
        catch (UserError e) when (e.Problem.StartsWith($"--cell {word}", StringComparison.Ordinal))
        {
            throw new UserError(source + e.Problem[$"--cell {word}".Length..],
                $"each word is one cell as 'hostmem libvirt apply --cell' takes it, ID=TYPE:SIZE[:MODE][:NODES], e.g. {Annotation}: \"1=cxl-ram:16GiB\"");
        }
    }
}
