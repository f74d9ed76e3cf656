namespace MiniKube.ApiServer.Spdy;

/// <summary>One SPDY/3 frame (draft-mbelshe-httpbis-spdy-00 §2.2, §2.6), as <see cref="SpdyFramer"/> reads and writes it.</summary>
internal abstract record SpdyFrame;

/// <summary>DATA: bytes of one stream; <see cref="Fin"/> half-closes the sender's side.</summary>
internal sealed record SpdyData(uint StreamId, bool Fin, ReadOnlyMemory<byte> Data) : SpdyFrame;

/// <summary>SYN_STREAM (type 1): opens a stream with its headers.</summary>
internal sealed record SpdySynStream(uint StreamId, uint AssociatedStreamId, byte Priority, bool Fin, bool Unidirectional,
    IReadOnlyList<KeyValuePair<string, string>> Headers) : SpdyFrame;

/// <summary>SYN_REPLY (type 2): accepts a stream the peer opened.</summary>
internal sealed record SpdySynReply(uint StreamId, bool Fin, IReadOnlyList<KeyValuePair<string, string>> Headers) : SpdyFrame;

/// <summary>RST_STREAM (type 3): ends a stream abnormally.</summary>
internal sealed record SpdyRstStream(uint StreamId, SpdyRstStatus Status) : SpdyFrame;

/// <summary>SETTINGS (type 4).</summary>
internal sealed record SpdySettings(bool ClearSettings, IReadOnlyList<SpdySetting> Entries) : SpdyFrame;

internal readonly record struct SpdySetting(byte Flags, uint Id, uint Value)
{
    public const uint InitialWindowSize = 7;
}

/// <summary>PING (type 6): the receiver echoes a ping the other side started (client ids are odd, server ids even).</summary>
internal sealed record SpdyPing(uint Id) : SpdyFrame;

/// <summary>GOAWAY (type 7): no new streams after <see cref="LastGoodStreamId"/>.</summary>
internal sealed record SpdyGoAway(uint LastGoodStreamId, uint Status) : SpdyFrame;

/// <summary>HEADERS (type 8): more headers for an open stream.</summary>
internal sealed record SpdyHeaders(uint StreamId, bool Fin, IReadOnlyList<KeyValuePair<string, string>> Headers) : SpdyFrame;

/// <summary>WINDOW_UPDATE (type 9): the receiver of a stream's data grants the sender <see cref="Delta"/> more bytes.</summary>
internal sealed record SpdyWindowUpdate(uint StreamId, uint Delta) : SpdyFrame;

/// <summary>A control frame of a type SPDY/3 does not define; receivers ignore it (§2.2.1).</summary>
internal sealed record SpdyUnknownControl(ushort Type) : SpdyFrame;

internal enum SpdyRstStatus : uint
{
    ProtocolError = 1,
    InvalidStream = 2,
    RefusedStream = 3,
    UnsupportedVersion = 4,
    Cancel = 5,
    InternalError = 6,
    FlowControlError = 7,
    StreamInUse = 8,
    StreamAlreadyClosed = 9,
    FrameTooLarge = 11,
}
