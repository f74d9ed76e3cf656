using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using MiniKube.Api;

namespace MiniKube.ApiServer.Rest;

/// <summary>
/// <c>pods/exec</c> and <c>pods/attach</c> over WebSocket with Kubernetes' channel protocol (<c>v5.channel.k8s.io</c>, also
/// v4): the kubelet of the pod's node serves the stream (see the kubelet's <c>ChannelProtocol</c>) and this relays it
/// message by message, as the Kubernetes API server proxies it — stdin (channel 0) and TTY resizes (4) to the kubelet,
/// stdout (1), stderr (2) and the final Status (3) back. v5's close message <c>[255, 0]</c> ends the process's stdin; a
/// v4 client cannot send it, so with v4 stdin ends only when the client closes the connection.
/// </summary>
internal static class PodExecSocket
{
    public static readonly string[] Protocols = ["v5.channel.k8s.io", "v4.channel.k8s.io"];

    private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(5);

    public static async Task ServeAsync(HttpContext http, KubeletProxy kubelets, RestTarget target, string subresource)
    {
        var query = http.Request.Query;
        var ns = target.Namespace ?? "default";
        var ct = http.RequestAborted;
        // kubectl retries a refused WebSocket request with SPDY: both must get the same refusal, so checks come first.
        var container = await kubelets.ContainerOfAsync(ns, target.Name!, query["container"], ct).ConfigureAwait(false);
        if (subresource == "attach" && IsTrue(query["stdin"]) && container.Stdin != true)
        {
            throw ApiException.BadRequest($"stdin is not enabled for container {container.Name} of pod {target.Name} (attach -i needs stdin: true in its spec)");
        }
        if (!http.WebSockets.IsWebSocketRequest)
        {
            throw ApiException.BadRequest($"{subresource} needs a WebSocket upgrade with subprotocol v5.channel.k8s.io or v4.channel.k8s.io");
        }
        var command = query["command"].Where(c => c is not null).Select(c => c!).ToList();
        if (subresource == "exec" && command.Count == 0)
        {
            throw ApiException.BadRequest("you must specify at least one command for the container");
        }
        var stdin = IsTrue(query["stdin"]);
        var stdout = IsTrue(query["stdout"]);
        var stderr = IsTrue(query["stderr"]);
        var tty = IsTrue(query["tty"]);
        if (!stdin && !stdout && !stderr)
        {
            throw ApiException.BadRequest("you must specify at least 1 of stdin, stdout, stderr");
        }
        if (tty && stderr)
        {
            // As Kubernetes: a TTY merges stderr into stdout.
            stderr = false;
        }
        var offered = http.WebSockets.WebSocketRequestedProtocols;
        var protocol = Protocols.FirstOrDefault(offered.Contains)
            ?? throw ApiException.BadRequest($"none of the offered subprotocols ({string.Join(", ", offered)}) is supported: use {string.Join(" or ", Protocols)}");
        WebSocket kubelet;
        try
        {
            kubelet = await kubelets.OpenStreamAsync(ns, target.Name!, container.Name, subresource, command, stdin, stdout, stderr, tty, ct).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.Status.Code < 500)
        {
            // The kubelet refused (the container is not running): kubectl prints the Status of channel 3, where a refusal
            // before the upgrade would send it to its SPDY retry.
            using var refused = await http.WebSockets.AcceptWebSocketAsync(protocol).ConfigureAwait(false);
            await SendStatusAsync(refused, ex.Status, ct).ConfigureAwait(false);
            return;
        }
        using var _ = kubelet;
        using var client = await http.WebSockets.AcceptWebSocketAsync(protocol).ConfigureAwait(false);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var up = PumpAsync(client, kubelet, stop.Token);
        var down = PumpAsync(kubelet, client, stop.Token);
        // The session ends when the kubelet has said all (the Status and its close) or either side goes away.
        var first = await Task.WhenAny(up, down).ConfigureAwait(false);
        if (first == down && await down.ConfigureAwait(false))
        {
            await Task.WhenAny(up, Task.Delay(CloseWait, ct)).ConfigureAwait(false);
        }
        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(up, down).ConfigureAwait(false);
    }

    private static async Task SendStatusAsync(WebSocket socket, Status status, CancellationToken ct)
    {
        var json = KubeSerializer.ToJsonBytes(status);
        var frame = new byte[json.Length + 1];
        frame[0] = 3;
        json.CopyTo(frame, 1);
        await socket.SendAsync(frame, WebSocketMessageType.Binary, endOfMessage: true, ct).ConfigureAwait(false);
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct).ConfigureAwait(false);
        var buffer = new byte[1024];
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(CloseWait);
        try
        {
            while ((await socket.ReceiveAsync(buffer, wait.Token).ConfigureAwait(false)).MessageType != WebSocketMessageType.Close)
            {
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // The client left without answering the close.
        }
    }

    /// <summary>Copies messages from one socket to the other until <paramref name="from"/> closes; true when it closed normally.</summary>
    private static async Task<bool> PumpAsync(WebSocket from, WebSocket to, CancellationToken ct)
    {
        var buffer = new byte[32 * 1024];
        try
        {
            while (true)
            {
                var result = await from.ReceiveAsync(buffer, ct).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    if (to.State is WebSocketState.Open or WebSocketState.CloseReceived)
                    {
                        await to.CloseOutputAsync(result.CloseStatus ?? WebSocketCloseStatus.NormalClosure, result.CloseStatusDescription, ct).ConfigureAwait(false);
                    }
                    return true;
                }
                await to.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, ct).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // One side went away or the session is over; disposing the sockets ends the other.
            return false;
        }
    }

    private static bool IsTrue(string? value) => value is "true" or "1" or "True";
}
