using System.Runtime.InteropServices;

namespace Hostmem.Probe;

/// <summary>
/// The few syscalls the probe needs, through libc with blittable arguments (NativeAOT-clean). mbind has no libc wrapper
/// (libnuma has one), so it goes through syscall(2) with the architecture's number.
/// </summary>
internal static partial class ProbeSyscalls
{
    public const int PROT_READ = 1, PROT_WRITE = 2;
    public const int MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000;
    public const int MADV_HUGEPAGE = 14, MADV_POPULATE_WRITE = 23; // uapi/asm-generic/mman-common.h
    public const int MPOL_BIND = 2;                                // uapi/linux/mempolicy.h
    public const int ENOMEM = 12, EPERM = 1, EINVAL = 22, EFAULT = 14, EINTR = 4, EHWPOISON = 133;

    static readonly nint MapFailed = -1;

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Mmap(nint addr, nuint length, int prot, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    public static partial int Munmap(nint addr, nuint length);

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    public static partial int Madvise(nint addr, nuint length, int advice);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall6(long number, nint a1, nuint a2, nint a3, nint a4, nuint a5, nuint a6);

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static unsafe partial int SchedSetAffinity(int pid, nuint size, ulong* mask);

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static unsafe partial int ClockGetTime(int clock, long* timespec);

    const int CLOCK_THREAD_CPUTIME_ID = 3;

    /// <summary>The CPU time this thread has run, in ns: a load chain timed by it does not count the time the scheduler gave
    /// other tasks (a wall clock does, and a busy machine then shows latencies several times too long).</summary>
    public static unsafe long ThreadCpuNanoseconds()
    {
        var ts = stackalloc long[2];
        return ClockGetTime(CLOCK_THREAD_CPUTIME_ID, ts) == 0 ? ts[0] * 1_000_000_000 + ts[1] : throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    }

    /// <summary>An anonymous private mapping, not yet backed; null and errno on failure.</summary>
    public static nint? MapAnonymous(nuint length, out int errno)
    {
        var p = Mmap(0, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        errno = p == MapFailed ? Marshal.GetLastPInvokeError() : 0;
        return p == MapFailed ? null : p;
    }

    /// <summary>mbind(addr, len, MPOL_BIND, {node}, maxnode, 0): 0 or errno.</summary>
    public static unsafe int BindToNode(nint addr, nuint length, int node)
    {
        var words = node / 64 + 1;
        var mask = stackalloc ulong[words];
        for (var i = 0; i < words; i++) mask[i] = 0;
        mask[node / 64] = 1UL << (node % 64);
        // maxnode counts bits; the kernel reads maxnode-1 of them (mm/mempolicy.c get_nodes), hence the + 1.
        var r = Syscall6(MbindNumber, addr, length, MPOL_BIND, (nint)mask, (nuint)(words * 64 + 1), 0);
        return r == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>Pins the calling thread to one CPU: 0 or errno.</summary>
    public static unsafe int PinCurrentThread(int cpu)
    {
        var words = cpu / 64 + 1;
        var mask = stackalloc ulong[words];
        for (var i = 0; i < words; i++) mask[i] = 0;
        mask[cpu / 64] = 1UL << (cpu % 64);
        return SchedSetAffinity(0, (nuint)(words * 8), mask) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>__NR_mbind: arch/x86/entry/syscalls/syscall_64.tbl, include/uapi/asm-generic/unistd.h (arm64, riscv64).</summary>
    static long MbindNumber => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 237,
        Architecture.Arm64 or Architecture.RiscV64 or Architecture.LoongArch64 => 235,
        var a => throw new UserError($"hostmem probe does not know the mbind syscall on {a}", "run it on x86-64 or arm64"),
    };

    public static string Name(int errno) => errno switch
    {
        ENOMEM => "ENOMEM",
        EPERM => "EPERM",
        EINVAL => "EINVAL",
        EFAULT => "EFAULT",
        EINTR => "EINTR",
        EHWPOISON => "EHWPOISON",
        _ => $"errno {errno}",
    };
}
