using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using MiniKube.Api;

namespace MiniKube.ApiServer.Rest;

/// <summary>
/// <c>pods/exec</c> over WebSocket with Kubernetes' channel protocol (<c>v5.channel.k8s.io</c>, also v4): every binary
/// message starts with its channel byte — 1 stdout, 2 stderr, 3 the final Status (with a <c>NonZeroExitCode</c> reason and an
/// <c>ExitCode</c> cause on failure). The command runs through the kubelet's non-interactive exec, so stdin and TTYs are not
/// relayed (the request is refused when stdin is asked for).
/// </summary>
internal static class PodExecSocket
{
    public static readonly string[] Protocols = ["v5.channel.k8s.io", "v4.channel.k8s.io"];

    private const byte Stdout = 1;
    private const byte Stderr = 2;
    private const byte Error = 3;

    public static async Task ServeAsync(HttpContext http, KubeletProxy kubelets, RestTarget target)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            throw ApiException.BadRequest("exec needs a WebSocket upgrade with subprotocol v5.channel.k8s.io or v4.channel.k8s.io");
        }
        var query = http.Request.Query;
        var command = query["command"].Where(c => c is not null).Select(c => c!).ToList();
        if (command.Count == 0)
        {
            throw ApiException.BadRequest("you must specify at least one command for the container");
        }
        if (query["stdin"] == "true" || query["tty"] == "true")
        {
            throw ApiException.BadRequest("exec with stdin or a TTY is not supported by MiniKube's kubelet (it runs commands non-interactively)");
        }
        var offered = http.WebSockets.WebSocketRequestedProtocols;
        var protocol = Protocols.FirstOrDefault(offered.Contains)
            ?? throw ApiException.BadRequest($"none of the offered subprotocols ({string.Join(", ", offered)}) is supported: use {string.Join(" or ", Protocols)}");
        // Errors before the upgrade still reach the client as a Status; the kubelet is asked first.
        var ct = http.RequestAborted;
        var reply = await kubelets.ExecAsync(target.Namespace ?? "default", target.Name!, query["container"], command, null, ct).ConfigureAwait(false);
        using var socket = await http.WebSockets.AcceptWebSocketAsync(protocol).ConfigureAwait(false);
        // Read (and drop) what the client sends, so pings and its close are answered.
        var drain = DrainAsync(socket, ct);
        if (!string.IsNullOrEmpty(reply.Stdout))
        {
            await SendAsync(socket, Stdout, Encoding.UTF8.GetBytes(reply.Stdout), ct).ConfigureAwait(false);
        }
        if (!string.IsNullOrEmpty(reply.Stderr))
        {
            await SendAsync(socket, Stderr, Encoding.UTF8.GetBytes(reply.Stderr), ct).ConfigureAwait(false);
        }
        await SendAsync(socket, Error, StatusFor(command, reply.ExitCode), ct).ConfigureAwait(false);
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct).ConfigureAwait(false);
        await Task.WhenAny(drain, Task.Delay(TimeSpan.FromSeconds(5), ct)).ConfigureAwait(false);
    }

    /// <summary>The channel-3 Status kubectl turns into its exit code.</summary>
    internal static byte[] StatusFor(IReadOnlyList<string> command, int exitCode)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartObject("metadata");
            w.WriteEndObject();
            if (exitCode == 0)
            {
                w.WriteString("status", "Success");
            }
            else
            {
                var code = exitCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
                w.WriteString("status", "Failure");
                w.WriteString("message", $"command terminated with non-zero exit code: error executing command [{string.Join(' ', command)}], exit code {code}");
                w.WriteString("reason", "NonZeroExitCode");
                w.WriteStartObject("details");
                w.WriteStartArray("causes");
                w.WriteStartObject();
                w.WriteString("reason", "ExitCode");
                w.WriteString("message", code);
                w.WriteEndObject();
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static async Task SendAsync(WebSocket socket, byte channel, byte[] data, CancellationToken ct)
    {
        var frame = new byte[data.Length + 1];
        frame[0] = channel;
        data.CopyTo(frame, 1);
        await socket.SendAsync(frame, WebSocketMessageType.Binary, endOfMessage: true, ct).ConfigureAwait(false);
    }

    private static async Task DrainAsync(WebSocket socket, CancellationToken ct)
    {
        var buffer = new byte[4096];
        try
        {
            while (socket.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                var result = await socket.ReceiveAsync(buffer, ct).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // The client went away.
        }
    }
}
