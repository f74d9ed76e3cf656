using Google.Protobuf;
using System.Runtime.CompilerServices;
using System.Text;
using Grpc.Core;
using MiniKube.Api;
using MiniKube.Protocol.V1;

namespace MiniKube.Client;

/// <summary>The outcome of a non-interactive exec in a container.</summary>
public sealed record PodExecResult(string Stdout, string Stderr, int ExitCode);

/// <summary>
/// Pod logs and exec through the API server, which relays them to the pod's kubelet (the <c>PodProxy</c> gRPC service).
/// Failures surface as <see cref="MiniKube.Api.ApiException"/>s, as with every other client call.
/// </summary>
public static class PodProxyClient
{
    /// <summary>
    /// A container's logs as text chunks, in order (<paramref name="container"/> may be null for a pod with one container).
    /// With <paramref name="follow"/> the stream goes on until the container stops or <paramref name="cancellationToken"/> fires;
    /// <paramref name="previous"/> gives the logs of the container's previous (terminated) instance.
    /// </summary>
    public static async IAsyncEnumerable<string> StreamLogsAsync(this MiniKubeClient client, string ns, string pod, string? container = null,
        bool follow = false, int? tailLines = null, bool timestamps = false, bool previous = false,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var chunk in client.StreamLogsAsync(ns, pod, new PodLogRequest(container, follow, tailLines, timestamps, previous), cancellationToken)
            .ConfigureAwait(false))
        {
            yield return chunk;
        }
    }

    /// <summary>As above, with every option Kubernetes' PodLogOptions has (sinceSeconds, sinceTime).</summary>
    public static async IAsyncEnumerable<string> StreamLogsAsync(this MiniKubeClient client, string ns, string pod, PodLogRequest options,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (container, follow, tailLines, timestamps, previous) = (options.Container, options.Follow, options.TailLines, options.Timestamps, options.Previous);
        var proxy = new PodProxy.PodProxyClient(client.Channel);
        var request = new PodLogsRequest
        {
            Namespace = ns, Pod = pod, Container = container ?? "", Follow = follow, Timestamps = timestamps, Previous = previous,
        };
        if (tailLines is { } tail)
        {
            request.TailLines = tail;
        }
        if (options.Since is { } since)
        {
            request.SinceSeconds = (long)Math.Ceiling(since.TotalSeconds);
        }
        if (options.SinceTime is { } sinceTime)
        {
            request.SinceTime = Timestamps.FormatMilliseconds(sinceTime);
        }
        using var call = proxy.Logs(request, cancellationToken: cancellationToken);
        var decoder = Encoding.UTF8.GetDecoder();
        while (true)
        {
            bool more;
            try
            {
                more = await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
            catch (RpcException ex)
            {
                throw client.ToApiException(ex);
            }
            if (!more)
            {
                yield break;
            }
            var bytes = call.ResponseStream.Current.Data.Span;
            var chars = new char[decoder.GetCharCount(bytes, flush: false)];
            var count = decoder.GetChars(bytes, chars, flush: false);
            if (count > 0)
            {
                yield return new string(chars, 0, count);
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="command"/> in a container with its output streamed to <paramref name="stdout"/> and
    /// <paramref name="stderr"/> as it comes and, when <paramref name="stdin"/> is given, that stream fed to its stdin (its end
    /// ends the command's stdin); returns the exit code. No time limit: the command runs until it ends or the call is cancelled.
    /// </summary>
    public static async Task<int> ExecStreamAsync(this MiniKubeClient client, string ns, string pod, string? container, IReadOnlyList<string> command,
        Stream? stdin, Stream stdout, Stream stderr, CancellationToken cancellationToken = default)
    {
        var proxy = new PodProxy.PodProxyClient(client.Channel);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var call = proxy.ExecStream(cancellationToken: stop.Token);
        var start = new PodExecRequest { Namespace = ns, Pod = pod, Container = container ?? "", Stdin = stdin is not null };
        start.Command.AddRange(command);
        var feeding = Task.CompletedTask;
        try
        {
            await call.RequestStream.WriteAsync(new ExecStreamInput { Start = start }, cancellationToken).ConfigureAwait(false);
            feeding = stdin is null ? call.RequestStream.CompleteAsync() : FeedAsync(call.RequestStream, stdin, stop.Token);
            while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                var output = call.ResponseStream.Current;
                switch (output.OutputCase)
                {
                    case ExecStreamOutput.OutputOneofCase.Stdout:
                        await stdout.WriteAsync(output.Stdout.Memory, cancellationToken).ConfigureAwait(false);
                        await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
                        break;
                    case ExecStreamOutput.OutputOneofCase.Stderr:
                        await stderr.WriteAsync(output.Stderr.Memory, cancellationToken).ConfigureAwait(false);
                        await stderr.FlushAsync(cancellationToken).ConfigureAwait(false);
                        break;
                    case ExecStreamOutput.OutputOneofCase.ExitCode:
                        return output.ExitCode;
                }
            }
            throw ApiException.Internal("the exec stream ended without the command's exit code");
        }
        catch (RpcException ex)
        {
            throw client.ToApiException(ex);
        }
        finally
        {
            // The command may end before its input does; a console's stdin read does not always honour the token, so the
            // feeder is stopped but not awaited (what it still throws is observed here).
            await stop.CancelAsync().ConfigureAwait(false);
            _ = feeding.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }

    private static async Task FeedAsync(IClientStreamWriter<ExecStreamInput> requests, Stream stdin, CancellationToken ct)
    {
        var buffer = new byte[32 * 1024];
        int read;
        while ((read = await stdin.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            await requests.WriteAsync(new ExecStreamInput { Stdin = ByteString.CopyFrom(buffer, 0, read) }, ct).ConfigureAwait(false);
        }
        await requests.WriteAsync(new ExecStreamInput { CloseStdin = true }, ct).ConfigureAwait(false);
        await requests.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="command"/> in a container and returns its output and exit code.</summary>
    public static async Task<PodExecResult> ExecAsync(this MiniKubeClient client, string ns, string pod, string? container, IReadOnlyList<string> command,
        int timeoutSeconds = 0, CancellationToken cancellationToken = default)
    {
        var proxy = new PodProxy.PodProxyClient(client.Channel);
        var request = new PodExecRequest { Namespace = ns, Pod = pod, Container = container ?? "", TimeoutSeconds = timeoutSeconds };
        request.Command.AddRange(command);
        try
        {
            var reply = await proxy.ExecAsync(request, cancellationToken: cancellationToken).ResponseAsync.ConfigureAwait(false);
            return new PodExecResult(reply.Stdout, reply.Stderr, reply.ExitCode);
        }
        catch (RpcException ex)
        {
            throw client.ToApiException(ex);
        }
    }
}

/// <summary>What <see cref="PodProxyClient.StreamLogsAsync(MiniKubeClient, string, string, PodLogRequest, CancellationToken)"/> asks for.</summary>
public sealed record PodLogRequest(string? Container = null, bool Follow = false, int? TailLines = null, bool Timestamps = false, bool Previous = false,
    TimeSpan? Since = null, DateTimeOffset? SinceTime = null);
