using Hostmem.Classification;
using Hostmem.Discovery;
using Hostmem.Libvirt;
using Hostmem.Planning;
using Hostmem.Tests.Support;

namespace Hostmem.Tests.Libvirt;

/// <summary>Domain XML the libvirt tests start from, in the shapes users have, and a way to apply hostmem to them.</summary>
public static class Domains
{
    /// <summary>As virt-install and virsh dumpxml write a small q35 guest: no guest NUMA, 1152 MiB, 2 vCPUs.</summary>
    public const string Plain = """
        <domain type='qemu'>
          <name>vm1</name>
          <uuid>3b0a31c8-cabc-4371-9bbc-4940f0d8d36c</uuid>
          <memory unit='KiB'>1179648</memory>
          <currentMemory unit='KiB'>1179648</currentMemory>
          <vcpu placement='static'>2</vcpu>
          <os>
            <type arch='x86_64' machine='q35'>hvm</type>
            <boot dev='hd'/>
          </os>
          <features>
            <acpi/>
            <apic/>
          </features>
          <clock offset='utc'/>
          <on_poweroff>destroy</on_poweroff>
          <devices>
            <emulator>/usr/bin/qemu-system-x86_64</emulator>
            <controller type='usb' model='none'/>
            <memballoon model='none'/>
          </devices>
        </domain>

        """;

    /// <summary><see cref="Plain"/> with a virtio-mem device on cell 1 (libvirt's kbase/memorydevices example, 256 MiB,
    /// nothing plugged at boot); &lt;memory&gt; holds it beside the 1152 MiB of cells, as libvirt sums them.</summary>
    public static string VirtioMem { get; } = Plain
        .Replace("1179648", "1441792", StringComparison.Ordinal)
        .Replace("    <memballoon model='none'/>\n", """
                <memballoon model='none'/>
                <memory model='virtio-mem'>
                  <target>
                    <size unit='KiB'>262144</size>
                    <node>1</node>
                    <block unit='KiB'>2048</block>
                    <requested unit='KiB'>0</requested>
                  </target>
                </memory>

            """, StringComparison.Ordinal);

    /// <summary>Hand-written: double quotes, an entity, comments, a CDATA section, tabs, attributes over two lines, a
    /// self-closing &lt;cpu/&gt;, other metadata; none of it may change.</summary>
    public const string HandWritten = """
        <?xml version="1.0" encoding="UTF-8"?>
        <!-- managed by hand; do not reformat -->
        <domain type="qemu" xmlns:qemu="http://libvirt.org/schemas/domain/qemu/1.0">
        	<name>hand &amp; made</name>
        	<description><![CDATA[a <fast> & slow guest]]></description>
        	<metadata>
        		<app:owner xmlns:app="http://example.com/app/1" team="mem &apos;tiering&apos;"/>
        	</metadata>
        	<memory unit="MiB">1152</memory>
        	<vcpu>2</vcpu>
        	<os><type arch="x86_64" machine="q35">hvm</type></os>
        	<features><acpi/><apic/></features>
        	<cpu mode="custom"
        	     match="exact"/>
        	<devices>
        		<emulator>/usr/bin/qemu-system-x86_64</emulator> <!-- QEMU 10 -->
        		<controller type="usb" model="none"/>
        		<memballoon model="none"/>
        	</devices>
        	<qemu:commandline>
        		<qemu:arg value="-S"/>
        	</qemu:commandline>
        </domain>
        """;

    /// <summary>A guest with NUMA of its own: two cells with vCPUs, a user's distance of 21, a global numatune, intent in the metadata (prefix hm).</summary>
    public const string TwoCells = """
        <domain type='qemu'>
          <name>vm2</name>
          <metadata>
            <hm:memory xmlns:hm="https://hostmem.dev/libvirt/1">
              <hm:cell id="2" type="cxl-ram" memory="256" unit="MiB" nodes="all"/>
            </hm:memory>
          </metadata>
          <memory unit='GiB'>2</memory>
          <currentMemory unit='GiB'>2</currentMemory>
          <vcpu placement='static'>2</vcpu>
          <numatune>
            <memory mode='strict' nodeset='0-3'/>
          </numatune>
          <os>
            <type arch='x86_64' machine='q35'>hvm</type>
          </os>
          <features>
            <acpi/>
          </features>
          <cpu mode='custom' match='exact' check='none'>
            <model fallback='forbid'>qemu64</model>
            <numa>
              <cell id='0' cpus='0' memory='1' unit='GiB'>
                <distances>
                  <sibling id='0' value='10'/>
                  <sibling id='1' value='21'/>
                </distances>
              </cell>
              <cell id='1' cpus='1' memory='1' unit='GiB' discard='yes'/>
            </numa>
          </cpu>
          <devices>
            <emulator>/usr/bin/qemu-system-x86_64</emulator>
            <controller type='usb' model='none'/>
            <memballoon model='none'/>
          </devices>
        </domain>

        """;

    public static ClassifiedHost Host(string fixture) => ClassifiedHost.From(TopologyReader.Read(Trees.Project(fixture)));

    public static PlanOptions Auto { get; } = PlanOptions.Default with { GuestNuma = GuestNumaMode.Auto };

    /// <summary>hostmem libvirt apply, in process.</summary>
    public static (string Xml, LibvirtPlan Plan) Apply(string fixture, string xml, params string[] cells) =>
        Apply(fixture, xml, Auto, cells);

    public static (string Xml, LibvirtPlan Plan) Apply(string fixture, string xml, PlanOptions options, params string[] cells) =>
        LibvirtApply.Run(xml, "vm.xml", Host(fixture), [.. cells.Select(CellIntent.ParseOption)], options);

    public static UserError Fails(string fixture, string xml, params string[] cells) =>
        Xunit.Assert.Throws<UserError>(() => Apply(fixture, xml, cells));

    /// <summary>Every line of <paramref name="original"/> is in <paramref name="result"/>, in order (only additions and replaced lines differ).</summary>
    public static IReadOnlyList<string> LinesNotKept(string original, string result)
    {
        var kept = result.Split('\n');
        int at = 0;
        var missing = new List<string>();
        foreach (var line in original.Split('\n'))
        {
            int found = Array.IndexOf(kept, line, at);
            if (found < 0) missing.Add(line);
            else at = found + 1;
        }
        return missing;
    }
}
