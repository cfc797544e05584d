using Hostmem.Qmp;
using Xunit;

namespace Hostmem.Tests.Status;

/// <summary>HMP 'info ramblock' as QEMU 10 and 7.2 print it (Status/data).</summary>
public class RamBlocksTests
{
    [Fact]
    public void Qemu_10_names_a_numa_memdev_and_leaves_other_backends_unnamed()
    {
        var blocks = RamBlocks.Parse(Capture.Text("bind-node0.ramblock.txt"))!;
        Assert.Equal(8, blocks.Count);
        var m = blocks.Single(b => b.Name == "m");
        Assert.Equal((64UL << 20, 64UL << 20, 4096UL, 0UL), (m.UsedBytes, m.TotalBytes, m.PageSizeBytes, m.OffsetBytes));
        Assert.Equal(0x7fae87e00000UL & 0xfff, m.HostAddress & 0xfff); // page aligned
        Assert.Contains("0x" + m.HostAddress.ToString("x16"), Capture.Text("bind-node0.ramblock.txt"));
        Assert.Equal(2, blocks.Count(b => b.Name == ""));
        Assert.Contains(blocks, b => b.Name == "/rom@etc/acpi/tables" && b.UsedBytes == 0x20000 && b.TotalBytes == 0x200000);
    }

    [Fact]
    public void Cxl_type3_volatile_memdevs_have_unnamed_blocks()
    {
        var blocks = RamBlocks.Parse(Capture.Text("cxl-type3.ramblock.txt"))!;
        Assert.Equal(2, blocks.Count(b => b.Name == "" && b.UsedBytes == 256UL << 20));
        Assert.Contains(blocks, b => b.Name == "main");
        Assert.Contains(blocks, b => b.Name == "dimm");
    }

    [Fact]
    public void Huge_page_blocks_show_their_page_size()
    {
        var blocks = RamBlocks.Parse(Capture.Text("nested-hugetlb.ramblock.txt"))!;
        Assert.Equal(2, blocks.Count(b => b.PageSizeBytes == 2UL << 20));
        Assert.Contains(blocks, b => b.Name == "pc.ram" && b.PageSizeBytes == 4096);
    }

    [Fact]
    public void Qemu_7_2_has_no_host_address_column() => Assert.Null(RamBlocks.Parse(Capture.Text("qemu72-cxl.ramblock.txt")));

    [Theory]
    [InlineData("")]
    [InlineData("unknown command: 'info ramblock'")]
    [InlineData("              Block Name    PSize              Offset               Used              Total                HVA  RO\n  m  4 KiB  0x0 0x1 zz 0x2 rw")]
    [InlineData("              Block Name    PSize              Offset               Used              Total                HVA  RO\n  m  4 KB  0x0 0x1 0x1 0x2 rw")]
    public void Text_that_is_not_the_table_gives_null(string text) => Assert.Null(RamBlocks.Parse(text));
}
