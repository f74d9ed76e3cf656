namespace MiniKube.Api.Tests;

public sealed class IntOrStringTests
{
    [Theory]
    [InlineData("25%", 10, true, 3)]
    [InlineData("25%", 10, false, 2)]
    [InlineData("50%", 4, true, 2)]
    [InlineData("50%", 4, false, 2)]
    [InlineData("0%", 7, true, 0)]
    [InlineData("100%", 7, false, 7)]
    [InlineData("33%", 1, true, 1)]
    [InlineData("33%", 1, false, 0)]
    public void Percentages_round_in_the_requested_direction(string percent, int total, bool roundUp, int expected) =>
        Assert.Equal(expected, IntOrString.FromString(percent).GetScaledValue(total, roundUp));

    [Fact]
    public void Integers_are_absolute()
    {
        IntOrString value = 3;

        Assert.True(value.IsInt);
        Assert.Equal(3, value.GetScaledValue(100, roundUp: true));
    }

    [Theory]
    [InlineData("http")]
    [InlineData("%")]
    [InlineData("abc%")]
    public void Non_percentage_strings_cannot_be_scaled(string text)
    {
        var value = IntOrString.FromString(text);

        Assert.Throws<FormatException>(() => value.GetScaledValue(10, roundUp: true));
        Assert.False(value.TryGetScaledValue(10, false, out _, out var error));
        Assert.Contains("not a percentage", error);
    }

    [Fact]
    public void Json_keeps_numbers_and_strings_apart()
    {
        var port = KubeSerializer.FromJson<ServicePort>("""{"port":80,"targetPort":8080}""");
        var named = KubeSerializer.FromJson<ServicePort>("""{"port":80,"targetPort":"http"}""");

        Assert.Equal(IntOrString.FromInt(8080), port.TargetPort);
        Assert.Equal(IntOrString.FromString("http"), named.TargetPort);
        Assert.Equal("""{"port":80,"targetPort":8080}""", KubeSerializer.ToJson(port));
        Assert.Equal("""{"port":80,"targetPort":"http"}""", KubeSerializer.ToJson(named));
    }
}
