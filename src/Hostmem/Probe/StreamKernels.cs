using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Hostmem.Probe;

/// <summary>
/// The bandwidth loops: plain vector loads over a range (read), and non-temporal vector stores (write: they go to memory
/// without first reading each line into the cache, as likwid-bench's store_mem and Intel MLC's write test do). The
/// widest vector the compiled code may use: NativeAOT builds for the x86-64 baseline, so the published binary uses
/// 128-bit SSE2 (enough: a core issues loads far faster than memory answers); the JIT uses AVX-512 or AVX2 where present.
/// </summary>
public static unsafe class StreamKernels
{
    public static int VectorBits =>
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? 512 : Vector256.IsHardwareAccelerated && Avx.IsSupported ? 256 : 128;

    /// <summary>Whether <see cref="WriteNonTemporal"/> bypasses the cache (x86: MOVNTDQ/VMOVNTDQ); else it stores plainly.</summary>
    public static bool NonTemporalStores => Sse2.IsSupported;

    /// <summary>Reads every byte of [start, start+bytes) (bytes a multiple of 256, start 64-byte aligned); the xor of
    /// everything read, so the loads cannot be dropped.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static ulong Read(nint start, ulong bytes)
    {
        var p = (byte*)start;
        var end = p + bytes;
        if (VectorBits == 512)
        {
            Vector512<ulong> a = default, b = default, c = default, d = default;
            for (; p < end; p += 256)
            {
                a ^= Vector512.LoadAligned((ulong*)p);
                b ^= Vector512.LoadAligned((ulong*)(p + 64));
                c ^= Vector512.LoadAligned((ulong*)(p + 128));
                d ^= Vector512.LoadAligned((ulong*)(p + 192));
            }
            return ((a ^ b) ^ (c ^ d)).ToScalar();
        }
        if (VectorBits == 256)
        {
            Vector256<ulong> a = default, b = default, c = default, d = default;
            for (; p < end; p += 128)
            {
                a ^= Vector256.LoadAligned((ulong*)p);
                b ^= Vector256.LoadAligned((ulong*)(p + 32));
                c ^= Vector256.LoadAligned((ulong*)(p + 64));
                d ^= Vector256.LoadAligned((ulong*)(p + 96));
            }
            return ((a ^ b) ^ (c ^ d)).ToScalar();
        }
        {
            Vector128<ulong> a = default, b = default, c = default, d = default;
            for (; p < end; p += 64)
            {
                a ^= Vector128.LoadAligned((ulong*)p);
                b ^= Vector128.LoadAligned((ulong*)(p + 16));
                c ^= Vector128.LoadAligned((ulong*)(p + 32));
                d ^= Vector128.LoadAligned((ulong*)(p + 48));
            }
            return ((a ^ b) ^ (c ^ d)).ToScalar();
        }
    }

    /// <summary>Writes every byte of [start, start+bytes) (bytes a multiple of 256, start 64-byte aligned) with
    /// non-temporal stores, then a store fence so the bytes are on their way to memory when it returns.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void WriteNonTemporal(nint start, ulong bytes, ulong pattern)
    {
        var p = (byte*)start;
        var end = p + bytes;
        if (VectorBits == 512)
        {
            var v = Vector512.Create(pattern).AsByte();
            for (; p < end; p += 256)
            {
                Avx512F.StoreAlignedNonTemporal(p, v);
                Avx512F.StoreAlignedNonTemporal(p + 64, v);
                Avx512F.StoreAlignedNonTemporal(p + 128, v);
                Avx512F.StoreAlignedNonTemporal(p + 192, v);
            }
        }
        else if (VectorBits == 256)
        {
            var v = Vector256.Create(pattern).AsByte();
            for (; p < end; p += 128)
            {
                Avx.StoreAlignedNonTemporal(p, v);
                Avx.StoreAlignedNonTemporal(p + 32, v);
                Avx.StoreAlignedNonTemporal(p + 64, v);
                Avx.StoreAlignedNonTemporal(p + 96, v);
            }
        }
        else if (Sse2.IsSupported)
        {
            var v = Vector128.Create(pattern).AsByte();
            for (; p < end; p += 64)
            {
                Sse2.StoreAlignedNonTemporal(p, v);
                Sse2.StoreAlignedNonTemporal(p + 16, v);
                Sse2.StoreAlignedNonTemporal(p + 32, v);
                Sse2.StoreAlignedNonTemporal(p + 48, v);
            }
        }
        else
        {
            var v = Vector128.Create(pattern);
            for (; p < end; p += 16) v.StoreAligned((ulong*)p);
        }
        if (Sse.IsSupported) Sse.StoreFence();
    }
}
