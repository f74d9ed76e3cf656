using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using MiniKube.Api;
using MiniKube.Protocol.V1;
using Status = MiniKube.Api.Status;

namespace MiniKube.ApiServer;

/// <summary>
/// The gRPC face of an interactive exec: <see cref="KubeletProxy.OpenStreamAsync"/>'s WebSocket (Kubernetes' channel
/// protocol) turned into ExecStream messages — stdin and its end to channels 0 and <c>[255, 0]</c>, resizes to channel 4, channels 1 and 2 to
/// stdout and stderr, the channel-3 Status to the exit code (or to an error when the command could not run).
/// </summary>
internal static class ExecStreamRelay
{
    public static async Task RunAsync(KubeletProxy kubelets, IAsyncStreamReader<ExecStreamInput> input, IServerStreamWriter<ExecStreamOutput> output,
        CancellationToken ct)
    {
        if (!await input.MoveNext(ct).ConfigureAwait(false) || input.Current.InputCase != ExecStreamInput.InputOneofCase.Start)
        {
            throw ApiException.BadRequest("the first ExecStream message must be the start request");
        }
        var start = input.Current.Start;
        if (start.Command.Count == 0)
        {
            throw ApiException.BadRequest("exec needs a command");
        }
        using var kubelet = await kubelets.OpenStreamAsync(start.Namespace, start.Pod, start.Container, "exec", [.. start.Command],
            start.Stdin, stdout: true, stderr: !start.Tty, tty: start.Tty, ct).ConfigureAwait(false);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var feeding = start.Stdin ? FeedStdinAsync(input, kubelet, stop.Token) : Task.CompletedTask;
        try
        {
            var buffer = new byte[32 * 1024];
            using var message = new MemoryStream();
            int? exitCode = null;
            while (true)
            {
                var result = await kubelet.ReceiveAsync(buffer, ct).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage || message.Length == 0)
                {
                    continue;
                }
                var data = message.ToArray();
                message.SetLength(0);
                var payload = ByteString.CopyFrom(data, 1, data.Length - 1);
                switch (data[0])
                {
                    case 1:
                        await output.WriteAsync(new ExecStreamOutput { Stdout = payload }, ct).ConfigureAwait(false);
                        break;
                    case 2:
                        await output.WriteAsync(new ExecStreamOutput { Stderr = payload }, ct).ConfigureAwait(false);
                        break;
                    case 3:
                        exitCode = ExitCode(data.AsSpan(1));
                        break;
                }
            }
            await output.WriteAsync(new ExecStreamOutput { ExitCode = exitCode ?? throw ApiException.Internal("the kubelet ended the exec without its exit status") },
                ct).ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await feeding.ConfigureAwait(false);
        }
    }

    /// <summary>The exit code a channel-3 Status carries; a Failure that is not the command's own exit is an error.</summary>
    internal static int ExitCode(ReadOnlySpan<byte> statusJson)
    {
        var status = KubeSerializer.FromJson<Status>(statusJson);
        if (status.Outcome == "Success")
        {
            return 0;
        }
        if (status.Reason == "NonZeroExitCode"
            && status.Details?.Causes?.FirstOrDefault(c => c.Reason == "ExitCode")?.Message is { } text
            && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var code))
        {
            return code;
        }
        throw ApiException.BadRequest(status.Message ?? "the command could not run");
    }

    private static async Task FeedStdinAsync(IAsyncStreamReader<ExecStreamInput> input, WebSocket kubelet, CancellationToken ct)
    {
        try
        {
            while (await input.MoveNext(ct).ConfigureAwait(false))
            {
                var next = input.Current;
                if (next.InputCase == ExecStreamInput.InputOneofCase.Stdin && next.Stdin.Length > 0)
                {
                    var frame = new byte[next.Stdin.Length + 1];
                    next.Stdin.Span.CopyTo(frame.AsSpan(1));
                    await kubelet.SendAsync(frame, WebSocketMessageType.Binary, endOfMessage: true, ct).ConfigureAwait(false);
                }
                else if (next.InputCase == ExecStreamInput.InputOneofCase.Resize)
                {
                    var size = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{{\"Width\":{next.Resize.Width},\"Height\":{next.Resize.Height}}}"));
                    var frame = new byte[size.Length + 1];
                    frame[0] = 4;
                    size.CopyTo(frame.AsSpan(1));
                    await kubelet.SendAsync(frame, WebSocketMessageType.Binary, endOfMessage: true, ct).ConfigureAwait(false);
                }
                else if (next.InputCase == ExecStreamInput.InputOneofCase.CloseStdin)
                {
                    break;
                }
            }
            // The client ended stdin (or its whole request stream): so does the command's.
            await kubelet.SendAsync(new byte[] { 255, 0 }, WebSocketMessageType.Binary, endOfMessage: true, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or RpcException or InvalidOperationException)
        {
            // The call or the command ended first.
        }
    }
}
