using System.Collections.Concurrent;
using System.Threading.Channels;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Testing;

/// <summary>
/// TEST DOUBLE, not a kubelet: plays the kubelets of a set of simulated nodes so controller tests and benchmarks run
/// without Docker. It registers the Node objects and their Leases in <c>kube-node-lease</c>, renews the leases,
/// reports every pod bound to a live node as Running and Ready at once, and finishes graceful deletions of those pods
/// with a grace-0 delete. <see cref="Stop"/> makes a node fall silent (no heartbeats, pods left as they are), as when its
/// kubelet dies; <see cref="Revive"/> brings it back.
/// </summary>
public sealed class FakeKubelet : IAsyncDisposable
{
    private const string LeaseNamespace = "kube-node-lease";

    private readonly MiniKubeClient _client;
    private readonly TimeSpan _heartbeat;
    private readonly ConcurrentDictionary<string, bool> _live = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lease> _leases = new(StringComparer.Ordinal);
    private readonly Informer<Pod> _pods;
    private readonly Channel<string> _work = Channel.CreateUnbounded<string>();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _tasks = [];
    private long _ip;

    private FakeKubelet(MiniKubeClient client, TimeSpan heartbeat)
    {
        _client = client;
        _heartbeat = heartbeat;
        _pods = new Informer<Pod>(client);
        _pods.AddHandler(onAdd: Enqueue, onUpdate: (_, p) => Enqueue(p));
    }

    public IReadOnlyCollection<string> Nodes => [.. _live.Keys];

    /// <summary>Pods this double reported Running (for throughput counts).</summary>
    public long PodsStarted => Interlocked.Read(ref _started);

    private long _started;

    public static async Task<FakeKubelet> StartAsync(MiniKubeClient client, IEnumerable<string> nodes, TimeSpan? heartbeat = null, int workers = 8,
        CancellationToken cancellationToken = default)
    {
        var kubelet = new FakeKubelet(client, heartbeat ?? TimeSpan.FromMilliseconds(250));
        foreach (var node in nodes)
        {
            await kubelet.RegisterAsync(node, cancellationToken).ConfigureAwait(false);
        }
        kubelet._pods.Start();
        await kubelet._pods.WaitForSyncAsync(cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < workers; i++)
        {
            kubelet._tasks.Add(Task.Run(kubelet.WorkAsync));
        }
        kubelet._tasks.Add(Task.Run(kubelet.HeartbeatAsync));
        return kubelet;
    }

    /// <summary>The node's kubelet falls silent: no lease renewals, no pod updates.</summary>
    public void Stop(string node) => _live[node] = false;

    /// <summary>The node's kubelet is back: heartbeats resume, Ready is reported, its pods are handled again.</summary>
    public void Revive(string node)
    {
        _live[node] = true;
        foreach (var pod in _pods.Cache.List().Where(p => p.Spec?.NodeName == node))
        {
            Enqueue(pod);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _work.Writer.TryComplete();
        try
        {
            await Task.WhenAll(_tasks).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
        await _pods.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task RegisterAsync(string name, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        try
        {
            await _client.CreateAsync(new Node
            {
                Metadata = new ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = name } },
                Status = new NodeStatus
                {
                    Capacity = new Dictionary<string, Quantity>
                    {
                        ["cpu"] = Quantity.Parse("32"),
                        ["memory"] = Quantity.Parse("64Gi"),
                        ["pods"] = Quantity.Parse("2000"),
                    },
                    Conditions = [ReadyCondition(now)],
                },
            }, ct).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsAlreadyExists)
        {
            // Registered before (a revived test cluster).
        }
        var lease = await _client.CreateAsync(new Lease
        {
            Metadata = new ObjectMeta { Name = name, Namespace = LeaseNamespace },
            Spec = new LeaseSpec { HolderIdentity = name, LeaseDurationSeconds = 40, RenewTime = now },
        }, ct).ConfigureAwait(false);
        _leases[name] = lease;
        _live[name] = true;
    }

    private static NodeCondition ReadyCondition(DateTimeOffset now) => new()
    {
        Type = NodeConditionType.Ready,
        Status = ConditionStatus.True,
        Reason = "KubeletReady",
        Message = "kubelet is posting ready status (FakeKubelet test double)",
        LastHeartbeatTime = now,
        LastTransitionTime = now,
    };

    private async Task HeartbeatAsync()
    {
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_heartbeat, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            foreach (var (name, live) in _live)
            {
                if (!live)
                {
                    continue;
                }
                try
                {
                    var lease = _leases[name];
                    _leases[name] = await _client.UpdateAsync(lease with { Spec = lease.Spec! with { RenewTime = DateTimeOffset.UtcNow } }, ct)
                        .ConfigureAwait(false);
                    var node = await _client.GetAsync<Node>(name, cancellationToken: ct).ConfigureAwait(false);
                    var ready = node.Status?.Conditions?.FirstOrDefault(c => c.Type == NodeConditionType.Ready);
                    if (ready?.Status != ConditionStatus.True)
                    {
                        var others = (node.Status?.Conditions ?? []).Where(c => c.Type == NodeConditionType.Ready ? false : true)
                            .Select(c => c with { Status = ConditionStatus.False, Reason = "KubeletHasSufficientResources", LastHeartbeatTime = DateTimeOffset.UtcNow });
                        await _client.UpdateStatusAsync(node with
                        {
                            Status = (node.Status ?? new NodeStatus()) with { Conditions = [ReadyCondition(DateTimeOffset.UtcNow), .. others] },
                        }, ct).ConfigureAwait(false);
                    }
                }
                catch (ApiException ex) when (ex.IsConflict || ex.IsNotFound)
                {
                    if (await TryGetLeaseAsync(name, ct).ConfigureAwait(false) is { } fresh)
                    {
                        _leases[name] = fresh;
                    }
                }
                catch (Exception ex) when (ex is ApiException or OperationCanceledException)
                {
                    // Best effort; the next beat tries again.
                }
            }
        }
    }

    private async Task<Lease?> TryGetLeaseAsync(string name, CancellationToken ct)
    {
        try
        {
            return await _client.GetAsync<Lease>(name, LeaseNamespace, ct).ConfigureAwait(false);
        }
        catch (ApiException)
        {
            return null;
        }
    }

    private void Enqueue(Pod pod)
    {
        if (pod.Spec?.NodeName is { Length: > 0 } node && _live.TryGetValue(node, out var live) && live)
        {
            _work.Writer.TryWrite(ObjectKeys.For(pod));
        }
    }

    private async Task WorkAsync()
    {
        var ct = _stop.Token;
        await foreach (var key in _work.Reader.ReadAllAsync(ct).ConfigureAwait(false))
        {
            var pod = _pods.Cache.Get(key);
            if (pod?.Spec?.NodeName is not { Length: > 0 } node || !_live.TryGetValue(node, out var live) || !live)
            {
                continue;
            }
            try
            {
                if (pod.Metadata.DeletionTimestamp is not null)
                {
                    await _client.DeleteAsync<Pod>(pod.Metadata.Name!, pod.Metadata.Namespace,
                        new DeleteOptions { GracePeriodSeconds = 0, Preconditions = new Preconditions { Uid = pod.Metadata.Uid } }, ct).ConfigureAwait(false);
                }
                else if (pod.Status?.Phase != PodPhase.Running)
                {
                    await _client.UpdateStatusAsync(pod with { Status = RunningStatus(pod, node) }, ct).ConfigureAwait(false);
                    Interlocked.Increment(ref _started);
                }
            }
            catch (ApiException)
            {
                // Changed or gone meanwhile: the informer brings the next state.
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private PodStatus RunningStatus(Pod pod, string node)
    {
        var now = DateTimeOffset.UtcNow;
        var ip = Interlocked.Increment(ref _ip);
        PodCondition Condition(string type) => new() { Type = type, Status = ConditionStatus.True, LastTransitionTime = now };
        return (pod.Status ?? new PodStatus()) with
        {
            Phase = PodPhase.Running,
            HostIP = "127.0.0.1",
            PodIP = $"10.244.{ip / 250 % 250}.{ip % 250 + 1}",
            StartTime = now,
            Conditions =
            [
                Condition(PodConditionType.PodScheduled), Condition(PodConditionType.Initialized),
                Condition(PodConditionType.ContainersReady), Condition(PodConditionType.Ready),
            ],
            ContainerStatuses = [.. (pod.Spec?.Containers ?? []).Select(c => new ContainerStatus
            {
                Name = c.Name,
                Image = c.Image ?? "",
                Ready = true,
                Started = true,
                State = new ContainerState { Running = new ContainerStateRunning { StartedAt = now } },
                ContainerID = "fake://" + pod.Metadata.Uid + "/" + c.Name,
            })],
        };
    }
}
