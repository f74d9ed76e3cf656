namespace MiniKube.Api.Tests;

public sealed class QuantityTests
{
    [Theory]
    [InlineData("500m", "0.5")]
    [InlineData("1.5", "1.5")]
    [InlineData("2", "2")]
    [InlineData("128Mi", "134217728")]
    [InlineData("1Gi", "1073741824")]
    [InlineData("1G", "1000000000")]
    [InlineData("1k", "1000")]
    [InlineData("1e3", "1000")]
    [InlineData("1E3", "1000")]
    [InlineData("0.1", "0.1")]
    [InlineData("-2", "-2")]
    [InlineData("-500m", "-0.5")]
    [InlineData("+3", "3")]
    [InlineData(".5", "0.5")]
    [InlineData("1.5Ki", "1536")]
    [InlineData("1Ei", "1152921504606846976")]
    [InlineData("1E", "1000000000000000000")]
    [InlineData("100n", "0.0000001")]
    [InlineData("5u", "0.000005")]
    [InlineData("2e-3", "0.002")]
    [InlineData("0", "0")]
    public void Parse_reads_every_kubernetes_form_exactly(string text, string expected)
    {
        var q = Quantity.Parse(text);

        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), q.Amount);
        Assert.Equal(text, q.ToString());
    }

    [Theory]
    [InlineData("12x")]
    [InlineData("1.2.3")]
    [InlineData("")]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("m")]
    [InlineData("Ki")]
    [InlineData("1mi")]
    [InlineData("1KiB")]
    [InlineData("1e")]
    [InlineData("--1")]
    [InlineData("1e3m")]
    public void Parse_rejects_malformed_text(string text)
    {
        Assert.Throws<FormatException>(() => Quantity.Parse(text));
        Assert.False(Quantity.TryParse(text, out _));
    }

    [Fact]
    public void Parse_error_for_garbage_uses_kubernetes_wording()
    {
        var ex = Assert.Throws<FormatException>(() => Quantity.Parse("12x"));
        Assert.Equal(Quantity.FormatErrorMessage, ex.Message);
    }

    [Fact]
    public void Values_below_a_nano_unit_round_up_to_one_nano()
    {
        var q = Quantity.Parse("0.0000000001");

        Assert.Equal(0.000000001m, q.Amount);
        Assert.Equal("1n", q.ToString());
    }

    [Theory]
    [InlineData("100m", "0.1", 0)]
    [InlineData("1Gi", "1G", 1)]
    [InlineData("1000m", "1", 0)]
    [InlineData("1k", "1e3", 0)]
    [InlineData("999m", "1", -1)]
    [InlineData("1Mi", "1048576", 0)]
    [InlineData("-1", "1m", -1)]
    public void Compare_is_exact_whatever_the_spelling(string left, string right, int expected)
    {
        var a = Quantity.Parse(left);
        var b = Quantity.Parse(right);

        Assert.Equal(expected, Math.Sign(a.CompareTo(b)));
        Assert.Equal(expected == 0, a == b);
        Assert.Equal(expected == 0, a.Equals(b));
        Assert.Equal(expected > 0, a > b);
        Assert.Equal(expected < 0, a < b);
        if (expected == 0)
        {
            Assert.Equal(a.GetHashCode(), b.GetHashCode());
        }
    }

    [Theory]
    [InlineData("1.5", 2, 1500)]
    [InlineData("250m", 1, 250)]
    [InlineData("1m", 1, 1)]
    [InlineData("0.0001", 1, 1)]
    [InlineData("-1.5", -2, -1500)]
    [InlineData("128Mi", 134217728, 134217728000)]
    [InlineData("0", 0, 0)]
    public void Value_and_MilliValue_round_away_from_zero(string text, long value, long milli)
    {
        var q = Quantity.Parse(text);

        Assert.Equal(value, q.Value);
        Assert.Equal(milli, q.MilliValue);
    }

    [Theory]
    [InlineData("250m", "250m", "500m")]
    [InlineData("1", "500m", "1500m")]
    [InlineData("1Gi", "512Mi", "1536Mi")]
    [InlineData("1Gi", "1Gi", "2Gi")]
    [InlineData("100Mi", "1", "104857601")]
    [InlineData("1k", "1k", "2k")]
    [InlineData("1e3", "1e3", "2e3")]
    public void Add_produces_the_canonical_form_of_the_left_operand(string left, string right, string expected)
    {
        var sum = Quantity.Parse(left) + Quantity.Parse(right);

        Assert.Equal(expected, sum.ToString());
        Assert.Equal(Quantity.Parse(expected), sum);
    }

    [Fact]
    public void Subtract_can_go_negative()
    {
        var result = Quantity.Parse("500m").Subtract(Quantity.Parse("1"));

        Assert.Equal("-500m", result.ToString());
        Assert.Equal(-500, result.MilliValue);
        Assert.Equal(-1, result.Sign);
    }

    [Theory]
    [InlineData(250L, "250m")]
    [InlineData(1000L, "1")]
    [InlineData(1500L, "1500m")]
    [InlineData(0L, "0")]
    [InlineData(2000000L, "2k")]
    public void FromMilli_prints_millicores(long milli, string expected) =>
        Assert.Equal(expected, Quantity.FromMilli(milli).ToString());

    [Theory]
    [InlineData(1073741824L, "1Gi")]
    [InlineData(134217728L, "128Mi")]
    [InlineData(1536L, "1536")]
    [InlineData(2048L, "2Ki")]
    [InlineData(1000000L, "1000000")]
    // Below 1024 Kubernetes switches to decimal suffixes.
    [InlineData(1000L, "1k")]
    [InlineData(512L, "512")]
    public void FromBytes_uses_the_largest_exact_binary_suffix(long bytes, string expected) =>
        Assert.Equal(expected, Quantity.FromBytes(bytes).ToString());

    [Theory]
    [InlineData("0.1", "100m")]
    [InlineData("1.5Gi", "1536Mi")]
    [InlineData("1000", "1k")]
    [InlineData("1500", "1500")]
    [InlineData("2e3", "2e3")]
    public void Canonical_form_ignores_the_original_spelling(string text, string expected) =>
        Assert.Equal(expected, Quantity.Parse(text).ToCanonicalString());

    [Fact]
    public void Default_quantity_is_zero()
    {
        var q = default(Quantity);

        Assert.True(q.IsZero);
        Assert.Equal("0", q.ToString());
        Assert.Equal(Quantity.Parse("0m"), q);
    }
}
