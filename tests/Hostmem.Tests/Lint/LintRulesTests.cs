using System.Text.RegularExpressions;
using Hostmem.Lint;
using Xunit;

namespace Hostmem.Tests.Lint;

public class LintRulesTests
{
    [Fact]
    public void Codes_are_unique_stable_kebab_case_and_why_and_fix_are_one_line_each()
    {
        Assert.Equal(LintRules.All.Count, LintRules.All.Select(r => r.Code).Distinct().Count());
        foreach (var r in LintRules.All)
        {
            Assert.Matches(new Regex("^[a-z0-9]+(-[a-z0-9]+)+$"), r.Code);
            foreach (var text in new[] { r.Title, r.Why, r.Fix })
            {
                Assert.False(string.IsNullOrWhiteSpace(text), r.Code);
                Assert.DoesNotContain('\n', text);
                Assert.False(text.EndsWith('.'), $"{r.Code}: '{text}' (docs and output add their own punctuation)");
            }
            Assert.Same(r, LintRules.Find(r.Code));
        }
    }

    [Fact]
    public void Host_rules_are_only_checked_with_a_host()
    {
        var argv = Hostmem.Qemu.QemuCommandLine.Parse(["q", "-machine", "none", "-object", "memory-backend-ram,id=m,size=1M,host-nodes=63,policy=bind"]);
        Assert.Empty(QemuLinter.Lint(argv));
        Assert.All(LintRules.All.Where(r => r.Qemu == QemuBehaviour.Depends), r => Assert.True(r.NeedsHost, r.Code));
    }
}
