using System.Globalization;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using MiniKube.ApiServer.Spdy;

namespace MiniKube.ApiServer.Rest;

/// <summary>
/// Kubernetes' port-forward protocol (<c>portforward.k8s.io</c>) on one SPDY connection: for every local connection the client
/// opens two streams with headers <c>streamtype</c> (<c>error</c>, then <c>data</c>), <c>port</c> and <c>requestid</c>. Once
/// both are open the session dials the pod's port and copies bytes both ways: the client's FIN half-closes the pod socket; the
/// pod's end of stream ends the data stream (FIN), and then the error stream, after any error text. Pings the client starts
/// are echoed. There is no flow control to speak: kubectl's SPDY implementation (spdystream) neither sends WINDOW_UPDATE nor
/// honours windows, so SETTINGS and WINDOW_UPDATE frames are read and ignored.
/// </summary>
internal sealed partial class PortForwardSession(SpdyFramer framer, Func<int, CancellationToken, Task<Socket>> dial, string podName, ILogger logger)
{
    private const int ChunkBytes = 32 * 1024;
    private static readonly IReadOnlyList<KeyValuePair<string, string>> NoHeaders = [];

    private readonly Dictionary<uint, ForwardStream> _streams = [];
    private readonly Dictionary<string, ForwardStream> _waiting = [];
    private readonly List<Task> _forwards = [];

    /// <summary>Serves the connection until the client closes it, sends GOAWAY, breaks the protocol, or <paramref name="ct"/> ends.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        using var session = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            while (await framer.ReadAsync(session.Token).ConfigureAwait(false) is { } frame)
            {
                if (frame is SpdyGoAway)
                {
                    break;
                }
                await OnFrameAsync(frame, session.Token).ConfigureAwait(false);
            }
        }
        catch (SpdyProtocolException ex)
        {
            LogProtocolError(logger, podName, ex.Message);
            await TryWriteAsync(new SpdyGoAway(LastStreamId(), 1), session.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away.
        }
        finally
        {
            await session.CancelAsync().ConfigureAwait(false);
            Task[] forwards;
            lock (_forwards)
            {
                forwards = [.. _forwards];
            }
            await Task.WhenAll(forwards).ConfigureAwait(false);
        }
    }

    private async Task OnFrameAsync(SpdyFrame frame, CancellationToken ct)
    {
        switch (frame)
        {
            case SpdySynStream syn:
                await OpenAsync(syn, ct).ConfigureAwait(false);
                return;
            case SpdyData data when Find(data.StreamId) is { } stream:
                if (stream.Inbound is { } inbound)
                {
                    if (data.Data.Length > 0 && await inbound.Writer.WaitToWriteAsync(ct).ConfigureAwait(false))
                    {
                        inbound.Writer.TryWrite(data.Data);
                    }
                    if (data.Fin)
                    {
                        inbound.Writer.TryComplete();
                    }
                }
                return;
            case SpdyRstStream reset when Find(reset.StreamId) is { } stream:
                stream.Inbound?.Writer.TryComplete();
                await stream.Reset.CancelAsync().ConfigureAwait(false);
                return;
            case SpdyPing ping when ping.Id % 2 == 1:
                await framer.WriteAsync(ping, ct).ConfigureAwait(false);
                return;
            default:
                // SETTINGS, WINDOW_UPDATE, HEADERS, server pings echoed back, frames of closed streams, unknown control frames.
                return;
        }
    }

    private async Task OpenAsync(SpdySynStream syn, CancellationToken ct)
    {
        string? Header(string name) => syn.Headers.FirstOrDefault(h => h.Key == name).Value;
        var type = Header("streamtype");
        var portText = Header("port");
        var validPort = int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535;
        var problem = type is not ("error" or "data") ? $"streamtype must be error or data, not \"{type}\""
            : !validPort ? $"port must be a number from 1 to 65535, not \"{portText}\""
            : null;
        if (problem is not null || syn.StreamId % 2 == 0 || Find(syn.StreamId) is not null)
        {
            LogRefused(logger, podName, syn.StreamId, problem ?? "bad stream id");
            await framer.WriteAsync(new SpdyRstStream(syn.StreamId, SpdyRstStatus.RefusedStream), ct).ConfigureAwait(false);
            return;
        }
        // Old clients send no request id: then a data stream belongs to the error stream opened just before it.
        var requestId = Header("requestid")
            ?? (type == "error" ? syn.StreamId : syn.StreamId - 2).ToString(CultureInfo.InvariantCulture);
        var stream = new ForwardStream(syn.StreamId, type == "data", port, requestId);
        await framer.WriteAsync(new SpdySynReply(syn.StreamId, false, NoHeaders), ct).ConfigureAwait(false);
        ForwardStream? other;
        lock (_streams)
        {
            _streams[syn.StreamId] = stream;
            if (!_waiting.Remove(requestId, out other))
            {
                _waiting[requestId] = stream;
                return;
            }
        }
        var (error, data) = stream.IsData ? (other, stream) : (stream, other);
        if (!data.IsData || error.IsData || error.Port != data.Port)
        {
            LogRefused(logger, podName, syn.StreamId, $"request {requestId} needs one error and one data stream for one port");
            await framer.WriteAsync(new SpdyRstStream(syn.StreamId, SpdyRstStatus.ProtocolError), ct).ConfigureAwait(false);
            return;
        }
        var forward = Task.Run(() => ForwardAsync(error, data, ct), CancellationToken.None);
        lock (_forwards)
        {
            _forwards.Add(forward);
        }
        _ = forward.ContinueWith(t =>
        {
            lock (_forwards)
            {
                _forwards.Remove(t);
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task ForwardAsync(ForwardStream error, ForwardStream data, CancellationToken session)
    {
        using var forward = CancellationTokenSource.CreateLinkedTokenSource(session, data.Reset.Token, error.Reset.Token);
        var ct = forward.Token;
        string? failure = null;
        var dataEnded = false;
        try
        {
            using var pod = await dial(data.Port, ct).ConfigureAwait(false);
            var up = UpAsync(data.Inbound!.Reader, pod, ct);
            var buffer = new byte[ChunkBytes];
            int read;
            while ((read = await pod.ReceiveAsync(buffer, SocketFlags.None, ct).ConfigureAwait(false)) > 0)
            {
                await framer.WriteAsync(new SpdyData(data.Id, false, buffer.AsSpan(0, read).ToArray()), ct).ConfigureAwait(false);
            }
            dataEnded = true;
            await framer.WriteAsync(new SpdyData(data.Id, true, ReadOnlyMemory<byte>.Empty), ct).ConfigureAwait(false);
            await forward.CancelAsync().ConfigureAwait(false);
            await up.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client reset a stream or the connection ended.
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            failure = string.Create(CultureInfo.InvariantCulture, $"error forwarding port {data.Port} to pod {podName}: {ex.Message}");
            LogForwardFailed(logger, podName, data.Port, ex.Message);
        }
        finally
        {
            data.Inbound!.Writer.TryComplete();
            lock (_streams)
            {
                _streams.Remove(data.Id);
                _streams.Remove(error.Id);
            }
        }
        if (session.IsCancellationRequested)
        {
            return;
        }
        if (!dataEnded && !data.Reset.IsCancellationRequested)
        {
            await TryWriteAsync(new SpdyData(data.Id, true, ReadOnlyMemory<byte>.Empty), session).ConfigureAwait(false);
        }
        if (failure is not null)
        {
            await TryWriteAsync(new SpdyData(error.Id, false, Encoding.UTF8.GetBytes(failure)), session).ConfigureAwait(false);
        }
        await TryWriteAsync(new SpdyData(error.Id, true, ReadOnlyMemory<byte>.Empty), session).ConfigureAwait(false);
    }

    /// <summary>Client to pod, until the client's FIN (then the pod's socket is half-closed) or the forward ends.</summary>
    private static async Task UpAsync(ChannelReader<ReadOnlyMemory<byte>> inbound, Socket pod, CancellationToken ct)
    {
        try
        {
            await foreach (var chunk in inbound.ReadAllAsync(ct).ConfigureAwait(false))
            {
                var rest = chunk;
                while (!rest.IsEmpty)
                {
                    rest = rest[await pod.SendAsync(rest, SocketFlags.None, ct).ConfigureAwait(false)..];
                }
            }
            pod.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The forward ended: the pod closed, the client reset the stream, or the connection went.
        }
    }

    private async Task TryWriteAsync(SpdyFrame frame, CancellationToken ct)
    {
        try
        {
            await framer.WriteAsync(frame, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client is gone.
        }
    }

    private ForwardStream? Find(uint id)
    {
        lock (_streams)
        {
            return _streams.GetValueOrDefault(id);
        }
    }

    private uint LastStreamId()
    {
        lock (_streams)
        {
            return _streams.Count == 0 ? 0 : _streams.Keys.Max();
        }
    }

    private sealed class ForwardStream(uint id, bool isData, int port, string requestId)
    {
        public uint Id { get; } = id;
        public bool IsData { get; } = isData;
        public int Port { get; } = port;
        public string RequestId { get; } = requestId;

        /// <summary>The client's bytes for a data stream, in order; completed by its FIN.</summary>
        public Channel<ReadOnlyMemory<byte>>? Inbound { get; } = isData
            ? Channel.CreateBounded<ReadOnlyMemory<byte>>(new BoundedChannelOptions(64) { SingleReader = true, SingleWriter = true })
            : null;

        /// <summary>Cancelled by the client's RST_STREAM.</summary>
        public CancellationTokenSource Reset { get; } = new();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Port-forward to pod {Pod}: SPDY protocol error: {Reason}")]
    private static partial void LogProtocolError(ILogger logger, string pod, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Port-forward to pod {Pod}: stream {StreamId} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string pod, uint streamId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Port-forward to pod {Pod} port {Port} failed: {Reason}")]
    private static partial void LogForwardFailed(ILogger logger, string pod, int port, string reason);
}
