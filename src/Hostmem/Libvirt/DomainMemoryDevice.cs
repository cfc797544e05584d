using System.Globalization;
using System.Xml.Linq;

namespace Hostmem.Libvirt;

/// <summary>
/// One &lt;devices&gt;&lt;memory&gt; of a domain (libvirt's memory devices: dimm, nvdimm, virtio-pmem, virtio-mem,
/// sgx-epc): its model, the guest cell it adds memory to (&lt;target&gt;&lt;node&gt;), its size and the host nodes its
/// &lt;source&gt;&lt;nodemask&gt; names. The one reader of that syntax; what libvirt alone checks (block, requested) is
/// left to libvirt.
/// </summary>
public sealed record DomainMemoryDevice(string Model, int? Node, ulong SizeBytes, IReadOnlyList<int>? Nodemask, XElement Element)
{
    /// <summary>The one model whose size libvirt changes while the guest runs (virsh update-memory-device --requested-size).</summary>
    public bool IsVirtioMem => Model == "virtio-mem";

    /// <summary>libvirt counts dimm and nvdimm against &lt;maxMemory slots=&gt;; virtio-mem and virtio-pmem are PCI devices.</summary>
    public bool TakesSlot => Model is "dimm" or "nvdimm";

    /// <summary>&lt;alias name=&gt; when the domain gives one (user aliases start with ua-), for messages and virsh --alias.</summary>
    public string? Alias => (string?)Element.Element("alias")?.Attribute("name");

    public string Name => Alias is { } a ? $"<memory model='{Model}'> '{a}'" : $"<memory model='{Model}'>";

    public static IReadOnlyList<DomainMemoryDevice> Read(DomainXml domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        var result = new List<DomainMemoryDevice>();
        foreach (var e in domain.Root.Element("devices")?.Elements("memory") ?? [])
        {
            var target = e.Element("target");
            var nodeElement = target?.Element("node");
            int? node = null;
            if (nodeElement is not null)
                node = int.TryParse(nodeElement.Value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n
                    : throw new UserError($"{domain.Where(nodeElement)}: <node>{nodeElement.Value.Trim()}</node> of a memory device is not a cell number",
                        "write the guest cell the device adds memory to, e.g. <node>1</node>");
            ulong size = target?.Element("size") is { } s ? domain.Size(s) : 0;
            var maskElement = e.Element("source")?.Element("nodemask");
            IReadOnlyList<int>? mask = maskElement is null ? null
                : LibvirtCpuset.TryParse(maskElement.Value.Trim()) ?? throw new UserError(
                    $"{domain.Where(maskElement)}: <nodemask>{maskElement.Value.Trim()}</nodemask> is not a set of host nodes", "write host nodes as libvirt does: 1, 2-3, 0-3,^1");
            result.Add(new DomainMemoryDevice((string?)e.Attribute("model") ?? "", node, size, mask, e));
        }
        return result;
    }
}
