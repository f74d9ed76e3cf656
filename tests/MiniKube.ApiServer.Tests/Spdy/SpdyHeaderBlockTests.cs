using MiniKube.ApiServer.Spdy;

namespace MiniKube.ApiServer.Tests.Spdy;

public sealed class SpdyHeaderBlockTests
{
    /// <summary>
    /// The header block of the first SYN_STREAM kubectl 1.32 sent (captured with -v=8): zlib with the SPDY dictionary, whose
    /// Adler-32 (e3c6a7c2) is in the zlib header.
    /// </summary>
    private static readonly byte[] KubectlErrorStreamHeaders = Convert.FromHexString(
        "78F9E3C6A7C202253A060606CE2248FC6482D22DA30138E59514A526E6420B17D65450D0430AEA2250A266B23000000000FFFF");

    [Fact]
    public void The_dictionary_is_the_one_kubectl_compresses_with()
    {
        Assert.Equal(1423, SpdyDictionary.Bytes.Length);
        Assert.Equal(0xE3C6A7C2u, SpdyDictionary.Id);
    }

    [Fact]
    public void Kubectls_compressed_headers_decompress_with_the_dictionary()
    {
        using var decompressor = new SpdyHeaderDecompressor();

        var headers = decompressor.Decompress(KubectlErrorStreamHeaders);

        Assert.Equal(new Dictionary<string, string> { ["port"] = "80", ["requestid"] = "0", ["streamtype"] = "error" },
            headers.ToDictionary(h => h.Key, h => h.Value));
    }

    [Fact]
    public void Blocks_written_by_the_compressor_read_back_in_order_on_one_stream()
    {
        var compressor = new SpdyHeaderCompressor();
        using var decompressor = new SpdyHeaderDecompressor();
        KeyValuePair<string, string>[] first = [new("streamtype", "data"), new("port", "8080")];
        KeyValuePair<string, string>[] second = [new("x-long", new string('v', 40_000)), new("x-longer", new string('w', 40_000))];

        var one = compressor.Compress(first);
        var two = compressor.Compress(second);
        var three = compressor.Compress([]);

        Assert.Equal([0x78, 0x01], one[..2]);
        Assert.All(new[] { one, two, three }, block => Assert.Equal([0x00, 0x00, 0x00, 0xFF, 0xFF], block[^5..]));
        Assert.NotEqual(0x78, two[0]);
        Assert.Equal(first, decompressor.Decompress(one));
        Assert.Equal(second, decompressor.Decompress(two));
        Assert.Empty(decompressor.Decompress(three));
    }

    [Fact]
    public void Header_names_are_lower_cased_and_multiple_values_stay_nul_joined()
    {
        var compressor = new SpdyHeaderCompressor();
        using var decompressor = new SpdyHeaderDecompressor();

        var headers = decompressor.Decompress(compressor.Compress([new("StreamType", "a\0b")]));

        Assert.Equal([new KeyValuePair<string, string>("streamtype", "a\0b")], headers);
    }

    [Fact]
    public void A_stream_compressed_with_another_dictionary_is_refused()
    {
        using var decompressor = new SpdyHeaderDecompressor();
        var other = (byte[])KubectlErrorStreamHeaders.Clone();
        other[2] ^= 0xFF;

        var error = Assert.Throws<SpdyProtocolException>(() => decompressor.Decompress(other));

        Assert.Contains("not the SPDY/3 dictionary", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_block_is_a_protocol_error()
    {
        using var decompressor = new SpdyHeaderDecompressor();

        Assert.Throws<SpdyProtocolException>(() => decompressor.Decompress(KubectlErrorStreamHeaders.AsSpan(0, 20)));
    }
}
