namespace Hostmem.Lint;

/// <summary>Emulated CXL memory (cxl-type3): what the seed thread and the lab learnt about it.</summary>
static class CxlChecks
{
    public static void Run(LintContext c)
    {
        foreach (var bridge in c.Devices.Where(d => d.Driver == "pxb-cxl").Take(1))
            if (c.Machine.Cxl != true)
                c.Add(LintRules.CxlOff, bridge.Index, $"{bridge.Name} is a CXL host bridge, and -machine has no cxl=on",
                    qemuSays: "CXL host bridges present, but cxl=off");

        var devices = c.Command.CxlType3Devices();
        var inNode = c.Numa.Nodes.Select(n => n.MemDev).OfType<string>().ToHashSet(StringComparer.Ordinal);
        bool kvm = c.Command.Accelerators().FirstOrDefault() == "kvm";
        var withMemory = devices.Where(d => d.VolatileMemdev is not null || d.PersistentMemdev is not null || d.Memdev is not null).ToList();
        foreach (var d in withMemory)
        {
            string name = d.Id is null ? "cxl-type3" : $"cxl-type3 '{d.Id}'";
            // A backend that is also a guest node is reported once, as the error it is (MemdevChecks).
            if (d.VolatileMemdev is { } v && !inNode.Contains(v))
                c.Add(LintRules.CxlType3EmulatedRam, d.Index, $"{name} gives the guest backend {v} as volatile memory behind QEMU's emulated CXL device");
            if (kvm)
                c.Add(LintRules.CxlType3Kvm, d.Index, $"{name} has memory ({d.VolatileMemdev ?? d.PersistentMemdev ?? d.Memdev}) and KVM is the accelerator");
            if (c.Machine.CxlFixedMemoryWindows.Count == 0)
                c.Add(LintRules.CxlNoWindow, d.Index, $"{name} has memory, and -M gives no cxl-fmw window to map it into");
        }

        var volatileDevice = withMemory.FirstOrDefault(d => d.VolatileMemdev is not null);
        if (volatileDevice is null) return;
        if (c.Numa.Nodes.Count == 0)
            c.Add(LintRules.CxlWithoutNuma, volatileDevice.Index, "cxl-type3 volatile memory, and no -numa node: the guest gets no SRAT");
        var cpu = Qemu.CpuModel.Of(c.Command);
        if (cpu is null || !cpu.Disables("hypervisor"))
            c.Add(LintRules.CxlHypervisorCpu, cpu?.Index ?? volatileDevice.Index,
                cpu is null ? "cxl-type3 volatile memory with QEMU's default CPU model, which sets the hypervisor bit"
                            : $"-cpu {cpu.Model} keeps the hypervisor bit, and a cxl-type3 device has volatile memory",
                fix: cpu is null ? "add -cpu qemu64,-hypervisor" : $"add -hypervisor: -cpu {c.Command.Arguments[cpu.Index].Value},-hypervisor");
    }
}
