using System.Threading.Channels;
using Google.Protobuf;
using Grpc.Core;
using MiniKube.Api;
using MiniKube.Protocol.V1;

namespace MiniKube.Client;

/// <summary>
/// An interactive exec that its owner drives piece by piece (a terminal widget, not a pair of streams): input and resizes
/// are queued by <see cref="Send"/> and <see cref="Resize"/> and written to the ExecStream call in order, output is handed
/// to <see cref="RunAsync"/>'s callback as it comes. With a TTY the command's stderr arrives merged into its stdout.
/// Failures (no such container, not running, exec refused) surface from <see cref="RunAsync"/> as <see cref="ApiException"/>s.
/// </summary>
public sealed class ExecSession : IAsyncDisposable
{
    private readonly MiniKubeClient _client;
    private readonly AsyncDuplexStreamingCall<ExecStreamInput, ExecStreamOutput> _call;
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<ExecStreamInput> _input = Channel.CreateUnbounded<ExecStreamInput>(new UnboundedChannelOptions { SingleReader = true });
    private readonly PodExecRequest _start;

    private ExecSession(MiniKubeClient client, PodExecRequest start)
    {
        _client = client;
        _start = start;
        _call = new PodProxy.PodProxyClient(client.Channel).ExecStream(cancellationToken: _stop.Token);
    }

    /// <summary>A session for <paramref name="command"/> in a container (null: the pod's only one); nothing is sent until <see cref="RunAsync"/>.</summary>
    public static ExecSession Open(MiniKubeClient client, string ns, string pod, string? container, IReadOnlyList<string> command, bool tty)
    {
        var start = new PodExecRequest { Namespace = ns, Pod = pod, Container = container ?? "", Stdin = true, Tty = tty };
        start.Command.AddRange(command);
        return new ExecSession(client, start);
    }

    /// <summary>Queues input for the command's stdin.</summary>
    public void Send(ReadOnlySpan<byte> data) => _input.Writer.TryWrite(new ExecStreamInput { Stdin = ByteString.CopyFrom(data) });

    /// <summary>Queues a terminal size (columns, rows); ignored by the server without a TTY.</summary>
    public void Resize(int width, int height) =>
        _input.Writer.TryWrite(new ExecStreamInput { Resize = new TerminalSize { Width = width, Height = height } });

    /// <summary>
    /// Starts the command and hands its output to <paramref name="output"/> (data, whether it is stderr) until it ends;
    /// returns its exit code.
    /// </summary>
    public async Task<int> RunAsync(Func<ReadOnlyMemory<byte>, bool, Task> output, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        var feeding = Task.CompletedTask;
        try
        {
            await _call.RequestStream.WriteAsync(new ExecStreamInput { Start = _start }, linked.Token).ConfigureAwait(false);
            feeding = FeedAsync(linked.Token);
            while (await _call.ResponseStream.MoveNext(linked.Token).ConfigureAwait(false))
            {
                var next = _call.ResponseStream.Current;
                switch (next.OutputCase)
                {
                    case ExecStreamOutput.OutputOneofCase.Stdout:
                        await output(next.Stdout.Memory, false).ConfigureAwait(false);
                        break;
                    case ExecStreamOutput.OutputOneofCase.Stderr:
                        await output(next.Stderr.Memory, true).ConfigureAwait(false);
                        break;
                    case ExecStreamOutput.OutputOneofCase.ExitCode:
                        return next.ExitCode;
                }
            }
            throw ApiException.Internal("the exec stream ended without the command's exit code");
        }
        catch (RpcException ex) when (linked.IsCancellationRequested)
        {
            throw new OperationCanceledException("the exec session was closed", ex, linked.Token);
        }
        catch (RpcException ex)
        {
            throw _client.ToApiException(ex);
        }
        finally
        {
            _input.Writer.TryComplete();
            await linked.CancelAsync().ConfigureAwait(false);
            await feeding.ConfigureAwait(false);
        }
    }

    private async Task FeedAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var next in _input.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                await _call.RequestStream.WriteAsync(next, ct).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or RpcException or InvalidOperationException)
        {
            // The command ended (or the session was closed) first: its remaining input has nowhere to go.
        }
    }

    /// <summary>Ends the call; the command's stdin reads end of file and a command still running is left to the server to stop.</summary>
    public async ValueTask DisposeAsync()
    {
        _input.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        _call.Dispose();
        _stop.Dispose();
    }
}
