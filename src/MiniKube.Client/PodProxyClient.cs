using System.Runtime.CompilerServices;
using System.Text;
using Grpc.Core;
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
        var proxy = new PodProxy.PodProxyClient(client.Channel);
        var request = new PodLogsRequest
        {
            Namespace = ns, Pod = pod, Container = container ?? "", Follow = follow, Timestamps = timestamps, Previous = previous,
        };
        if (tailLines is { } tail)
        {
            request.TailLines = tail;
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
