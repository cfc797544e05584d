using Hostmem.Tests.Support;
using Xunit;

namespace Hostmem.Tests.Cli;

/// <summary>
/// scripts/package as an operator meets its result: the .deb built (NativeAOT publish, pages from docs/ by pandoc),
/// checked by lintian (with packaging/lintian-overrides), installed by dpkg into a scratch root, and the installed
/// hostmem and manual pages used. One test: the NativeAOT publish is its cost (scripts/publish, shared with the nested lab
/// test under one lock; 3-7 minutes on 2 busy cores).
/// </summary>
public class PackageTests
{
    [NeedsProgramFact("pandoc")]
    public void The_package_installs_a_working_hostmem_with_its_pages()
    {
        var scratch = Scratch.Folder("package-");
        var build = HostmemCli.Bash($"'{Trees.RepoRoot}/scripts/package' --out '{scratch}/out' --lintian", timeoutMs: 1_200_000);
        Assert.True(build.Code == 0, build.Err);
        var deb = build.Out.Trim();
        Assert.Matches(@"/hostmem_[0-9][^_]*_amd64\.deb$", deb);

        // dpkg's own database in the scratch root; libc6 is the host's, not the scratch root's.
        var root = Path.Combine(scratch, "root");
        var install = HostmemCli.Bash($"""
            set -e
            mkdir -p '{root}/var/lib/dpkg/info' '{root}/var/lib/dpkg/updates'; : > '{root}/var/lib/dpkg/status'
            dpkg --root='{root}' --force-depends --force-script-chrootless -i '{deb}' >/dev/null
            dpkg --root='{root}' -L hostmem
            """);
        Assert.True(install.Code == 0, install.Err);
        var files = install.Out.Split('\n');
        foreach (var f in new[] { "/usr/bin/hostmem", "/usr/share/man/man1/hostmem.1.gz", "/usr/share/man/man1/hostmem-topology.1.gz",
                     "/usr/share/bash-completion/completions/hostmem", "/usr/share/doc/hostmem/copyright", "/usr/share/doc/hostmem/README.md" })
            Assert.Contains(f, files);
        // One page per docs/ page: a command documented is a command with a manual page.
        foreach (var md in Directory.GetFiles(Path.Combine(Trees.RepoRoot, "docs"), "*.md"))
        {
            var name = Path.GetFileNameWithoutExtension(md);
            Assert.Contains($"/usr/share/man/man1/{(name == "hostmem" ? "hostmem" : "hostmem-" + name)}.1.gz", files);
        }

        var installed = Path.Combine(root, "usr/bin/hostmem");
        var version = HostmemCli.Bash($"'{installed}' --version");
        Assert.Equal((0, HostmemCli.Run("--version").Out), (version.Code, version.Out));

        var man = HostmemCli.Bash($"MANWIDTH=80 man -l '{root}/usr/share/man/man1/hostmem-topology.1.gz'");
        Assert.True(man.Code == 0, man.Err);
        Assert.Contains("HOSTMEM-TOPOLOGY(1)", man.Out);
        Assert.Contains("EXIT STATUS", man.Out);
        Assert.Contains("--check", man.Out);
        var overview = HostmemCli.Bash($"MANWIDTH=80 man -l '{root}/usr/share/man/man1/hostmem.1.gz'");
        Assert.Contains("hostmem-topology(1)", overview.Out);
    }
}
