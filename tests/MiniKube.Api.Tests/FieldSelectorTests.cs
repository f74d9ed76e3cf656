using MiniKube.Api;

namespace MiniKube.Api.Tests;

public sealed class FieldSelectorTests
{
    private static readonly Dictionary<string, string> Pod = new()
    {
        ["metadata.name"] = "web-1",
        ["metadata.namespace"] = "default",
        ["spec.nodeName"] = "n1",
        ["status.phase"] = "Running",
    };

    [Theory]
    [InlineData("spec.nodeName=n1", true)]
    [InlineData("spec.nodeName==n1", true)]
    [InlineData("spec.nodeName=n2", false)]
    [InlineData("spec.nodeName!=n2", true)]
    [InlineData("spec.nodeName!=n1", false)]
    [InlineData("spec.nodeName=n1,status.phase!=Running", false)]
    [InlineData("spec.nodeName=n1,status.phase!=Pending", true)]
    [InlineData(" spec.nodeName = n1 , metadata.name=web-1 ", true)]
    [InlineData("spec.hostname=", true)] // missing field reads as ""
    [InlineData("spec.hostname!=", false)]
    [InlineData("spec.hostname=x", false)]
    [InlineData("spec.nodeName=n1,,", true)] // blank terms are skipped
    [InlineData("", true)]
    public void Parse_and_match(string selector, bool expected)
    {
        Assert.Equal(expected, FieldSelector.Parse(selector).Matches(Pod));
    }

    [Theory]
    [InlineData("spec.nodeName", "has no operator")]
    [InlineData("=n1", "has no field name before the operator")]
    [InlineData("a=b,c", "\"c\" has no operator")]
    [InlineData("a=b=c", "unescaped '='")]
    [InlineData("a=b\\x", "invalid escape sequence")]
    [InlineData("a=b\\", "invalid escape sequence")]
    [InlineData("a\\=b=c", "may not contain '\\'")]
    public void Malformed_selectors_throw(string input, string expectedPart)
    {
        var e = Assert.Throws<FormatException>(() => FieldSelector.Parse(input));
        Assert.Contains(expectedPart, e.Message, StringComparison.Ordinal);
        Assert.Contains(input, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Escaped_values_round_trip()
    {
        var s = FieldSelector.Parse(@"metadata.name=a\,b\=c\\d");
        Assert.True(s.TryGetRequiredValue("metadata.name", out var v));
        Assert.Equal(@"a,b=c\d", v);
        Assert.Equal(@"metadata.name=a\,b\=c\\d", s.ToString());
        Assert.True(FieldSelector.Parse(s.ToString()).Matches(new Dictionary<string, string> { ["metadata.name"] = @"a,b=c\d" }));
    }

    [Theory]
    [InlineData("status.phase!=Running,spec.nodeName==n1", "spec.nodeName=n1,status.phase!=Running")]
    [InlineData("b=2,a=1", "a=1,b=2")]
    [InlineData("", "")]
    public void ToString_is_canonical(string input, string expected)
    {
        var s = FieldSelector.Parse(input);
        Assert.Equal(expected, s.ToString());
        Assert.Equal(expected, FieldSelector.Parse(expected).ToString());
    }

    [Theory]
    [InlineData("spec.nodeName=n1", "spec.nodeName", true, "n1")]
    [InlineData("status.phase=Running,spec.nodeName==n2", "spec.nodeName", true, "n2")]
    [InlineData("spec.nodeName!=n1", "spec.nodeName", false, "")]
    [InlineData("metadata.name=x", "spec.nodeName", false, "")]
    [InlineData("spec.nodeName=", "spec.nodeName", true, "")]
    public void TryGetRequiredValue_finds_exact_match(string selector, string field, bool found, string value)
    {
        Assert.Equal(found, FieldSelector.Parse(selector).TryGetRequiredValue(field, out var v));
        Assert.Equal(value, v);
    }

    [Fact]
    public void Requirements_and_emptiness()
    {
        Assert.True(FieldSelector.Parse(null).IsEmpty);
        Assert.True(FieldSelector.Parse(" , ").IsEmpty);
        var s = FieldSelector.Parse("status.phase!=Failed,spec.nodeName=n1");
        Assert.False(s.IsEmpty);
        Assert.Equal(
            [new FieldRequirement("spec.nodeName", SelectorOperator.Equal, "n1"), new FieldRequirement("status.phase", SelectorOperator.NotEqual, "Failed")],
            s.Requirements);
        Assert.False(FieldSelector.TryParse("x", out _, out var error));
        Assert.NotNull(error);
    }

    [Fact]
    public void Matching_does_not_allocate()
    {
        var s = FieldSelector.Parse("spec.nodeName=n1,status.phase!=Failed,spec.hostname=");
        Assert.True(s.Matches(Pod));
        var before = GC.GetAllocatedBytesForCurrentThread();
        var all = true;
        for (var i = 0; i < 1000; i++)
        {
            all &= s.Matches(Pod);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(all);
    }
}
