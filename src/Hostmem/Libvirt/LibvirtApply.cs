using Hostmem.Classification;
using Hostmem.Planning;

namespace Hostmem.Libvirt;

/// <summary>The whole of <c>hostmem libvirt apply</c> without the files: domain text and host in, domain text and plan out.</summary>
public static class LibvirtApply
{
    /// <param name="cells">The <c>--cell</c> options, parsed (<see cref="CellIntent.ParseOption"/>).</param>
    public static (string Result, LibvirtPlan Plan) Run(DomainXml domain, ClassifiedHost host, IReadOnlyList<CellIntent> cells, PlanOptions options)
    {
        ArgumentNullException.ThrowIfNull(domain);
        var intent = DomainIntent.Read(domain, cells);
        var plan = LibvirtPlanner.Plan(host, domain, intent, options);
        string result = DomainPatcher.Apply(domain, plan);
        return (result, LibvirtPlanner.WithReadBack(plan, host, DomainXml.Parse(result, domain.Path)));
    }

    /// <param name="text">The domain XML as read (no byte order mark).</param>
    /// <param name="path">How errors name the file.</param>
    public static (string Result, LibvirtPlan Plan) Run(string text, string path, ClassifiedHost host, IReadOnlyList<CellIntent> cells, PlanOptions options) =>
        Run(DomainXml.Parse(text, path), host, cells, options);
}
