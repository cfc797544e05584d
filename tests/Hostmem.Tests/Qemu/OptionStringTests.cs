using Hostmem;
using Hostmem.Qemu;
using Xunit;

namespace Hostmem.Tests.Qemu;

public class OptionStringTests
{
    static OptionString Obj(string s) => OptionString.Parse(s, QemuOptionSyntax.QemuOpts, "qom-type", "-object");
    static OptionString Mach(string s) => OptionString.Parse(s, QemuOptionSyntax.Keyval, "type", "-M");

    [Fact]
    public void Bare_first_word_is_the_implied_key()
    {
        var o = Obj("memory-backend-ram,id=vmem0,size=19G,host-mem-type=cxlram");
        Assert.Equal("memory-backend-ram", o.Get("qom-type"));
        Assert.Equal(OptionEntryForm.Implied, o.Entries[0].Form);
        Assert.Equal("vmem0", o.Get("id"));
        Assert.Equal("19G", o.Get("size"));
        Assert.Equal("cxlram", o.Get("host-mem-type"));
    }

    [Fact]
    public void Explicit_implied_key_anywhere_is_a_plain_pair()
    {
        var o = Obj("id=a,size=1M,qom-type=memory-backend-ram");
        Assert.Equal("memory-backend-ram", o.Get("qom-type"));
        Assert.All(o.Entries, e => Assert.Equal(OptionEntryForm.Pair, e.Form));
    }

    [Fact]
    public void Double_comma_is_a_literal_comma()
    {
        var o = Obj("memory-backend-file,id=m,mem-path=/a,,b,size=1G");
        Assert.Equal("/a,b", o.Get("mem-path"));
        Assert.Equal("1G", o.Get("size"));
    }

    [Fact]
    public void Double_comma_in_a_QemuOpts_implied_value_is_a_literal_comma()
    {
        // QEMU 10: -object memory-backend-ram,,x,id=a → "Parameter 'qom-type' does not accept value 'memory-backend-ram,x'"
        var o = Obj("memory-backend-ram,,x,id=a");
        Assert.Equal("memory-backend-ram,x", o.Get("qom-type"));
        Assert.Equal("a", o.Get("id"));
    }

    [Fact]
    public void Keyval_implied_value_stops_at_the_first_comma()
    {
        // QEMU 10: -machine none,,x → "Invalid parameter ''"
        var e = Assert.Throws<UserError>(() => Mach("none,,x"));
        Assert.Contains("Invalid parameter ''", e.Problem);
    }

    [Fact]
    public void Trailing_comma_is_accepted_and_kept()
    {
        var o = Obj("memory-backend-ram,id=a,size=1M,");
        Assert.True(o.TrailingComma);
        Assert.Equal(3, o.Entries.Count);
        Assert.Equal("memory-backend-ram,id=a,size=1M,", o.Render());
    }

    [Fact]
    public void Value_ending_in_escaped_comma_is_not_a_trailing_comma()
    {
        var o = Obj("memory-backend-ram,id=a,size=1M,,");
        Assert.False(o.TrailingComma);
        Assert.Equal("1M,", o.Get("size"));
    }

    [Fact]
    public void QemuOpts_bare_word_is_a_short_form_boolean()
    {
        var o = Obj("memory-backend-ram,id=a,size=1M,prealloc,nomerge");
        Assert.Equal("on", o.Get("prealloc"));
        Assert.Equal("off", o.Get("merge"));
        Assert.Equal(OptionEntryForm.Flag, o.Entries[3].Form);
        Assert.Equal("nomerge", o.Entries[4].Key);
    }

    [Fact]
    public void Keyval_bare_word_after_the_first_is_rejected()
    {
        var e = Assert.Throws<UserError>(() => Mach("none,dump-guest-core"));
        Assert.Equal("-M 'none,dump-guest-core': Expected '=' after parameter 'dump-guest-core'", e.Problem);
    }

    [Fact]
    public void Keyval_dotted_keys_are_understood()
    {
        var m = Mach("cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=19G,cxl-fmw.0.interleave-granularity=8k");
        Assert.Equal("cxl.1", m.Get("cxl-fmw.0.targets.0"));
        Assert.Equal(["cxl.1"], m.GetAll("cxl-fmw.0.targets"));
        Assert.Equal(OptionEntryForm.Pair, m.Entries[0].Form);
    }

    [Fact]
    public void Keyval_list_with_a_gap_is_rejected()
    {
        var e = Assert.Throws<UserError>(() => Mach("cxl-fmw.1.targets.0=cxl.1,cxl-fmw.1.size=4G"));
        Assert.Contains("Parameter 'cxl-fmw.0' missing", e.Problem);
    }

    [Fact]
    public void Keyval_key_used_as_value_and_group_is_rejected()
    {
        var e = Assert.Throws<UserError>(() => Mach("cxl-fmw.0.size=4G,cxl-fmw.0=x"));
        Assert.Contains("used inconsistently", e.Problem);
    }

    [Fact]
    public void Empty_key_is_rejected_naming_the_argument()
    {
        var e = Assert.Throws<UserError>(() => Obj("memory-backend-ram,id=a,=3"));
        Assert.Equal("-object 'memory-backend-ram,id=a,=3': Invalid parameter ''", e.Problem);
        Assert.False(string.IsNullOrWhiteSpace(e.Hint));
    }

    [Fact]
    public void Stray_comma_between_parameters_is_rejected()
    {
        Assert.Throws<UserError>(() => Obj("memory-backend-ram,id=a,prealloc,,,size=1M"));
        Assert.Throws<UserError>(() => Obj(",id=a"));
    }

    [Fact]
    public void Duplicate_scalar_keys_are_kept_and_the_last_wins()
    {
        // QEMU 10: size=1M,size=2M → query-memdev size 2097152; policy=bind,policy=preferred → preferred
        var o = Obj("memory-backend-ram,id=a,size=1M,size=2M");
        Assert.Equal("2M", o.Get("size"));
        Assert.Equal("memory-backend-ram,id=a,size=1M,size=2M", o.Render());
    }

    [Fact]
    public void Duplicate_id_the_first_wins_in_QemuOpts()
    {
        // QEMU 10: id=b,size=1M,id=a → query-memdev id "b"
        Assert.Equal("b", Obj("memory-backend-ram,id=b,size=1M,id=a").Get("id"));
    }

    [Fact]
    public void Keyval_duplicate_keys_the_last_wins()
    {
        // QEMU 10: -M none,dump-guest-core=off,dump-guest-core=on → true
        Assert.Equal("on", Mach("none,dump-guest-core=off,dump-guest-core=on").Get("dump-guest-core"));
    }

    [Fact]
    public void Repeated_list_key_collects_every_value()
    {
        var o = Obj("memory-backend-ram,id=a,size=1M,host-nodes=0,host-nodes=2-3,policy=bind");
        Assert.Equal(["0", "2-3"], o.GetAll("host-nodes"));
    }

    [Fact]
    public void Set_replaces_only_that_entry()
    {
        const string s = "memory-backend-ram,id=vmem0,size=19G,host-mem-type=cxlram";
        var o = Obj(s);
        o.Set("size", "20G");
        Assert.Equal("memory-backend-ram,id=vmem0,size=20G,host-mem-type=cxlram", o.Render());
    }

    [Fact]
    public void Unchanged_entries_keep_their_original_text()
    {
        const string s = "memory-backend-file,id=m,mem-path=/a,,b,size=1G,share";
        var o = Obj(s);
        o.Set("size", "2G");
        Assert.Equal("memory-backend-file,id=m,mem-path=/a,,b,size=2G,share", o.Render());
    }

    [Fact]
    public void Set_escapes_commas_in_the_new_value()
    {
        var o = Obj("memory-backend-file,id=m,size=1G");
        o.Set("mem-path", "/x,y");
        Assert.Equal("memory-backend-file,id=m,size=1G,mem-path=/x,,y", o.Render());
        Assert.Equal("/x,y", Obj(o.Render()).Get("mem-path"));
    }

    [Fact]
    public void Set_on_a_repeated_key_keeps_the_first_position_and_drops_the_rest()
    {
        var o = Obj("memory-backend-ram,size=1M,id=a,size=2M");
        o.Set("size", "4M");
        Assert.Equal("memory-backend-ram,size=4M,id=a", o.Render());
    }

    [Fact]
    public void Remove_drops_the_key_and_its_separator()
    {
        var o = Obj("memory-backend-ram,id=vmem0,size=19G,host-mem-type=cxlram");
        Assert.True(o.Remove("host-mem-type"));
        Assert.False(o.Remove("host-mem-type"));
        Assert.Equal("memory-backend-ram,id=vmem0,size=19G", o.Render());
    }

    [Fact]
    public void SetUIntList_writes_a_non_contiguous_host_nodes_list_as_repeated_keys()
    {
        var o = Obj("memory-backend-ram,id=vmem0,size=19G,host-mem-type=cxlram");
        o.Remove("host-mem-type");
        o.SetUIntList("host-nodes", [0, 2, 3, 5]);
        o.Set("policy", "bind");
        Assert.Equal("memory-backend-ram,id=vmem0,size=19G,host-nodes=0,host-nodes=2-3,host-nodes=5,policy=bind", o.Render());
    }

    [Fact]
    public void SetUIntList_replaces_an_existing_list_in_place()
    {
        var o = Obj("memory-backend-ram,id=a,host-nodes=1,size=1M,host-nodes=4,policy=bind");
        o.SetUIntList("host-nodes", [0, 1]);
        Assert.Equal("memory-backend-ram,id=a,host-nodes=0-1,size=1M,policy=bind", o.Render());
    }

    [Fact]
    public void Keyval_list_is_written_with_indexes()
    {
        var m = Mach("q35");
        m.SetAll("cxl-fmw.0.targets", ["cxl.1", "cxl.2"]);
        Assert.Equal("q35,cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.targets.1=cxl.2", m.Render());
    }

    [Fact]
    public void Inserting_before_the_implied_value_spells_its_key_out()
    {
        var o = Obj("memory-backend-ram,id=a");
        o.Insert(0, OptionEntry.Pair("size", "1M"));
        Assert.Equal("size=1M,qom-type=memory-backend-ram,id=a", o.Render());
        Assert.Equal("memory-backend-ram", Obj(o.Render()).Get("qom-type"));
    }

    [Fact]
    public void Implied_value_with_equals_is_written_as_a_pair()
    {
        var o = OptionString.Create(QemuOptionSyntax.QemuOpts, "guest");
        o.Add(OptionEntry.Implied("guest", "a=b"));
        Assert.Equal("guest=a=b", o.Render());
        Assert.Equal("a=b", OptionString.Parse(o.Render(), QemuOptionSyntax.QemuOpts, "guest").Get("guest"));
    }

    [Fact]
    public void Value_may_contain_equals_signs()
    {
        var o = OptionString.Parse("virtio-net-pci,romfile=a=b", QemuOptionSyntax.QemuOpts, "driver", "-device");
        Assert.Equal("a=b", o.Get("romfile"));
    }

    [Fact]
    public void Empty_value_is_kept()
    {
        var o = Obj("memory-backend-ram,id=a,policy=");
        Assert.Equal("", o.Get("policy"));
        Assert.Equal("memory-backend-ram,id=a,policy=", o.Render());
    }

    [Fact]
    public void Empty_string_has_no_entries()
    {
        var o = Obj("");
        Assert.Empty(o.Entries);
        Assert.Equal("", o.Render());
    }
}
