using System.Text;
using System.Text.Json.Nodes;

namespace MiniKube.ApiServer.Tests;

public sealed class ObjectCodecTests
{
    [Theory]
    [InlineData("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":{}}""", """{"apiVersion":"v1","kind":"Pod","metadata":{"resourceVersion":"42","name":"a"},"spec":{}}""")]
    [InlineData("""{"kind":"X","spec":{"metadata":{"x":1}},"metadata":{}}""", """{"kind":"X","spec":{"metadata":{"x":1}},"metadata":{"resourceVersion":"42"}}""")]
    public void The_version_is_spliced_into_the_top_level_metadata(string stored, string expected)
    {
        var spliced = ObjectCodec.SpliceResourceVersion(Encoding.UTF8.GetBytes(stored), "42");

        Assert.NotNull(spliced);
        Assert.Equal(expected, Encoding.UTF8.GetString(spliced));
        Assert.NotNull(JsonNode.Parse(spliced));
    }

    [Fact]
    public void Without_metadata_there_is_nothing_to_splice()
    {
        Assert.Null(ObjectCodec.SpliceResourceVersion("""{"kind":"X"}"""u8, "1"));
    }
}
