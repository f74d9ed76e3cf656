using MiniKube.Api;

namespace MiniKube.Api.Tests;

/// <summary>The cases are Go's own: what <c>time.ParseDuration</c> accepts and refuses.</summary>
public sealed class GoDurationTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("+0", 0L)]
    [InlineData("-0", 0L)]
    [InlineData("5s", 5_000_000_000L)]
    [InlineData("30s", 30_000_000_000L)]
    [InlineData("1478s", 1_478_000_000_000L)]
    [InlineData("-5s", -5_000_000_000L)]
    [InlineData("+5s", 5_000_000_000L)]
    [InlineData("-0s", 0L)]
    [InlineData("5.0s", 5_000_000_000L)]
    [InlineData("5.6s", 5_600_000_000L)]
    [InlineData("5.s", 5_000_000_000L)]
    [InlineData(".5s", 500_000_000L)]
    [InlineData("1.0s", 1_000_000_000L)]
    [InlineData("1.00s", 1_000_000_000L)]
    [InlineData("1.004s", 1_004_000_000L)]
    [InlineData("1.0040s", 1_004_000_000L)]
    [InlineData("100.00100s", 100_001_000_000L)]
    [InlineData("10ns", 0L)] // below a tick
    [InlineData("1100ns", 1_100L)]
    [InlineData("11us", 11_000L)]
    [InlineData("13\u00b5s", 13_000L)]
    [InlineData("14\u03bcs", 14_000L)]
    [InlineData("15ms", 15_000_000L)]
    [InlineData("16s", 16_000_000_000L)]
    [InlineData("17m", 1_020_000_000_000L)]
    [InlineData("18h", 64_800_000_000_000L)]
    [InlineData("3h30m", 12_600_000_000_000L)]
    [InlineData("10.5s4m", 250_500_000_000L)]
    [InlineData("-2m3.4s", -123_400_000_000L)]
    [InlineData("1h2m3s4ms5us6ns", 3_723_004_005_000L)]
    [InlineData("39h9m14.425s", 140_954_425_000_000L)]
    [InlineData("52763797000ns", 52_763_797_000L)]
    [InlineData("0.3333333333333333333h", 1_200_000_000_000L)]
    [InlineData("9223372036854775807ns", 9_223_372_036_854_775_800L)]
    [InlineData("1.5h", 5_400_000_000_000L)]
    [InlineData("40s", 40_000_000_000L)]
    [InlineData("500ms", 500_000_000L)]
    [InlineData("1m30s", 90_000_000_000L)]
    public void Reads_what_go_reads(string text, long nanoseconds)
    {
        Assert.True(GoDuration.TryParse(text, out var value), text);
        Assert.Equal(TimeSpan.FromTicks(nanoseconds / 100), value);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("3")]
    [InlineData("40")]
    [InlineData("-")]
    [InlineData("s")]
    [InlineData(".")]
    [InlineData("-.")]
    [InlineData(".s")]
    [InlineData("+.s")]
    [InlineData("1d")]
    [InlineData("4x")]
    [InlineData("5s3")]
    [InlineData(" 5s")]
    [InlineData("5s ")]
    [InlineData("1.2.3s")]
    [InlineData("9223372036854775808ns")]
    [InlineData("9223372037s")]
    [InlineData("3000000h")]
    public void Refuses_what_go_refuses(string? text) => Assert.False(GoDuration.TryParse(text, out _), text);

    [Theory]
    [InlineData(40_000, "40s")]
    [InlineData(300_000, "5m")]
    [InlineData(250, "250ms")]
    [InlineData(5_400_000, "90m")]
    [InlineData(7_200_000, "2h")]
    [InlineData(0, "0s")]
    [InlineData(1_500, "1500ms")]
    public void Formats_in_the_largest_whole_unit_and_reads_back(int milliseconds, string text)
    {
        var value = TimeSpan.FromMilliseconds(milliseconds);
        Assert.Equal(text, GoDuration.Format(value));
        Assert.True(GoDuration.TryParse(text, out var back));
        Assert.Equal(value, back);
    }
}
