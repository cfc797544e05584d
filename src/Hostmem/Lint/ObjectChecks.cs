namespace Hostmem.Lint;

/// <summary>-object ids: QEMU takes only identifiers, keeps every object in one namespace and refuses a second object with a taken id.</summary>
static class ObjectChecks
{
    public static void Run(LintContext c)
    {
        var first = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (i, a) in c.Command.Find("object"))
        {
            if (a.ParseOptions().Get("id") is not { } id) continue;
            if (!Qemu.QemuIdentifier.IsWellFormed(id))
            {
                c.Add(LintRules.ObjectIdInvalid, i, $"object id '{id}' is not an identifier", qemuSays: Qemu.QemuIdentifier.Refusal);
                continue;
            }
            if (first.TryAdd(id, i)) continue;
            c.Add(LintRules.ObjectIdDuplicate, i, $"object id '{id}' is taken already by argv[{c.ArgvIndex(first[id])}]",
                qemuSays: $"Duplicate ID '{id}' for object");
        }
    }
}
