using Hostmem.Tests.Planning;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Cli;

/// <summary>`-machine q35,help`, `-object memory-backend-ram,help`: QEMU prints help and exits 0 (qemu-system-x86_64
/// 10.0.2 here); hostmem passes such a line on instead of refusing its syntax.</summary>
public class QemuHelpRequestTests
{
    [NeedsProgramTheory("qemu-system-x86_64")]
    [InlineData("-machine", "q35,help", "pc-q35-10.0-machine options:")]
    [InlineData("-object", "memory-backend-ram,help", "memory-backend-ram options:")]
    public void Hostmem_qemu_passes_a_help_request_to_qemu(string option, string value, string qemuPrints)
    {
        // Before: "hostmem: -machine 'q35,help': Expected '=' after parameter 'help'", exit 2 (the backend made it plan).
        var (code, stdout, stderr) = HostmemCli.Run("qemu", "--", QemuBinaries.Qemu10, option, value,
            "-object", "memory-backend-ram,id=m,size=64M,host-mem-type=dram");
        Assert.True(code == 0, stderr);
        Assert.StartsWith(qemuPrints, stdout);
        Assert.Equal($"hostmem: {option} '{value}' asks QEMU for help: the command line goes to QEMU unchanged\n", stderr);
    }

    [Fact]
    public void Lint_has_nothing_to_say_about_a_help_request()
    {
        var (code, stdout, stderr) = HostmemCli.Run("lint", "--no-host", "--", "qemu-system-x86_64", "-machine", "q35,help");
        Assert.Equal(0, code); // before: 2, "Expected '=' after parameter 'help'"
        Assert.Empty(stdout);
        Assert.Equal("hostmem: -machine 'q35,help' asks QEMU for help: nothing to lint\n", stderr);
    }
}
