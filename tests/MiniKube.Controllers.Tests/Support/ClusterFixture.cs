using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Controllers;
using MiniKube.Testing;

namespace MiniKube.Controllers.Tests.Support;

/// <summary>
/// A small real cluster for integration tests: an API server over etcd, the controller manager (all controllers), and the
/// FakeKubelet/FakeScheduler test doubles for three nodes. Tests keep apart by working in namespaces of their own.
/// </summary>
public class ClusterFixture : IAsyncLifetime
{
    private CancellationTokenSource? _stop;
    private Task? _run;

    public TestApiServer Server { get; private set; } = null!;

    public MiniKubeClient Client => Server.Client;

    public FakeKubelet Kubelet { get; private set; } = null!;

    public FakeScheduler Scheduler { get; private set; } = null!;

    public ControllerManager Manager { get; private set; } = null!;

    protected virtual IReadOnlyList<string> NodeNames => ["n1", "n2", "n3"];

    protected virtual ControllerManagerOptions Configure(ControllerManagerOptions options) => options;

    public async Task InitializeAsync()
    {
        Server = await TestApiServer.StartAsync();
        Kubelet = await FakeKubelet.StartAsync(Server.Client, NodeNames);
        Scheduler = await FakeScheduler.StartAsync(Server.Client);
        Manager = new ControllerManager(Configure(new ControllerManagerOptions
        {
            Server = Server.GrpcAddress,
            LeaderElection = new() { LeaderElect = false },
            NodeMonitorPeriod = TimeSpan.FromMilliseconds(500),
            NamespaceSyncPeriod = TimeSpan.FromMilliseconds(500),
        }));
        _stop = new CancellationTokenSource();
        _run = Task.Run(() => Manager.RunAsync(_stop.Token));
        await Manager.Started.WaitAsync(TimeSpan.FromSeconds(20));
    }

    public async Task<string> NewNamespaceAsync(string prefix)
    {
        var name = prefix + "-" + Guid.NewGuid().ToString("N")[..6];
        await Client.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = name } });
        return name;
    }

    public async Task DisposeAsync()
    {
        if (_stop is not null)
        {
            await _stop.CancelAsync();
            await _run!.WaitAsync(TimeSpan.FromSeconds(20));
            _stop.Dispose();
        }
        await Scheduler.DisposeAsync();
        await Kubelet.DisposeAsync();
        await Server.DisposeAsync();
    }
}
