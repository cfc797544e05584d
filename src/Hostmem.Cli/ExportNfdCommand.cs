using System.CommandLine;
using Hostmem.Export;

namespace Hostmem.Cli;

/// <summary>`hostmem export nfd`: node labels for node-feature-discovery's local feature source.</summary>
public static class ExportNfdCommand
{
    public static Command Create()
    {
        var sysfs = CommonOptions.Sysfs();
        var output = ExportCommand.Output("/etc/kubernetes/node-feature-discovery/features.d/hostmem");
        var expiry = new Option<string>("--expiry")
        {
            Description = "Seconds until the labels expire unless the file is written again (nfd-worker then drops them).",
            DefaultValueFactory = _ => "600",
            HelpName = "SECONDS",
        };
        var command = new Command("nfd",
            $"""
            Write this host's memory as node labels, in node-feature-discovery's feature file format (the 'local'
            source of nfd-worker reads every file in /etc/kubernetes/node-feature-discovery/features.d/):

              # +expiry-time=2026-12-01T17:00:00Z        the labels vanish after this unless hostmem writes again
              {NfdLabels.Namespace}/hostmem-memory-dram=true
              {NfdLabels.Namespace}/hostmem-memory-dram-gib=512        capacity, whole GiB, rounded down
              {NfdLabels.Namespace}/hostmem-memory-cxl-ram=true        one pair per memory type present
              {NfdLabels.Namespace}/hostmem-memory-cxl-ram-gib=256
              {NfdLabels.Namespace}/hostmem-memory-tiers=2             kernel memory tiers in use
              {NfdLabels.Namespace}/hostmem-hmat=firmware              or measured, firmware-and-measured, none
              {NfdLabels.Namespace}/hostmem-cxl-unusable=false         true: CXL capacity no node can use yet

            Types: dram, cxl-ram, cxl-pmem, hbm, pmem, spm (as 'hostmem topology' names them). The labels are in
            NFD's own namespace, which nfd-master accepts without configuration; every key and value is a valid
            Kubernetes label. A pod or VM asks for such a node with node affinity (see docs/fleet.md).

            Exit status: 0 written, 2 bad input (nothing written).

            Examples:
              hostmem export nfd
              hostmem export nfd --output /etc/kubernetes/node-feature-discovery/features.d/hostmem
              hostmem export nfd --sysfs tests/fixtures/two-socket-cxl.tar.gz
            """)
        {
            sysfs, output, expiry,
        };
        command.SetAction(parse =>
        {
            var ttl = ExportCommand.Seconds(parse.GetValue(expiry)!, "--expiry", 366 * 86400);
            var host = HostInput.Read(parse.GetValue(sysfs)!, null).Host;
            var text = NfdFeatureFile.Render(NfdLabels.From(host), DateTimeOffset.UtcNow + ttl);
            OutputFile.Write(parse.GetValue(output), text);
            return 0;
        });
        return command;
    }
}
