using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace MiniKube.ApiServer.Spdy;

/// <summary>
/// SPDY/3 name/value header blocks (§2.6.10): a 32-bit pair count, then each name and value with a 32-bit length; names are
/// lower-case, several values of one name are joined with NUL. On the wire each block is a piece of one zlib stream per
/// direction and connection, flushed at the end of every block.
/// </summary>
internal static class SpdyHeaderBlock
{
    /// <summary>More pairs or longer names/values than this are refused (a block of kubectl's is five pairs).</summary>
    public const int MaxPairs = 1024;

    public const int MaxLength = 64 * 1024;

    public static byte[] Encode(IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        var size = 4 + headers.Sum(h => 8 + Encoding.UTF8.GetByteCount(h.Key) + Encoding.UTF8.GetByteCount(h.Value));
        var block = new byte[size];
        BinaryPrimitives.WriteUInt32BigEndian(block, (uint)headers.Count);
        var at = 4;
        foreach (var (name, value) in headers)
        {
            at = Put(block, at, name.ToLowerInvariant());
            at = Put(block, at, value);
        }
        return block;
    }

    private static int Put(byte[] block, int at, string text)
    {
        var length = Encoding.UTF8.GetBytes(text, block.AsSpan(at + 4));
        BinaryPrimitives.WriteUInt32BigEndian(block.AsSpan(at), (uint)length);
        return at + 4 + length;
    }
}

/// <summary>
/// The sending half of a connection's header compression. Header blocks go out as zlib <em>stored</em> (uncompressed)
/// deflate blocks: valid zlib that any inflater reads, with no dictionary needed (the zlib header does not announce one), at
/// the cost of a few bytes — SYN_REPLY blocks are tiny. Each block ends with the empty stored block of a sync flush.
/// </summary>
internal sealed class SpdyHeaderCompressor
{
    private bool _started;

    public byte[] Compress(IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        var block = SpdyHeaderBlock.Encode(headers);
        using var output = new MemoryStream(block.Length + 16);
        if (!_started)
        {
            // CMF 0x78: deflate with a 32 KiB window; FLG 0x01: no preset dictionary, and CMF*256+FLG is a multiple of 31.
            output.Write([0x78, 0x01]);
            _started = true;
        }
        var rest = block.AsSpan();
        do
        {
            var n = Math.Min(rest.Length, ushort.MaxValue);
            // BFINAL 0, BTYPE 00 (stored), padded to the byte; LEN and its one's complement, little-endian.
            output.Write([0x00, (byte)n, (byte)(n >> 8), (byte)~n, (byte)(~n >> 8)]);
            output.Write(rest[..n]);
            rest = rest[n..];
        }
        while (!rest.IsEmpty);
        // An empty stored block, as zlib's Z_SYNC_FLUSH ends one: Go's inflater hands out what it inflated only when it
        // reaches one (or its window fills), so without it kubectl would wait for the next block.
        output.Write([0x00, 0x00, 0x00, 0xFF, 0xFF]);
        return output.ToArray();
    }
}

/// <summary>
/// The receiving half: inflates the peer's zlib stream, which kubectl (Go's <c>zlib.NewWriterLevelDict</c>) compresses with the
/// SPDY dictionary. .NET's zlib streams take no preset dictionary, so the raw deflate data is read by a
/// <see cref="DeflateStream"/> after a synthetic stored block holding the dictionary: inflating it puts the dictionary in the
/// window, where the peer's back-references expect it, and its output (the dictionary itself) is skipped.
/// </summary>
internal sealed class SpdyHeaderDecompressor : IDisposable
{
    private readonly Feed _feed = new();
    private DeflateStream? _inflater;

    public IReadOnlyList<KeyValuePair<string, string>> Decompress(ReadOnlySpan<byte> compressed)
    {
        if (_inflater is null)
        {
            Start(compressed);
        }
        else
        {
            _feed.Append(compressed);
        }
        var count = ReadUInt32();
        if (count > SpdyHeaderBlock.MaxPairs)
        {
            throw new SpdyProtocolException($"a header block with {count} pairs (at most {SpdyHeaderBlock.MaxPairs})");
        }
        var headers = new List<KeyValuePair<string, string>>((int)count);
        for (var i = 0; i < count; i++)
        {
            var name = ReadString();
            if (name.Length == 0)
            {
                throw new SpdyProtocolException("a header block with an empty header name");
            }
            headers.Add(new(name.ToLowerInvariant(), ReadString()));
        }
        return headers;
    }

    public void Dispose() => _inflater?.Dispose();

    private void Start(ReadOnlySpan<byte> compressed)
    {
        if (compressed.Length < 2 || (compressed[0] & 0x0F) != 8 || ((compressed[0] << 8) | compressed[1]) % 31 != 0)
        {
            throw new SpdyProtocolException("the first header block does not start a zlib stream");
        }
        var rest = compressed[2..];
        if ((compressed[1] & 0x20) != 0)
        {
            if (rest.Length < 4)
            {
                throw new SpdyProtocolException("the first header block ends inside the zlib header");
            }
            var id = BinaryPrimitives.ReadUInt32BigEndian(rest);
            if (id != SpdyDictionary.Id)
            {
                throw new SpdyProtocolException($"header blocks are compressed with dictionary {id:x8}, not the SPDY/3 dictionary ({SpdyDictionary.Id:x8})");
            }
            rest = rest[4..];
        }
        var dictionary = SpdyDictionary.Bytes;
        var n = dictionary.Length;
        _feed.Append([0x00, (byte)n, (byte)(n >> 8), (byte)~n, (byte)(~n >> 8)]);
        _feed.Append(dictionary);
        _feed.Append(rest);
        _inflater = new DeflateStream(_feed, CompressionMode.Decompress, leaveOpen: true);
        var skip = new byte[n];
        ReadExactly(skip);
    }

    private uint ReadUInt32()
    {
        Span<byte> four = stackalloc byte[4];
        ReadExactly(four);
        return BinaryPrimitives.ReadUInt32BigEndian(four);
    }

    private string ReadString()
    {
        var length = ReadUInt32();
        if (length > SpdyHeaderBlock.MaxLength)
        {
            throw new SpdyProtocolException($"a header name or value of {length} bytes (at most {SpdyHeaderBlock.MaxLength})");
        }
        var bytes = new byte[length];
        ReadExactly(bytes);
        return Encoding.UTF8.GetString(bytes);
    }

    private void ReadExactly(Span<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            int read;
            try
            {
                read = _inflater!.Read(buffer);
            }
            catch (InvalidDataException ex)
            {
                throw new SpdyProtocolException("a header block is not valid deflate data: " + ex.Message);
            }
            if (read == 0)
            {
                throw new SpdyProtocolException("a header block ends before its name/value pairs do");
            }
            buffer = buffer[read..];
        }
    }

    /// <summary>The compressed bytes received so far and not yet taken by the inflater; reads never wait.</summary>
    private sealed class Feed : Stream
    {
        private byte[] _bytes = [];
        private int _at;

        public void Append(ReadOnlySpan<byte> more)
        {
            var left = _bytes.Length - _at;
            var next = new byte[left + more.Length];
            _bytes.AsSpan(_at).CopyTo(next);
            more.CopyTo(next.AsSpan(left));
            _bytes = next;
            _at = 0;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(buffer.Length, _bytes.Length - _at);
            _bytes.AsSpan(_at, n).CopyTo(buffer);
            _at += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>The peer broke SPDY/3 framing; the connection ends (with a GOAWAY when it still can).</summary>
internal sealed class SpdyProtocolException(string message) : Exception(message);
