using System.Runtime.InteropServices;
using Hostmem.Planning;

namespace Hostmem.Cli;

/// <summary>
/// set_mempolicy(2) on the calling thread, the one that then execs QEMU: a task's policy survives execve, and the threads
/// QEMU starts (vCPUs, preallocation) inherit it. libc has no wrapper (libnuma has), so it goes through syscall(2).
/// </summary>
internal static partial class ProcessMemPolicy
{
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static unsafe partial long Syscall3(long number, nint mode, ulong* nodemask, nuint maxnode);

    /// <summary>Sets <paramref name="policy"/>; a <see cref="UserError"/> when the kernel refuses it.</summary>
    public static unsafe void Set(TaskMemoryPolicy policy)
    {
        int words = policy.Nodes.Max() / 64 + 1;
        var mask = stackalloc ulong[words];
        for (int i = 0; i < words; i++) mask[i] = 0;
        foreach (int n in policy.Nodes) mask[n / 64] |= 1UL << (n % 64);
        // maxnode counts bits and the kernel reads maxnode-1 of them (mm/mempolicy.c get_nodes): one more than the mask holds.
        if (Syscall3(SetMempolicyNumber, TaskMemoryPolicy.WeightedInterleaveMode, mask, (nuint)(words * 64 + 1)) == 0) return;
        int errno = Marshal.GetLastPInvokeError();
        throw new UserError($"set_mempolicy(MPOL_WEIGHTED_INTERLEAVE, host nodes {Sysfs.CpuList.Format(policy.Nodes)}): {Marshal.GetPInvokeErrorMessage(errno)}; QEMU not started",
            errno == 22 ? "this kernel has no weighted interleave (Linux >= 6.9), or none of those nodes is in this process's cpuset: check 'hostmem topology' and Mems_allowed_list"
                : "check the nodes with 'hostmem topology'");
    }

    // arch/x86/entry/syscalls/syscall_64.tbl: 238; include/uapi/asm-generic/unistd.h (arm64, riscv64, loongarch64): 237.
    static long SetMempolicyNumber => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 238,
        Architecture.Arm64 or Architecture.RiscV64 or Architecture.LoongArch64 => 237,
        var other => throw new UserError($"weighted interleave: no set_mempolicy syscall number known for {other}", "use host-mem-policy=interleave on this machine"),
    };
}
