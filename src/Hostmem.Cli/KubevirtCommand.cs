using System.CommandLine;
using System.Text;
using Hostmem.Cli.Output;
using Hostmem.Kubevirt;
using Hostmem.Planning;

namespace Hostmem.Cli;

/// <summary>`hostmem kubevirt on-define-domain`: KubeVirt's onDefineDomain hook, as the sidecar-shim calls it.</summary>
public static class KubevirtCommand
{
    public static Command Create()
    {
        var command = new Command("kubevirt", "KubeVirt hooks: place a VMI's memory cells on host memory types as 'hostmem libvirt apply' does.");
        command.Subcommands.Add(OnDefineDomainCommand());
        return command;
    }

    static Command OnDefineDomainCommand()
    {
        var vmi = new Option<string>("--vmi") { Description = "The VirtualMachineInstance as JSON (the text itself, as the sidecar-shim passes it).", HelpName = "JSON", Required = true };
        var domain = new Option<string>("--domain") { Description = "The libvirt domain virt-launcher made, as XML (the text itself).", HelpName = "XML", Required = true };
        var sysfs = CommonOptions.Sysfs();
        var command = new Command("on-define-domain",
            $"""
            KubeVirt's onDefineDomain hook. KubeVirt's sidecar-shim image runs an executable named onDefineDomain
            with --vmi JSON --domain XML, reads the domain to define from its stdout, and refuses to start the VM
            when it exits non-zero (it logs the hook's error). Link or wrap hostmem as that executable:
              exec hostmem kubevirt on-define-domain "$@"

            The intent is the VMI's annotation {OnDefineDomain.Annotation}: one or more cells as
            'hostmem libvirt apply --cell' takes them, separated by spaces:
              metadata:
                annotations:
                  {OnDefineDomain.Annotation}: "1=cxl-ram:16GiB"
            The domain is rewritten exactly as 'hostmem libvirt apply --cell ...' rewrites it, for the host this
            runs on (--sysfs, default /sys: the node's, as a container sees it): <numatune> memnodes, CPU-less
            <cpu><numa> cells with <distances> and HMAT <interconnects>, the intent in hostmem's <metadata>.
            Everything else stays byte for byte as virt-launcher wrote it. A VMI without the annotation gets its
            domain back unchanged, byte for byte.

            Exit status: 0 the domain on stdout; 2 the request cannot be met on this host or the input is bad:
            one line on stderr, nothing on stdout (KubeVirt then does not start the VM).

            Example (what the sidecar-shim runs):
              hostmem kubevirt on-define-domain --vmi "$(cat vmi.json)" --domain "$(cat domain.xml)"
            """)
        {
            vmi, domain, sysfs,
        };
        command.SetAction(parse =>
        {
            string xml = parse.GetValue(domain)!;
            string result;
            try
            {
                result = OnDefineDomain.Run(parse.GetValue(vmi)!, xml, () => HostInput.Read(parse.GetValue(sysfs)!, null).Host,
                    PlanOptions.Default with { GuestNuma = GuestNumaMode.Auto });
            }
            catch (UserError e)
            {
                // The shim keeps the hook's stderr as the reason it refused the VM: one line says it all.
                Console.Error.WriteLine($"hostmem: {e.Problem} (hint: {e.Hint})");
                return 2;
            }
            using var stdout = StandardStreams.Stdout();
            stdout.Write(new UTF8Encoding(false).GetBytes(result));
            return 0;
        });
        return command;
    }
}
