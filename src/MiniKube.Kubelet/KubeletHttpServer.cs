using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace MiniKube.Kubelet;

/// <summary>One request to the kubelet's HTTP server and the means to answer it.</summary>
internal sealed class KubeletHttpExchange(string method, string path, IReadOnlyDictionary<string, string> query, byte[] body, Stream connection,
    CancellationToken aborted)
{
    private bool _responded;

    public string Method { get; } = method;

    /// <summary>The decoded path segments (<c>/containerLogs/ns/pod/c</c> → <c>["containerLogs", "ns", "pod", "c"]</c>).</summary>
    public IReadOnlyList<string> Segments { get; } = [.. path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString)];

    public IReadOnlyDictionary<string, string> Query { get; } = query;

    public byte[] Body { get; } = body;

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

/// <summary>
/// The kubelet's small HTTP/1.1 server: one request per connection (<c>Connection: close</c>), request bodies by
/// Content-Length or chunked, responses whole or chunked. It replaces ASP.NET Core here because a kubelet idles most of its
/// life and serves a handful of routes to the API server, and the ASP.NET Core stack (host, DI, routing, Kestrel) cost it
/// about 13 MiB of resident memory (docs/benchmarks.md). A client that disconnects cancels its exchange, so a followed log
/// stream ends when the client goes, as it did under Kestrel.
/// </summary>
internal sealed partial class KubeletHttpServer(IPAddress address, int port, Func<KubeletHttpExchange, Task> handler, ILogger logger) : IAsyncDisposable
{
    private const int MaxHeadBytes = 32 * 1024;
    private const int MaxBodyBytes = 1024 * 1024;
    private static readonly TimeSpan HeadTimeout = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _stop = new();
    private readonly HashSet<Task> _connections = [];
    private Socket? _listener;
    private Task? _accepting;

    /// <summary>The port actually bound (after <see cref="Start"/>).</summary>
    public int Port => (_listener?.LocalEndPoint as IPEndPoint)?.Port ?? 0;

    /// <summary>Binds and starts accepting; throws <see cref="IOException"/> when the address cannot be bound.</summary>
    public void Start()
    {
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(address, port));
            listener.Listen(128);
        }
        catch (SocketException ex)
        {
            listener.Dispose();
            throw new IOException(ex.Message, ex);
        }
        _listener = listener;
        _accepting = Task.Run(AcceptLoopAsync);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        Task[] open;
        lock (_connections)
        {
            open = [.. _connections];
        }
        try
        {
            await Task.WhenAll(open.Append(_accepting ?? Task.CompletedTask)).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener!.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException || _stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex)
            {
                // A connection reset before it was accepted, or file descriptors exhausted: keep serving.
                LogAcceptFailed(logger, ex.Message);
                continue;
            }
            var connection = Task.Run(() => ServeAsync(client));
            lock (_connections)
            {
                _connections.Add(connection);
            }
            _ = connection.ContinueWith(t =>
            {
                lock (_connections)
                {
                    _connections.Remove(t);
                }
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        var stream = new NetworkStream(socket, ownsSocket: true);
        var watch = Task.CompletedTask;
        try
        {
            var request = await ReadRequestAsync(stream, aborted.Token).ConfigureAwait(false);
            if (request.Error is { } error)
            {
                await new KubeletHttpExchange("", "/", new Dictionary<string, string>(), [], stream, aborted.Token).RespondTextAsync(error.Status, error.Message)
                    .ConfigureAwait(false);
                // A lingering close: closing with unread request bytes would reset the connection, and the client could lose
                // the answer. Read (and drop) what the client still sends, briefly.
                socket.Shutdown(SocketShutdown.Send);
                await DrainAsync(stream, aborted.Token).ConfigureAwait(false);
                return;
            }
            // Nothing more is expected from the client (one request per connection): a read that completes means it closed
            // the connection (or broke the protocol), so whatever is still being sent to it — a followed log — can stop.
            watch = WatchForCloseAsync(socket, aborted);
            var exchange = new KubeletHttpExchange(request.Method!, request.Path!, request.Query!, request.Body!, stream, aborted.Token);
            try
            {
                await handler(exchange).ConfigureAwait(false);
            }
            catch (Exception ex) when (!exchange.Responded && !aborted.IsCancellationRequested)
            {
                LogHandlerFailed(logger, request.Method!, request.Path!, ex);
                await exchange.RespondTextAsync(500, ex.Message).ConfigureAwait(false);
            }
            if (!exchange.Responded)
            {
                await exchange.RespondTextAsync(500, "no response").ConfigureAwait(false);
            }
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away or the server stopped: nothing to answer.
        }
        catch (Exception ex)
        {
            LogConnectionFailed(logger, ex);
        }
        finally
        {
            await aborted.CancelAsync().ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
            await watch.ConfigureAwait(false);
        }
    }

    private static async Task DrainAsync(NetworkStream stream, CancellationToken ct)
    {
        using var linger = CancellationTokenSource.CreateLinkedTokenSource(ct);
        linger.CancelAfter(TimeSpan.FromSeconds(1));
        var buffer = new byte[16 * 1024];
        try
        {
            while (await stream.ReadAsync(buffer, linger.Token).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
        }
    }

    private static async Task WatchForCloseAsync(Socket socket, CancellationTokenSource aborted)
    {
        var one = new byte[1];
        try
        {
            await socket.ReceiveAsync(one, SocketFlags.None, aborted.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            return;
        }
        await aborted.CancelAsync().ConfigureAwait(false);
    }

    private sealed record ParsedRequest(string? Method, string? Path, Dictionary<string, string>? Query, byte[]? Body, (int Status, string Message)? Error);

    private static async Task<ParsedRequest> ReadRequestAsync(NetworkStream stream, CancellationToken aborted)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        timeout.CancelAfter(HeadTimeout);
        var ct = timeout.Token;
        var buffer = new byte[8192];
        var filled = 0;
        int headEnd;
        while ((headEnd = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8)) < 0)
        {
            if (filled == buffer.Length)
            {
                if (buffer.Length >= MaxHeadBytes)
                {
                    return new ParsedRequest(null, null, null, null, (431, "request head too large"));
                }
                Array.Resize(ref buffer, buffer.Length * 2);
            }
            var read = await stream.ReadAsync(buffer.AsMemory(filled), ct).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException("the client closed the connection before sending a request");
            }
            filled += read;
        }
        var lines = Encoding.ASCII.GetString(buffer, 0, headEnd).Split("\r\n");
        var requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3 || !requestLine[2].StartsWith("HTTP/1.", StringComparison.Ordinal) || !requestLine[1].StartsWith('/'))
        {
            return new ParsedRequest(null, null, null, null, (400, "malformed request line"));
        }
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                return new ParsedRequest(null, null, null, null, (400, "malformed header line"));
            }
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        var target = requestLine[1];
        var questionMark = target.IndexOf('?', StringComparison.Ordinal);
        var path = questionMark < 0 ? target : target[..questionMark];
        var query = ParseQuery(questionMark < 0 ? "" : target[(questionMark + 1)..]);

        // Bytes already read past the head belong to the body.
        var rest = new BufferedBody(buffer, headEnd + 4, filled, stream);
        if (headers.TryGetValue("Expect", out var expect) && expect.Equals("100-continue", StringComparison.OrdinalIgnoreCase))
        {
            await stream.WriteAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray(), ct).ConfigureAwait(false);
        }
        byte[] body;
        if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            var chunked = await ReadChunkedAsync(rest, ct).ConfigureAwait(false);
            if (chunked is null)
            {
                return new ParsedRequest(null, null, null, null, (413, $"request body over {MaxBodyBytes} bytes or malformed chunks"));
            }
            body = chunked;
        }
        else if (headers.TryGetValue("Content-Length", out var lengthText))
        {
            if (!int.TryParse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length > MaxBodyBytes)
            {
                return new ParsedRequest(null, null, null, null, (413, $"request body over {MaxBodyBytes} bytes"));
            }
            body = await rest.ReadExactlyAsync(length, ct).ConfigureAwait(false);
        }
        else
        {
            body = [];
        }
        return new ParsedRequest(requestLine[0], path, query, body, null);
    }

    private static async Task<byte[]?> ReadChunkedAsync(BufferedBody rest, CancellationToken ct)
    {
        var body = new ArrayBufferWriter<byte>();
        while (true)
        {
            var sizeLine = await rest.ReadLineAsync(ct).ConfigureAwait(false);
            var semicolon = sizeLine.IndexOf(';', StringComparison.Ordinal);
            if (!int.TryParse(semicolon < 0 ? sizeLine : sizeLine[..semicolon], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size)
                || size < 0 || body.WrittenCount + size > MaxBodyBytes)
            {
                return null;
            }
            if (size == 0)
            {
                // Trailer fields, if any, up to the empty line.
                while ((await rest.ReadLineAsync(ct).ConfigureAwait(false)).Length > 0)
                {
                }
                return body.WrittenSpan.ToArray();
            }
            body.Write(await rest.ReadExactlyAsync(size, ct).ConfigureAwait(false));
            if ((await rest.ReadLineAsync(ct).ConfigureAwait(false)).Length != 0)
            {
                return null;
            }
        }
    }

    private static Dictionary<string, string> ParseQuery(string text)
    {
        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in text.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString((eq < 0 ? pair : pair[..eq]).Replace('+', ' '));
            query[key] = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
        }
        return query;
    }

    /// <summary>The request body: what was read with the head, then the connection.</summary>
    private sealed class BufferedBody(byte[] buffer, int start, int end, Stream stream)
    {
        private int _start = start;

        private async Task<bool> FillAsync(CancellationToken ct)
        {
            if (_start < end)
            {
                return true;
            }
            var read = await stream.ReadAsync(buffer, ct).ConfigureAwait(false);
            if (read == 0)
            {
                return false;
            }
            _start = 0;
            end = read;
            return true;
        }

        public async Task<byte[]> ReadExactlyAsync(int count, CancellationToken ct)
        {
            var result = new byte[count];
            var done = 0;
            while (done < count)
            {
                if (!await FillAsync(ct).ConfigureAwait(false))
                {
                    throw new IOException("the client closed the connection in the middle of the body");
                }
                var n = Math.Min(count - done, end - _start);
                buffer.AsSpan(_start, n).CopyTo(result.AsSpan(done));
                _start += n;
                done += n;
            }
            return result;
        }

        public async Task<string> ReadLineAsync(CancellationToken ct)
        {
            var line = new StringBuilder();
            while (true)
            {
                if (!await FillAsync(ct).ConfigureAwait(false))
                {
                    throw new IOException("the client closed the connection in the middle of the body");
                }
                var b = buffer[_start++];
                if (b == '\n')
                {
                    return line.ToString().TrimEnd('\r');
                }
                if (line.Length > 1024)
                {
                    throw new IOException("a chunk line is too long");
                }
                line.Append((char)b);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kubelet HTTP server could not accept a connection: {Reason}")]
    private static partial void LogAcceptFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Kubelet HTTP connection failed")]
    private static partial void LogConnectionFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Kubelet HTTP {Method} {Path} failed")]
    private static partial void LogHandlerFailed(ILogger logger, string method, string path, Exception exception);
}
