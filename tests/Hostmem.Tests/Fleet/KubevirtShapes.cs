namespace Hostmem.Tests.Fleet;

/// <summary>
/// A VMI and the domain virt-launcher makes of it, in KubeVirt's shapes: the domain as Go's encoding/xml writes KubeVirt's
/// DomainSpec (pkg/virt-launcher/virtwrap/api: double-quoted attributes, empty elements as &lt;x&gt;&lt;/x&gt; (libvirt's schema refuses the empty &lt;bios&gt; and &lt;baseBoard&gt; KubeVirt's schema test has: left out), memory in
/// bytes with unit="b", the &lt;kubevirt xmlns="http://kubevirt.io"&gt; metadata with uid and grace period, domain name
/// NAMESPACE_NAME; type "qemu" as KubeVirt writes it with useEmulation), and the VMI as the API serves it (kubevirt.io/v1).
/// </summary>
public static class KubevirtShapes
{
    /// <summary>1152 MiB, 2 vCPUs, no guest NUMA: what virt-launcher defines for <see cref="Vmi"/>.</summary>
    public const string Domain = """
        <domain type="qemu" xmlns:qemu="http://libvirt.org/schemas/domain/qemu/1.0">
          <name>default_tiered</name>
          <memory unit="b">1207959552</memory>
          <os>
            <type arch="x86_64" machine="q35">hvm</type>
            <smbios mode="sysinfo"></smbios>
          </os>
          <sysinfo type="smbios">
            <system>
              <entry name="uuid">5b1c4d2e-7f3a-4c1b-9e2d-6a8f0c3b1d47</entry>
              <entry name="manufacturer">KubeVirt</entry>
              <entry name="family">KubeVirt</entry>
              <entry name="product">None</entry>
            </system>
          </sysinfo>
          <devices>
            <controller type="usb" index="0" model="none"></controller>
            <controller type="virtio-serial" index="0" model="virtio-non-transitional"></controller>
            <console type="pty">
              <target type="serial" port="0"></target>
            </console>
            <memballoon model="virtio-non-transitional">
              <stats period="10"></stats>
            </memballoon>
          </devices>
          <metadata>
            <kubevirt xmlns="http://kubevirt.io">
              <uid>9d0a6c4e-2b7f-4f0e-8a51-3c6d2e1f0b98</uid>
              <graceperiod>
                <deletionGracePeriodSeconds>30</deletionGracePeriodSeconds>
              </graceperiod>
            </kubevirt>
          </metadata>
          <features>
            <acpi></acpi>
          </features>
          <cpu mode="custom">
            <model>qemu64</model>
            <topology sockets="1" cores="2" threads="1"></topology>
          </cpu>
          <vcpu placement="static">2</vcpu>
        </domain>
        """;

    /// <summary>The VMI; <paramref name="cells"/> is the hostmem.dev/cells annotation, left out when null.</summary>
    public static string Vmi(string? cells) => $$$"""
        {
          "apiVersion": "kubevirt.io/v1",
          "kind": "VirtualMachineInstance",
          "metadata": {
            "annotations": {
              {{{(cells is null ? "" : $"\"hostmem.dev/cells\": \"{cells}\",")}}}
              "hooks.kubevirt.io/hookSidecars": "[{\"args\": [\"--version\", \"v1alpha3\"], \"configMap\": {\"name\": \"hostmem-hook\", \"key\": \"onDefineDomain\", \"hookPath\": \"/usr/bin/onDefineDomain\"}}]",
              "kubevirt.io/latest-observed-api-version": "v1"
            },
            "labels": { "kubevirt.io/nodeName": "node-1" },
            "name": "tiered",
            "namespace": "default",
            "uid": "9d0a6c4e-2b7f-4f0e-8a51-3c6d2e1f0b98"
          },
          "spec": {
            "domain": {
              "cpu": { "cores": 2, "model": "qemu64", "sockets": 1, "threads": 1 },
              "devices": { "disks": [] },
              "machine": { "type": "q35" },
              "memory": { "guest": "1152Mi" },
              "resources": { "requests": { "memory": "1152Mi" } }
            },
            "evictionStrategy": "None",
            "terminationGracePeriodSeconds": 30
          },
          "status": { "phase": "Scheduled" }
        }
        """;
}
