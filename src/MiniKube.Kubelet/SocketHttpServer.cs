using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace MiniKube.Kubelet;

/// <summary>
/// The kubelet's small HTTP/1.1 server on a socket, the accept loop and one task per connection (the request is read by
/// <see cref="HttpRequestReader"/>): one request per connection (<c>Connection: close</c>), request bodies by
/// Content-Length or chunked, responses whole or chunked, or an upgrade to a WebSocket (exec and attach streams). It replaces ASP.NET Core here because a kubelet idles most of its
/// life and serves a handful of routes to the API server, and the ASP.NET Core stack (host, DI, routing, Kestrel) cost it
/// about 13 MiB of resident memory (docs/benchmarks.md). A client that disconnects cancels its exchange, so a followed log
/// stream ends when the client goes, as it did under Kestrel.
/// </summary>
internal sealed partial class SocketHttpServer(IPAddress address, int port, Func<HttpExchange, Task> handler, ILogger<SocketHttpServer> logger,
    SslServerAuthenticationOptions? tls = null) : IAsyncDisposable
{
    /// <summary>How long a client may take over the TLS handshake before the connection is dropped.</summary>
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

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
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        var watch = Task.CompletedTask;
        X509Certificate2? clientCertificate = null;
        try
        {
            if (tls is not null)
            {
                // https only: the handshake (and the client certificate check, when the options ask for one) comes first.
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                using var handshake = CancellationTokenSource.CreateLinkedTokenSource(aborted.Token);
                handshake.CancelAfter(HandshakeTimeout);
                await ssl.AuthenticateAsServerAsync(tls, handshake.Token).ConfigureAwait(false);
                clientCertificate = ssl.RemoteCertificate as X509Certificate2 ?? (ssl.RemoteCertificate is { } remote ? new X509Certificate2(remote) : null);
            }
            var request = await HttpRequestReader.ReadAsync(stream, aborted.Token).ConfigureAwait(false);
            if (request.Error is { } error)
            {
                await new HttpExchange("", "/", new Dictionary<string, string>(), [], stream, aborted.Token).RespondTextAsync(error.Status, error.Message)
                    .ConfigureAwait(false);
                // A lingering close: closing with unread request bytes would reset the connection, and the client could lose
                // the answer. Read (and drop) what the client still sends, briefly.
                socket.Shutdown(SocketShutdown.Send);
                await DrainAsync(stream, aborted.Token).ConfigureAwait(false);
                return;
            }
            // Nothing more is expected from the client (one request per connection): a read that completes means it closed
            // the connection (or broke the protocol), so whatever is still being sent to it — a followed log — can stop.
            // A WebSocket upgrade is the exception: the client goes on talking, and the socket itself sees it close.
            if (!HttpExchange.IsWebSocketUpgrade(request.Headers))
            {
                watch = WatchForCloseAsync(socket, aborted);
            }
            var exchange = new HttpExchange(request.Method!, request.Path!, request.Query!, request.Body!, stream, aborted.Token)
            {
                Headers = request.Headers,
                RawQuery = request.RawQuery,
                ClientCertificate = clientCertificate,
            };
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
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException
            or System.Security.Authentication.AuthenticationException)
        {
            // The client went away, the server stopped, or the TLS handshake failed (a certificate of another CA): nothing to answer.
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

    private static async Task DrainAsync(Stream stream, CancellationToken ct)
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kubelet HTTP server could not accept a connection: {Reason}")]
    private static partial void LogAcceptFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Kubelet HTTP connection failed")]
    private static partial void LogConnectionFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Kubelet HTTP {Method} {Path} failed")]
    private static partial void LogHandlerFailed(ILogger logger, string method, string path, Exception exception);
}
