using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;

namespace MiniKube.Kubelet.Tests;

/// <summary>
/// <see cref="ContainerStreamRelay"/> over a real WebSocket (loopback TCP) and a scripted container stream: when must the
/// relay end the exec'd process?
/// </summary>
public sealed class ContainerStreamRelayTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_client_that_leaves_ends_the_process_even_when_closing_its_stdin_ended_the_output_first()
    {
        // Docker with a TTY: closing the exec's stdin ends its output at once while the process runs on. The stream here
        // ignores cancellation of the pending read, so the output's end always wins the race with the relay's cancellation.
        var stream = new ScriptedStream(endOutputOnStdinClose: true, honourCancellation: false);
        await using var pair = await SocketPair.OpenAsync();
        var relay = ContainerStreamRelay.RunAsync(pair.Server, stream, ["sh"], CancellationToken.None);

        await pair.Client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(Deadline);
        await relay.WaitAsync(Deadline);

        Assert.True(stream.StdinClosed);
        Assert.Equal(1, stream.EndCalls);
    }

    [Fact]
    public async Task A_client_that_leaves_ends_a_process_whose_output_goes_on()
    {
        var stream = new ScriptedStream(endOutputOnStdinClose: false, honourCancellation: true);
        await using var pair = await SocketPair.OpenAsync();
        var relay = ContainerStreamRelay.RunAsync(pair.Server, stream, ["sh", "-c", "sleep 4242"], CancellationToken.None);

        await pair.Client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(Deadline);
        await relay.WaitAsync(Deadline);

        Assert.Equal(1, stream.EndCalls);
    }

    [Fact]
    public async Task A_process_that_exits_sends_its_status_and_a_normal_close()
    {
        var stream = new ScriptedStream(endOutputOnStdinClose: false, honourCancellation: true);
        await using var pair = await SocketPair.OpenAsync();
        var relay = ContainerStreamRelay.RunAsync(pair.Server, stream, ["true"], CancellationToken.None);

        stream.Exit(0);
        var buffer = new byte[4096];
        var status = await pair.Client.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(Deadline);
        Assert.Equal(ChannelProtocol.Error, buffer[0]);
        Assert.Contains("Success", System.Text.Encoding.UTF8.GetString(buffer, 1, status.Count - 1), StringComparison.Ordinal);
        var close = await pair.Client.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(Deadline);
        Assert.Equal(WebSocketMessageType.Close, close.MessageType);
        await pair.Client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        await relay.WaitAsync(Deadline);
        // EndAsync runs after every session; the runtime's does nothing for a process that exited (Docker: not Running).
        Assert.True(stream.Exited);
    }

    /// <summary>A container stream whose output ends when told to (exit) or, like Docker's TTY exec, when its stdin closes.</summary>
    private sealed class ScriptedStream(bool endOutputOnStdinClose, bool honourCancellation) : IContainerStream
    {
        private readonly TaskCompletionSource _outputEnd = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _endCalls;
        private int _exitCode;

        public bool StdinClosed { get; private set; }

        public bool Exited { get; private set; }

        public int EndCalls => Volatile.Read(ref _endCalls);

        public void Exit(int code)
        {
            _exitCode = code;
            Exited = true;
            _outputEnd.TrySetResult();
        }

        public async Task<OutputChunk> ReadOutputAsync(byte[] buffer, CancellationToken cancellationToken)
        {
            await (honourCancellation ? _outputEnd.Task.WaitAsync(cancellationToken) : _outputEnd.Task).ConfigureAwait(false);
            return new OutputChunk(0, false);
        }

        public Task WriteStdinAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => Task.CompletedTask;

        public void CloseStdin()
        {
            StdinClosed = true;
            if (endOutputOnStdinClose)
            {
                _outputEnd.TrySetResult();
            }
        }

        public Task ResizeAsync(int width, int height, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<int?> ExitCodeAsync(CancellationToken cancellationToken) => Task.FromResult<int?>(Exited ? _exitCode : -1);

        public Task EndAsync(CancellationToken cancellationToken)
        {
            if (!Exited)
            {
                Interlocked.Increment(ref _endCalls);
            }
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>Two ends of a WebSocket over a loopback TCP connection.</summary>
    private sealed class SocketPair : IAsyncDisposable
    {
        private readonly TcpClient _client;
        private readonly TcpClient _server;

        private SocketPair(TcpClient client, TcpClient server)
        {
            _client = client;
            _server = server;
            Client = WebSocket.CreateFromStream(client.GetStream(), new WebSocketCreationOptions { IsServer = false });
            Server = WebSocket.CreateFromStream(server.GetStream(), new WebSocketCreationOptions { IsServer = true });
        }

        public WebSocket Client { get; }

        public WebSocket Server { get; }

        public static async Task<SocketPair> OpenAsync()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            try
            {
                var client = new TcpClient();
                var accept = listener.AcceptTcpClientAsync();
                await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
                return new SocketPair(client, await accept);
            }
            finally
            {
                listener.Stop();
            }
        }

        public ValueTask DisposeAsync()
        {
            Client.Dispose();
            Server.Dispose();
            _client.Dispose();
            _server.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
