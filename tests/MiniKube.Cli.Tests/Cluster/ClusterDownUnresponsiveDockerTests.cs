using System.Diagnostics;
using System.Net.Sockets;
using MiniKube.Cluster;

namespace MiniKube.Cli.Tests.Cluster;

/// <summary><c>cluster down</c> finishes, with a warning, when Docker accepts connections and never answers (issue #16, item 4).</summary>
public sealed class ClusterDownUnresponsiveDockerTests
{
    [Fact]
    public async Task Cluster_down_finishes_with_a_warning_when_Docker_does_not_answer()
    {
        using var temp = new TempHome();
        var socketPath = Path.Combine(temp.Directory, "hung-docker.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen(16);
        var held = new List<Socket>();
        using var stop = new CancellationTokenSource();
        var accept = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    held.Add(await listener.AcceptAsync(stop.Token)); // accept, never answer
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        temp.With("DOCKER_HOST", "unix://" + socketPath);
        new ClusterStateStore(temp.Home).Save(new ClusterState
        {
            Name = "dev",
            Nodes = 1,
            BinDirectory = AppContext.BaseDirectory,
            EtcdClientPort = 21001,
            EtcdPeerPort = 21002,
            ApiGrpcPort = 21003,
            ApiHttpPort = 21004,
        });
        var clock = Stopwatch.StartNew();

        var result = await new ClusterDown(temp.Home, temp.Variable, new Quiet(), TimeSpan.FromMilliseconds(500)).RunAsync(purge: false, default)
            .WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(result.Found);
        Assert.Equal(0, result.ContainersRemoved);
        Assert.Contains($"Docker at unix://{socketPath} did not answer within 0.5 s", result.DockerWarning);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        await stop.CancelAsync();
        await accept;
        held.ForEach(s => s.Dispose());
    }

    private sealed class Quiet : IClusterProgress
    {
        public void Start(string step, string text)
        {
        }

        public void Update(string step, string text)
        {
        }

        public void Succeed(string step, string text)
        {
        }

        public void Fail(string step, string text)
        {
        }
    }
}
