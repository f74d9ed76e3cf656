using System.Buffers.Binary;

namespace MiniKube.ApiServer.Spdy;

/// <summary>
/// Reads and writes SPDY/3 frames on a byte stream, with the connection's two header compression contexts. Every frame is
/// written with one write (so over a WebSocket tunnel each frame is one binary message); writes are serialized, reads are
/// meant for one reader.
/// </summary>
internal sealed class SpdyFramer(Stream stream) : IAsyncDisposable
{
    public const ushort Version = 3;

    /// <summary>Frames longer than this are refused: SPDY's length field allows 16 MiB, kubectl sends at most 32 KiB.</summary>
    public const int MaxFrameLength = 1024 * 1024;

    private const byte FlagFin = 0x01;
    private const byte FlagUnidirectional = 0x02;

    private readonly SemaphoreSlim _writing = new(1, 1);
    private readonly SpdyHeaderCompressor _compressor = new();
    private readonly SpdyHeaderDecompressor _decompressor = new();
    private readonly byte[] _head = new byte[8];

    /// <summary>The next frame, or null when the stream ended cleanly between frames.</summary>
    public async Task<SpdyFrame?> ReadAsync(CancellationToken ct)
    {
        var got = 0;
        while (got < 8)
        {
            var n = await stream.ReadAsync(_head.AsMemory(got), ct).ConfigureAwait(false);
            if (n == 0)
            {
                return got == 0 ? null : throw new SpdyProtocolException("the connection ended inside a frame header");
            }
            got += n;
        }
        var first = BinaryPrimitives.ReadUInt32BigEndian(_head);
        var flags = _head[4];
        var length = (int)(BinaryPrimitives.ReadUInt32BigEndian(_head.AsSpan(4)) & 0xFFFFFF);
        if (length > MaxFrameLength)
        {
            throw new SpdyProtocolException($"a frame of {length} bytes (at most {MaxFrameLength})");
        }
        var payload = new byte[length];
        try
        {
            await stream.ReadExactlyAsync(payload, ct).ConfigureAwait(false);
        }
        catch (EndOfStreamException)
        {
            throw new SpdyProtocolException("the connection ended inside a frame");
        }
        if ((first & 0x80000000) == 0)
        {
            return new SpdyData(first & 0x7FFFFFFF, (flags & FlagFin) != 0, payload);
        }
        var version = (ushort)((first >> 16) & 0x7FFF);
        if (version != Version)
        {
            throw new SpdyProtocolException($"a control frame of SPDY version {version}; only version {Version} is spoken");
        }
        return ParseControl((ushort)(first & 0xFFFF), flags, payload);
    }

    public async Task WriteAsync(SpdyFrame frame, CancellationToken ct)
    {
        await _writing.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            // Header compression state is per connection and order matters, so frames are encoded under the lock.
            var bytes = Encode(frame);
            await stream.WriteAsync(bytes, ct).ConfigureAwait(false);
            await stream.FlushAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            _writing.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _decompressor.Dispose();
        await stream.DisposeAsync().ConfigureAwait(false);
        _writing.Dispose();
    }

    private SpdyFrame ParseControl(ushort type, byte flags, byte[] p)
    {
        var fin = (flags & FlagFin) != 0;
        switch (type)
        {
            case 1:
                Need(p, 10, "SYN_STREAM");
                return new SpdySynStream(StreamId(p, 0), StreamId(p, 4), (byte)(p[8] >> 5), fin, (flags & FlagUnidirectional) != 0,
                    _decompressor.Decompress(p.AsSpan(10)));
            case 2:
                Need(p, 4, "SYN_REPLY");
                return new SpdySynReply(StreamId(p, 0), fin, _decompressor.Decompress(p.AsSpan(4)));
            case 3:
                Exactly(p, 8, "RST_STREAM");
                return new SpdyRstStream(StreamId(p, 0), (SpdyRstStatus)BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(4)));
            case 4:
            {
                Need(p, 4, "SETTINGS");
                var count = BinaryPrimitives.ReadUInt32BigEndian(p);
                if (count > (p.Length - 4) / 8)
                {
                    throw new SpdyProtocolException($"a SETTINGS frame of {p.Length} bytes cannot hold {count} entries");
                }
                var entries = new List<SpdySetting>((int)count);
                for (var i = 0; i < count; i++)
                {
                    var at = 4 + (i * 8);
                    var word = BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(at));
                    entries.Add(new SpdySetting((byte)(word >> 24), word & 0xFFFFFF, BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(at + 4))));
                }
                return new SpdySettings(fin, entries);
            }
            case 6:
                Exactly(p, 4, "PING");
                return new SpdyPing(BinaryPrimitives.ReadUInt32BigEndian(p));
            case 7:
                Exactly(p, 8, "GOAWAY");
                return new SpdyGoAway(StreamId(p, 0), BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(4)));
            case 8:
                Need(p, 4, "HEADERS");
                return new SpdyHeaders(StreamId(p, 0), fin, _decompressor.Decompress(p.AsSpan(4)));
            case 9:
                Exactly(p, 8, "WINDOW_UPDATE");
                return new SpdyWindowUpdate(StreamId(p, 0), BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(4)) & 0x7FFFFFFF);
            default:
                return new SpdyUnknownControl(type);
        }
    }

    private byte[] Encode(SpdyFrame frame) => frame switch
    {
        SpdyData d => Frame(d.StreamId & 0x7FFFFFFF, d.Fin ? FlagFin : (byte)0, d.Data.Span),
        SpdySynStream s => Control(1, (byte)((s.Fin ? FlagFin : 0) | (s.Unidirectional ? FlagUnidirectional : 0)),
            [.. Words(s.StreamId, s.AssociatedStreamId), (byte)(s.Priority << 5), 0, .. _compressor.Compress(s.Headers)]),
        SpdySynReply r => Control(2, r.Fin ? FlagFin : (byte)0, [.. Words(r.StreamId), .. _compressor.Compress(r.Headers)]),
        SpdyRstStream r => Control(3, 0, Words(r.StreamId, (uint)r.Status)),
        SpdySettings s => Control(4, s.ClearSettings ? FlagFin : (byte)0,
            [.. Words((uint)s.Entries.Count), .. s.Entries.SelectMany(e => Words(((uint)e.Flags << 24) | (e.Id & 0xFFFFFF), e.Value))]),
        SpdyPing p => Control(6, 0, Words(p.Id)),
        SpdyGoAway g => Control(7, 0, Words(g.LastGoodStreamId, g.Status)),
        SpdyHeaders h => Control(8, h.Fin ? FlagFin : (byte)0, [.. Words(h.StreamId), .. _compressor.Compress(h.Headers)]),
        SpdyWindowUpdate w => Control(9, 0, Words(w.StreamId, w.Delta & 0x7FFFFFFF)),
        _ => throw new ArgumentException($"cannot write a {frame.GetType().Name}", nameof(frame)),
    };

    private static byte[] Control(ushort type, byte flags, ReadOnlySpan<byte> payload) =>
        Frame(0x80000000u | ((uint)Version << 16) | type, flags, payload);

    private static byte[] Frame(uint first, byte flags, ReadOnlySpan<byte> payload)
    {
        if (payload.Length > 0xFFFFFF)
        {
            throw new ArgumentException($"a frame payload of {payload.Length} bytes does not fit SPDY's 24-bit length", nameof(payload));
        }
        var bytes = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, first);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), ((uint)flags << 24) | (uint)payload.Length);
        payload.CopyTo(bytes.AsSpan(8));
        return bytes;
    }

    private static byte[] Words(params uint[] words)
    {
        var bytes = new byte[words.Length * 4];
        for (var i = 0; i < words.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(i * 4), words[i]);
        }
        return bytes;
    }

    private static uint StreamId(byte[] p, int at) => BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(at)) & 0x7FFFFFFF;

    private static void Need(byte[] p, int length, string what)
    {
        if (p.Length < length)
        {
            throw new SpdyProtocolException($"a {what} frame of {p.Length} bytes (at least {length})");
        }
    }

    private static void Exactly(byte[] p, int length, string what)
    {
        if (p.Length != length)
        {
            throw new SpdyProtocolException($"a {what} frame of {p.Length} bytes (exactly {length})");
        }
    }
}
