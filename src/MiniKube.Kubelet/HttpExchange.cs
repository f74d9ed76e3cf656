using System.Globalization;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;

namespace MiniKube.Kubelet;

/// <summary>One request to a <see cref="SocketHttpServer"/> and the means to answer it.</summary>
internal sealed class HttpExchange(string method, string path, IReadOnlyDictionary<string, string> query, byte[] body, Stream connection,
    CancellationToken aborted)
{
    private bool _responded;

    public string Method { get; } = method;

    /// <summary>The decoded path segments (<c>/containerLogs/ns/pod/c</c> → <c>["containerLogs", "ns", "pod", "c"]</c>).</summary>
    public IReadOnlyList<string> Segments { get; } = [.. path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString)];

    public IReadOnlyDictionary<string, string> Query { get; } = query;

    public byte[] Body { get; } = body;

    /// <summary>The request's headers (names case-insensitive).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>The query string as sent, for parameters that repeat.</summary>
    public string RawQuery { get; init; } = "";

    /// <summary>The certificate the client presented in the TLS handshake (already checked against the client CA), if any.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? ClientCertificate { get; init; }

    /// <summary>Whether the client asks to upgrade the connection to a WebSocket (RFC 6455).</summary>
    public bool IsWebSocketRequest => IsWebSocketUpgrade(Headers);

    /// <summary>The WebSocket subprotocols the client offers, in its order of preference.</summary>
    public IReadOnlyList<string> WebSocketProtocols => Headers.TryGetValue("Sec-WebSocket-Protocol", out var offered)
        ? [.. offered.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]
        : [];

    /// <summary>Cancelled when the client goes away (or the server stops).</summary>
    public CancellationToken Aborted { get; } = aborted;

    internal bool Responded => _responded;

    /// <summary>A whole response with a Content-Length.</summary>
    public async Task RespondAsync(int status, string contentType, ReadOnlyMemory<byte> content)
    {
        _responded = true;
        var head = Head(status, contentType, $"Content-Length: {content.Length.ToString(CultureInfo.InvariantCulture)}");
        await connection.WriteAsync(head, Aborted).ConfigureAwait(false);
        await connection.WriteAsync(content, Aborted).ConfigureAwait(false);
        await connection.FlushAsync(Aborted).ConfigureAwait(false);
    }

    /// <summary>Every value of a query parameter, in order.</summary>
    public IReadOnlyList<string> QueryValues(string key) => HttpRequestReader.QueryValues(RawQuery, key);

    internal static bool IsWebSocketUpgrade(IReadOnlyDictionary<string, string> headers) =>
        headers.TryGetValue("Upgrade", out var upgrade) && upgrade.Equals("websocket", StringComparison.OrdinalIgnoreCase)
        && headers.ContainsKey("Sec-WebSocket-Key");

    /// <summary>
    /// Answers 101 Switching Protocols with <paramref name="protocol"/> and returns the connection as the server end of a
    /// WebSocket (RFC 6455: the accept key is the SHA-1 of the client's key and the protocol's GUID). The exchange then
    /// owns the connection until the socket is done.
    /// </summary>
    public async Task<WebSocket> AcceptWebSocketAsync(string protocol)
    {
        _responded = true;
        var key = Headers["Sec-WebSocket-Key"].Trim();
        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
        var head = Encoding.ASCII.GetBytes(
            $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Protocol: {protocol}\r\n\r\n");
        await connection.WriteAsync(head, Aborted).ConfigureAwait(false);
        await connection.FlushAsync(Aborted).ConfigureAwait(false);
        return WebSocket.CreateFromStream(connection, new WebSocketCreationOptions
        {
            IsServer = true,
            SubProtocol = protocol,
            KeepAliveInterval = TimeSpan.FromSeconds(30),
        });
    }

    public Task RespondTextAsync(int status, string text) => RespondAsync(status, "text/plain; charset=utf-8", Encoding.UTF8.GetBytes(text));

    /// <summary>Starts a streamed (chunked) 200 response; every write is sent at once. Dispose the stream to end the response.</summary>
    public async Task<Stream> StartStreamingAsync(string contentType)
    {
        _responded = true;
        await connection.WriteAsync(Head(200, contentType, "Transfer-Encoding: chunked"), Aborted).ConfigureAwait(false);
        await connection.FlushAsync(Aborted).ConfigureAwait(false);
        return new ChunkedStream(connection);
    }

    private static byte[] Head(int status, string contentType, string framing) => Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
        $"HTTP/1.1 {status} {Reason(status)}\r\nContent-Type: {contentType}\r\n{framing}\r\nConnection: close\r\n\r\n"));

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Payload Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        504 => "Gateway Timeout",
        _ => "Status",
    };

    /// <summary>HTTP/1.1 chunked transfer coding over the connection: each write is one chunk; disposing writes the last chunk.</summary>
    private sealed class ChunkedStream(Stream inner) : Stream
    {
        private static readonly byte[] Crlf = "\r\n"u8.ToArray();
        private bool _ended;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            // A zero-length chunk would end the response.
            if (buffer.Length == 0)
            {
                return;
            }
            await inner.WriteAsync(Encoding.ASCII.GetBytes(buffer.Length.ToString("x", CultureInfo.InvariantCulture) + "\r\n"), cancellationToken).ConfigureAwait(false);
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            await inner.WriteAsync(Crlf, cancellationToken).ConfigureAwait(false);
            await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override void Flush() => inner.Flush();

        public override async ValueTask DisposeAsync()
        {
            if (!_ended)
            {
                _ended = true;
                try
                {
                    await inner.WriteAsync("0\r\n\r\n"u8.ToArray()).ConfigureAwait(false);
                    await inner.FlushAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or ObjectDisposedException)
                {
                    // The client is gone: nothing to end.
                }
            }
            await base.DisposeAsync().ConfigureAwait(false);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
