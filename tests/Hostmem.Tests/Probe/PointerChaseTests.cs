using System.Runtime.InteropServices;
using Hostmem.Probe;
using Xunit;

namespace Hostmem.Tests.Probe;

/// <summary>The latency chain: one cycle through every cache line of the buffer, whatever the size and seed.</summary>
public unsafe class PointerChaseTests
{
    /// <summary>Follows the chain from the first line; the number of distinct lines seen before it comes back.</summary>
    static (int Steps, int Distinct, bool AllInside, bool AllLineStarts) Follow(nint start, int lines)
    {
        var seen = new HashSet<nint>();
        nint p = start;
        var inside = true;
        var aligned = true;
        int steps = 0;
        do
        {
            seen.Add(p);
            var next = *(nint*)p;
            inside &= next >= start && next < start + lines * PointerChase.LineBytes;
            aligned &= (next - start) % PointerChase.LineBytes == 0;
            if (!inside) break;
            p = next;
            steps++;
        } while (p != start && steps <= lines);
        return (steps, seen.Count, inside, aligned);
    }

    [Theory]
    [InlineData(1, 1UL)]
    [InlineData(2, 7UL)]
    [InlineData(3, 1UL)]
    [InlineData(1024, 42UL)]
    [InlineData(1024, 43UL)]
    [InlineData(65536, 0xDEADBEEFUL)]
    public void The_chain_is_one_cycle_through_every_line(int lines, ulong seed)
    {
        var bytes = (nuint)(lines * PointerChase.LineBytes);
        var start = (nint)NativeMemory.AlignedAlloc(bytes, 64);
        try
        {
            PointerChase.Link(start, bytes, seed);
            var (steps, distinct, inside, aligned) = Follow(start, lines);
            Assert.True(inside);
            Assert.True(aligned);
            Assert.Equal(lines, steps);    // back at the start after exactly one visit of each line...
            Assert.Equal(lines, distinct); // ...and every line was visited
        }
        finally
        {
            NativeMemory.AlignedFree((void*)start);
        }
    }

    [Fact]
    public void The_order_is_random_not_sequential()
    {
        const int lines = 4096;
        var bytes = (nuint)(lines * PointerChase.LineBytes);
        var start = (nint)NativeMemory.AlignedAlloc(bytes, 64);
        try
        {
            PointerChase.Link(start, bytes, seed: 1);
            // A prefetcher follows strides: count links to the next or previous line. A uniform random cycle has about 2 of
            // 4096 such links; a sequential or strided chain would have thousands.
            var neighbours = Enumerable.Range(0, lines).Count(i =>
                Math.Abs((long)*(nint*)(start + i * PointerChase.LineBytes) - (start + i * PointerChase.LineBytes)) == PointerChase.LineBytes);
            Assert.True(neighbours < 40, $"{neighbours} links to a neighbouring line");
        }
        finally
        {
            NativeMemory.AlignedFree((void*)start);
        }
    }

    [Fact]
    public void Walking_the_whole_cycle_comes_back_to_the_start()
    {
        const int lines = 256;
        var bytes = (nuint)(lines * PointerChase.LineBytes);
        var start = (nint)NativeMemory.AlignedAlloc(bytes, 64);
        try
        {
            PointerChase.Link(start, bytes, seed: 9);
            Assert.Equal(start, PointerChase.Walk(start, lines));      // 256 loads: one full turn
            Assert.NotEqual(start, PointerChase.Walk(start, lines - 16)); // 240: not yet
        }
        finally
        {
            NativeMemory.AlignedFree((void*)start);
        }
    }
}
