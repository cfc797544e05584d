using Hostmem.Classification;
using Hostmem.Cli;
using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Cli;

/// <summary>
/// The bash completion (packaging/hostmem.bash) run by bash itself: the script's completion function is called as
/// readline calls it (COMP_LINE, COMP_POINT, COMP_WORDS split at blanks and at '=' and ':', COMP_CWORD), with the built
/// hostmem first on PATH, and COMPREPLY is what bash would offer.
/// </summary>
public class CompletionTests
{
    static readonly string Script = Path.Combine(Trees.RepoRoot, "packaging", "hostmem.bash");

    /// <summary>What bash offers at the end of <paramref name="line"/>, sorted.</summary>
    static string[] Offered(string line)
    {
        var bash = $$"""
            source '{{Script}}'
            line='{{line.Replace("'", "'\\''")}}'
            # readline's split: blanks separate words; '=' and ':' (COMP_WORDBREAKS) are words of their own
            COMP_WORDS=(); w=""
            for ((i = 0; i < ${#line}; i++)); do ch=${line:i:1}
              if [[ $ch == " " ]]; then [[ -n $w ]] && COMP_WORDS+=("$w"); w=""
              elif [[ $ch == [=:] ]]; then [[ -n $w ]] && COMP_WORDS+=("$w"); COMP_WORDS+=("$ch"); w=""
              else w+=$ch; fi
            done
            if [[ -n $w || $line == *" " ]]; then COMP_WORDS+=("$w"); fi
            COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMP_LINE=$line; COMP_POINT=${#line}
            complete -p hostmem >/dev/null || exit 3
            _hostmem hostmem "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
            printf '%s\n' "${COMPREPLY[@]}"
            """;
        var r = HostmemCli.Bash(bash);
        Assert.True(r.Code == 0, r.Err);
        return [.. r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)];
    }

    [Fact]
    public void Commands_come_from_the_command_tree()
    {
        var expected = Program.Root([]).Subcommands.Where(c => !c.Hidden).Select(c => c.Name).Order(StringComparer.Ordinal);
        Assert.Equal(expected, Offered("hostmem "));
        Assert.Equal(["topology"], Offered("hostmem top"));
    }

    [Fact]
    public void Options_of_the_command_on_the_line()
    {
        var offered = Offered("hostmem topology --");
        foreach (var option in new[] { "--check", "--format", "--help", "--json", "--sysfs" }) Assert.Contains(option, offered);
        Assert.DoesNotContain("--dry-run", offered); // qemu's
        Assert.Contains("--dry-run", Offered("hostmem qemu --d"));
    }

    [Fact]
    public void Values_an_option_accepts()
    {
        // docs/topology.md: --format table|json
        Assert.Equal(["json", "table"], Offered("hostmem topology --format "));
        Assert.Equal(["json"], Offered("hostmem topology --format=j"));
        Assert.Equal(["auto", "off"], Offered("hostmem qemu --guest-numa "));
    }

    [Fact]
    public void Memory_types_after_host_mem_type_in_the_qemu_line()
    {
        // docs/qemu.md names the types: dram, cxl-ram, cxl-pmem, hbm, pmem, spm
        Assert.Equal(["cxl-pmem", "cxl-ram"], Offered("hostmem qemu --dry-run -- qemu-system-x86_64 -object memory-backend-ram,id=m,size=1G,host-mem-type=cx"));
        var all = Offered("hostmem qemu -- qemu-system-x86_64 -object memory-backend-ram,id=m,host-mem-type=");
        Assert.Equal(HostMemTypeNames.All.Select(t => "=" + t.Name()).Order(StringComparer.Ordinal), all); // bash's word is the '='
    }

    [Fact]
    public void Node_numbers_of_the_host_after_host_nodes()
    {
        // tests/fixtures/INDEX.md: two-socket-cxl has DRAM nodes 0 and 1 and the CXL RAM nodes 2 and 3, all with memory.
        var tree = Trees.Project("two-socket-cxl");
        Assert.Equal(["=0", "=1", "=2", "=3"], Offered($"hostmem lint --sysfs {tree} -- qemu-system-x86_64 -object memory-backend-ram,id=m,host-nodes="));
    }

    [Fact]
    public void Nothing_known_leaves_bash_to_complete_file_names()
    {
        Assert.Empty(Offered("hostmem topology --sysfs "));
    }
}
