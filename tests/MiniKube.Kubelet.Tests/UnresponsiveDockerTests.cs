using System.Diagnostics;
using System.Net.Sockets;
using MiniKube.Api;
using MiniKube.Kubelet;
using MiniKube.Testing;

namespace MiniKube.Kubelet.Tests;

/// <summary>
/// A Docker endpoint that hangs (issue #16, item 4): a unix socket that forwards to the real engine until frozen, then
/// accepts connections and never answers (as dockerd did when it deadlocked).
/// </summary>
internal sealed class FreezableDockerSocket : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _held = [];
    private readonly Task _accept;
    private volatile bool _frozen;

    public FreezableDockerSocket(bool frozen = false)
    {
        _frozen = frozen;
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "hung-docker-" + Guid.NewGuid().ToString("N")[..8] + ".sock");
        _listener.Bind(new UnixDomainSocketEndPoint(Path));
        _listener.Listen(64);
        _accept = Task.Run(AcceptAsync);
    }

    public string Path { get; }

    public string Endpoint => "unix://" + Path;

    public void Freeze() => _frozen = true;

    public void Thaw() => _frozen = false;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            lock (_held)
            {
                _held.Add(client);
            }
            if (!_frozen)
            {
                _ = Task.Run(() => ForwardAsync(client));
            }
        }
    }

    private async Task ForwardAsync(Socket client)
    {
        using var engine = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await engine.ConnectAsync(new UnixDomainSocketEndPoint("/var/run/docker.sock"), _stop.Token);
        await Task.WhenAny(PumpAsync(client, engine), PumpAsync(engine, client));
        client.Dispose();
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (n == 0)
                {
                    return;
                }
                while (_frozen && !_stop.IsCancellationRequested)
                {
                    await Task.Delay(50, _stop.Token); // frozen: hold the bytes, answer nothing
                }
                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Connection closed or test over.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accept;
        lock (_held)
        {
            foreach (var s in _held)
            {
                s.Dispose();
            }
        }
        File.Delete(Path);
        _stop.Dispose();
    }
}

public sealed class UnresponsiveDockerTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>
{
    [Fact]
    public async Task Every_runtime_call_to_an_engine_that_never_answers_ends_at_its_deadline()
    {
        await using var hung = new FreezableDockerSocket(frozen: true);
        await using var runtime = new DeadlineRuntime(new DockerRuntime(new Uri(hung.Endpoint), "n1", TimeSpan.FromSeconds(1)),
            TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeProvider.System);
        var clock = Stopwatch.StartNew();

        var version = await Assert.ThrowsAsync<RuntimeTimeoutException>(() => runtime.GetVersionAsync(default));
        var list = await Assert.ThrowsAsync<RuntimeTimeoutException>(() => runtime.ListContainersAsync(null, default));
        var stop = await Assert.ThrowsAsync<RuntimeTimeoutException>(() => runtime.StopContainerAsync("x", TimeSpan.FromMilliseconds(500), default));

        Assert.Equal("the container runtime did not answer version within 0.5 s", version.Message);
        Assert.Equal("list containers", list.Call);
        Assert.Equal("stop container", stop.Call);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [DockerFact]
    public async Task A_node_whose_Docker_stops_answering_turns_NotReady_with_a_reason_and_Ready_again_when_it_answers()
    {
        await using var docker = new FreezableDockerSocket();
        await using var env = await KubeletEnvironment.StartAsync(api.Server, o => o with
        {
            DockerEndpoint = docker.Endpoint,
            RuntimeRequestTimeout = TimeSpan.FromSeconds(2),
            NodeStatusUpdateFrequency = TimeSpan.FromSeconds(1),
        });
        await Eventually.WaitAsync(() => env.Client.GetAsync<Node>(env.Node), n => Ready(n)?.Status == ConditionStatus.True,
            TimeSpan.FromSeconds(15), "the node Ready");

        docker.Freeze();

        var down = await Eventually.WaitAsync(() => env.Client.GetAsync<Node>(env.Node), n => Ready(n)?.Status == ConditionStatus.False,
            TimeSpan.FromSeconds(20), "the node NotReady while Docker does not answer");
        Assert.Equal("KubeletNotReady", Ready(down)!.Reason);
        Assert.StartsWith("container runtime is down: ", Ready(down)!.Message, StringComparison.Ordinal);

        docker.Thaw();

        await Eventually.WaitAsync(() => env.Client.GetAsync<Node>(env.Node), n => Ready(n)?.Status == ConditionStatus.True,
            TimeSpan.FromSeconds(30), "the node Ready again once Docker answers");
    }

    private static NodeCondition? Ready(Node n) => n.Status?.Conditions?.FirstOrDefault(c => c.Type == NodeConditionType.Ready);
}
