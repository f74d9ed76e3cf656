using Microsoft.Extensions.Logging;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Kubelet;

/// <summary>Everything one node runs: its runtime, pod workers, probes, stats and node status / lease reporting.</summary>
internal sealed class NodeAgent : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task? _reporting;

    public NodeAgent(string node, KubeletOptions options, MiniKubeClient client, Informer<Pod> pods, IContainerRuntime runtime, bool probesEnabled,
        Func<int> kubeletPort, TimeProvider time, ILoggerFactory loggers, Informer<Service>? services = null)
    {
        NodeName = node;
        Runtime = runtime;
        Events = new EventRecorder(client, "kubelet", node, time, loggers.CreateLogger<EventRecorder>());
        Stats = new StatsCollector(node, runtime, time, loggers.CreateLogger<StatsCollector>());
        Pods = new PodWorkers(node, options, pods, runtime, time, loggers.CreateLogger<PodWorkers>()) { ContainerStarted = Stats.ContainersChanged };
        Killer = new ContainerKiller(runtime, Events);
        Probes = probesEnabled ? new ProbeManager(runtime, Killer, Events, time, loggers.CreateLogger<ProbeManager>(), Pods.Enqueue) : null;
        Syncer = new PodSyncer(node, options, runtime, client, Events, Probes, Killer, time, loggers.CreateLogger<PodSyncer>(), () => Pods.Pods, services);
        Status = new NodeStatusReporter(node, options, client, runtime, kubeletPort, time, loggers.CreateLogger<NodeStatusReporter>());
    }

    public string NodeName { get; }

    public IContainerRuntime Runtime { get; }

    public EventRecorder Events { get; }

    public PodWorkers Pods { get; }

    public ProbeManager? Probes { get; }

    public ContainerKiller Killer { get; }

    public PodSyncer Syncer { get; }

    public StatsCollector Stats { get; }

    public NodeStatusReporter Status { get; }

    /// <summary>Registers the node, then starts the pod workers, stats and status loops.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        await Status.RegisterAsync(ct).ConfigureAwait(false);
        Pods.Start(Syncer);
        Stats.Start();
        _reporting = Task.Run(() => Status.RunAsync(_stop.Token));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await Pods.DisposeAsync().ConfigureAwait(false);
        if (Probes is not null)
        {
            await Probes.DisposeAsync().ConfigureAwait(false);
        }
        await Stats.DisposeAsync().ConfigureAwait(false);
        if (_reporting is not null)
        {
            try
            {
                await _reporting.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
            {
            }
        }
        await Events.DisposeAsync().ConfigureAwait(false);
        Killer.Dispose();
        await Runtime.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}
