using System.Net.WebSockets;
using System.Text.Json;

namespace MiniKube.Kubelet;

/// <summary>
/// Relays an exec'd process or an attached container (<see cref="IContainerStream"/>) over a WebSocket in
/// <see cref="ChannelProtocol"/>: its output to channels 1 and 2; channel 0 to its stdin, <c>[255, 0]</c> ends that stdin,
/// channel 4 resizes the TTY; when the output ends, the Status on channel 3 and a normal close. A client that goes away
/// (closes or drops the connection before the output ended) ends the exec'd process: a shell on a TTY does not end on
/// end of file, and nothing else would ever end it.
/// <para>
/// The end of the output is not the end of the process: Docker ends a TTY exec's output as soon as its stdin closes
/// (measured: within 10 ms of the half-close, the exec still Running), and the relay closes stdin when the client goes.
/// So the output can end because the client left, racing the cancellation; <see cref="IContainerStream.EndAsync"/> is
/// therefore called after every session (it kills only an exec that still runs), not only when the output had not ended.
/// </para>
/// </summary>
internal static class ContainerStreamRelay
{
    private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(5);

    public static async Task RunAsync(WebSocket socket, IContainerStream stream, IReadOnlyList<string> command, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var input = ReadClientAsync(socket, stream, stop.Token).ContinueWith(
            _ => stop.Cancel(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            var buffer = new byte[32 * 1024];
            while (true)
            {
                var chunk = await stream.ReadOutputAsync(buffer, stop.Token).ConfigureAwait(false);
                if (chunk.Count == 0)
                {
                    break;
                }
                var frame = new byte[chunk.Count + 1];
                frame[0] = chunk.IsStderr ? ChannelProtocol.Stderr : ChannelProtocol.Stdout;
                buffer.AsSpan(0, chunk.Count).CopyTo(frame.AsSpan(1));
                await socket.SendAsync(frame, WebSocketMessageType.Binary, endOfMessage: true, stop.Token).ConfigureAwait(false);
            }
            var exitCode = await stream.ExitCodeAsync(stop.Token).ConfigureAwait(false);
            await SendAsync(socket, ChannelProtocol.Error, ChannelProtocol.ExitStatus(command, exitCode), stop.Token).ConfigureAwait(false);
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, stop.Token).ConfigureAwait(false);
            // The client answers the close; until then (briefly) its last messages are still read.
            await Task.WhenAny(input, Task.Delay(CloseWait, stop.Token)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // The client went away (or the kubelet stops): nothing left to tell it.
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await input.ConfigureAwait(false);
            if (!ct.IsCancellationRequested)
            {
                // A no-op when the process has exited; otherwise nobody is left to end it.
                await stream.EndAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    public static Task SendAsync(WebSocket socket, byte channel, ReadOnlySpan<byte> data, CancellationToken ct)
    {
        var frame = new byte[data.Length + 1];
        frame[0] = channel;
        data.CopyTo(frame.AsSpan(1));
        return socket.SendAsync(frame, WebSocketMessageType.Binary, endOfMessage: true, ct);
    }

    /// <summary>The client's messages until it closes: stdin data, the close of stdin, resizes. Other channels are ignored.</summary>
    private static async Task ReadClientAsync(WebSocket socket, IContainerStream stream, CancellationToken ct)
    {
        var buffer = new byte[32 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, ct).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }
                var data = message.GetBuffer().AsMemory(0, (int)message.Length);
                if (data.Length > 0)
                {
                    await HandleAsync(data.Span[0], data[1..], stream, ct).ConfigureAwait(false);
                }
                message.SetLength(0);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // The client went away, or the session ended.
        }
        finally
        {
            stream.CloseStdin();
        }
    }

    private static async Task HandleAsync(byte channel, ReadOnlyMemory<byte> payload, IContainerStream stream, CancellationToken ct)
    {
        switch (channel)
        {
            case ChannelProtocol.Stdin when payload.Length > 0:
                await stream.WriteStdinAsync(payload, ct).ConfigureAwait(false);
                break;
            case ChannelProtocol.Close when payload.Length == 1 && payload.Span[0] == ChannelProtocol.Stdin:
                stream.CloseStdin();
                break;
            case ChannelProtocol.Resize when TerminalSize(payload.Span) is { } size:
                await stream.ResizeAsync(size.Width, size.Height, ct).ConfigureAwait(false);
                break;
        }
    }

    /// <summary>A resize message, <c>{"Width":80,"Height":24}</c>; null when malformed.</summary>
    internal static (int Width, int Height)? TerminalSize(ReadOnlySpan<byte> json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            var root = doc.RootElement;
            return root.TryGetProperty("Width", out var w) && root.TryGetProperty("Height", out var h) && w.TryGetInt32(out var width) && h.TryGetInt32(out var height)
                && width > 0 && height > 0
                ? (width, height)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
