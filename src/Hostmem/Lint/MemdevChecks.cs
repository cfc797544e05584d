namespace Hostmem.Lint;

/// <summary>Who uses each memory backend: a backend maps into the guest once, and must exist.</summary>
static class MemdevChecks
{
    sealed record User(int Index, string What, bool IsNode, bool IsCxlType3);

    public static void Run(LintContext c)
    {
        // QEMU maps NUMA nodes' backends first, then the machine's, then devices' as it creates them.
        var users = new List<(string Memdev, User User)>();
        foreach (var n in c.Numa.Nodes.Where(n => n.MemDev is not null))
            users.Add((n.MemDev!, new User(n.Index, $"guest node {n.Id}", true, false)));
        if (c.Machine.MemoryBackend is { } mb)
            users.Add((mb, new User(c.Machine.Occurrences.Last(o => o.Options.Get("memory-backend") is not null).Index, "-machine memory-backend=", false, false)));
        foreach (var d in c.Devices.Where(d => d.Key.Length > 0))
            users.Add((d.Memdev, new User(d.Index, $"{d.Name} ({d.Key}=)", false, d.Driver == "cxl-type3")));

        foreach (var group in users.GroupBy(u => u.Memdev, StringComparer.Ordinal))
        {
            string id = group.Key;
            if (c.Backend(id) is null && !c.Command.Find("object").Any(o => ObjectId(o.Argument) == id))
            {
                foreach (var (_, u) in group)
                    c.Add(LintRules.MemdevNotFound, u.Index, $"{u.What} names backend '{id}', and no -object has id={id}",
                        qemuSays: u.IsNode ? $"memdev={id} is ambiguous" : u.IsCxlType3 ? $"Device '{id}' not found" : null);
                continue;
            }
            var list = group.Select(g => g.User).ToList();
            var first = list[0];
            foreach (var u in list.Skip(1))
            {
                string says = $"memory backend {id} can't be used multiple times.";
                if (first.IsNode && u.IsCxlType3)
                    c.Add(LintRules.CxlMemdevAlsoNumaNode, u.Index,
                        $"backend {id} is the memory of {first.What} and of {u.What}", qemuSays: says);
                else
                    c.Add(LintRules.MemdevUsedTwice, u.Index, $"backend {id} is already used by {first.What}; {u.What} uses it again",
                        qemuSays: u.IsNode || u.IsCxlType3 ? says : null);
            }
        }
    }

    /// <summary>The id of any -object (a memory backend or not), without judging its other keys.</summary>
    static string? ObjectId(Qemu.QemuArgument a) => a.Value is null ? null : a.ParseOptions().Get("id");
}
