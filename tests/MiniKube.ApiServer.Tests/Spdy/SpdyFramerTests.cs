using System.IO.Pipes;
using MiniKube.ApiServer.Spdy;

namespace MiniKube.ApiServer.Tests.Spdy;

public sealed class SpdyFramerTests
{
    private static readonly KeyValuePair<string, string>[] Headers = [new("streamtype", "data"), new("port", "80"), new("requestid", "3")];

    private static readonly Dictionary<string, SpdyFrame> ControlFrames = new()
    {
        ["RST_STREAM"] = new SpdyRstStream(3, SpdyRstStatus.Cancel),
        ["SETTINGS"] = new SpdySettings(false, [new SpdySetting(1, SpdySetting.InitialWindowSize, 65536), new SpdySetting(0, 4, 100)]),
        ["PING"] = new SpdyPing(7),
        ["GOAWAY"] = new SpdyGoAway(5, 0),
        ["WINDOW_UPDATE"] = new SpdyWindowUpdate(3, 32768),
    };

    public static TheoryData<string> ControlFrameNames() => [.. ControlFrames.Keys];

    [Theory]
    [MemberData(nameof(ControlFrameNames))]
    public async Task Control_frames_without_headers_round_trip(string name)
    {
        var frame = ControlFrames[name];

        var read = await RoundTripAsync(frame);

        if (frame is SpdySettings settings)
        {
            var back = Assert.IsType<SpdySettings>(read);
            Assert.Equal(settings.Entries, back.Entries);
        }
        else
        {
            Assert.Equal(frame, read);
        }
    }

    [Fact]
    public async Task Frames_with_header_blocks_round_trip_through_one_compression_context()
    {
        await using var pair = await FramerPair.CreateAsync();

        await pair.Writer.WriteAsync(new SpdySynStream(1, 0, 3, false, true, Headers), default);
        await pair.Writer.WriteAsync(new SpdySynReply(2, true, []), default);
        await pair.Writer.WriteAsync(new SpdyHeaders(1, false, [new("x", "y")]), default);
        var syn = Assert.IsType<SpdySynStream>(await pair.Reader.ReadAsync(default));
        var reply = Assert.IsType<SpdySynReply>(await pair.Reader.ReadAsync(default));
        var headers = Assert.IsType<SpdyHeaders>(await pair.Reader.ReadAsync(default));

        Assert.Equal((1u, 0u, (byte)3, false, true), (syn.StreamId, syn.AssociatedStreamId, syn.Priority, syn.Fin, syn.Unidirectional));
        Assert.Equal(Headers, syn.Headers);
        Assert.Equal((2u, true), (reply.StreamId, reply.Fin));
        Assert.Empty(reply.Headers);
        Assert.Equal([new KeyValuePair<string, string>("x", "y")], headers.Headers);
    }

    [Fact]
    public async Task Data_frames_carry_their_bytes_and_fin()
    {
        var payload = new byte[100_000];
        Random.Shared.NextBytes(payload);

        var data = Assert.IsType<SpdyData>(await RoundTripAsync(new SpdyData(5, true, payload)));

        Assert.Equal((5u, true), (data.StreamId, data.Fin));
        Assert.Equal(payload, data.Data.ToArray());
    }

    [Fact]
    public async Task The_wire_format_is_spdy_3()
    {
        using var buffer = new MemoryStream();
        await using var framer = new SpdyFramer(buffer);

        await framer.WriteAsync(new SpdyPing(1), default);
        await framer.WriteAsync(new SpdyData(3, true, new byte[] { 0xAB }), default);

        // PING: control bit + version 3, type 6, no flags, length 4, id 1. DATA: stream 3, FIN, length 1, the byte.
        Assert.Equal(Convert.FromHexString("800300060000000400000001" + "00000003010000" + "01AB"), buffer.ToArray());
    }

    [Fact]
    public async Task A_control_frame_of_another_version_is_a_protocol_error()
    {
        await using var framer = new SpdyFramer(new MemoryStream(Convert.FromHexString("800200060000000400000001")));

        var error = await Assert.ThrowsAsync<SpdyProtocolException>(() => framer.ReadAsync(default));

        Assert.Contains("version 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_control_frames_are_read_past()
    {
        await using var framer = new SpdyFramer(new MemoryStream(Convert.FromHexString("8003000A00000002ABCD" + "800300060000000400000009")));

        Assert.Equal(new SpdyUnknownControl(10), await framer.ReadAsync(default));
        Assert.Equal(new SpdyPing(9), await framer.ReadAsync(default));
        Assert.Null(await framer.ReadAsync(default));
    }

    [Fact]
    public async Task A_stream_that_ends_inside_a_frame_is_a_protocol_error()
    {
        await using var framer = new SpdyFramer(new MemoryStream(Convert.FromHexString("00000003000000100102")));

        await Assert.ThrowsAsync<SpdyProtocolException>(() => framer.ReadAsync(default));
    }

    [Fact]
    public async Task Oversized_frames_are_refused_before_they_are_read()
    {
        await using var framer = new SpdyFramer(new MemoryStream(Convert.FromHexString("0000000300FFFFFF")));

        var error = await Assert.ThrowsAsync<SpdyProtocolException>(() => framer.ReadAsync(default));

        Assert.Contains("16777215 bytes", error.Message, StringComparison.Ordinal);
    }

    private static async Task<SpdyFrame?> RoundTripAsync(SpdyFrame frame)
    {
        await using var pair = await FramerPair.CreateAsync();
        // Read while writing: a frame larger than the pipe's buffer blocks its writer until it is read.
        var read = pair.Reader.ReadAsync(default);
        await pair.Writer.WriteAsync(frame, default);
        return await read.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Two framers on the two ends of an anonymous pipe.</summary>
    private sealed class FramerPair(SpdyFramer writer, SpdyFramer reader) : IAsyncDisposable
    {
        public SpdyFramer Writer { get; } = writer;
        public SpdyFramer Reader { get; } = reader;

        public static Task<FramerPair> CreateAsync()
        {
            var server = new AnonymousPipeServerStream(PipeDirection.Out);
            var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
            return Task.FromResult(new FramerPair(new SpdyFramer(server), new SpdyFramer(client)));
        }

        public async ValueTask DisposeAsync()
        {
            await Writer.DisposeAsync();
            await Reader.DisposeAsync();
        }
    }
}
