using System.Threading.Channels;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Testing;

/// <summary>
/// TEST DOUBLE, not a scheduler: binds every pending pod, round-robin, to a node that is Ready, has no NoSchedule or
/// NoExecute taint and carries the pod's nodeSelector labels. Enough for controller tests and benchmarks until the real scheduler runs with them.
/// </summary>
public sealed class FakeScheduler : IAsyncDisposable
{
    private readonly MiniKubeClient _client;
    private readonly Informer<Pod> _pods;
    private readonly Informer<Node> _nodes;
    private readonly Channel<string> _work = Channel.CreateUnbounded<string>();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _tasks = [];
    private int _next;
    private long _bound;

    private FakeScheduler(MiniKubeClient client)
    {
        _client = client;
        _pods = new Informer<Pod>(client);
        _nodes = new Informer<Node>(client);
        _pods.AddHandler(onAdd: Enqueue, onUpdate: (_, p) => Enqueue(p));
        // A node becoming schedulable may unblock pods waiting for one.
        _nodes.AddHandler(onUpdate: (_, _) =>
        {
            foreach (var pod in _pods.Cache.List())
            {
                Enqueue(pod);
            }
        });
    }

    public long PodsBound => Interlocked.Read(ref _bound);

    public static async Task<FakeScheduler> StartAsync(MiniKubeClient client, int workers = 8, CancellationToken cancellationToken = default)
    {
        var scheduler = new FakeScheduler(client);
        scheduler._nodes.Start();
        scheduler._pods.Start();
        await scheduler._nodes.WaitForSyncAsync(cancellationToken).ConfigureAwait(false);
        await scheduler._pods.WaitForSyncAsync(cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < workers; i++)
        {
            scheduler._tasks.Add(Task.Run(scheduler.WorkAsync));
        }
        return scheduler;
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
        await _nodes.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private void Enqueue(Pod pod)
    {
        if (string.IsNullOrEmpty(pod.Spec?.NodeName) && pod.Metadata.DeletionTimestamp is null)
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
            if (pod is null || !string.IsNullOrEmpty(pod.Spec?.NodeName) || pod.Metadata.DeletionTimestamp is not null)
            {
                continue;
            }
            var candidates = _nodes.Cache.List()
                .Where(n => n.Status?.Conditions?.Any(c => c.Type == NodeConditionType.Ready && c.Status == ConditionStatus.True) == true)
                .Where(n => n.Spec?.Taints?.Any(t => t.Effect is TaintEffect.NoSchedule or TaintEffect.NoExecute) != true)
                .Where(n => (pod.Spec?.NodeSelector ?? new Dictionary<string, string>())
                    .All(kv => n.Metadata.Labels?.TryGetValue(kv.Key, out var v) == true && v == kv.Value))
                .OrderBy(n => n.Metadata.Name, StringComparer.Ordinal)
                .ToList();
            if (candidates.Count == 0)
            {
                continue;
            }
            var node = candidates[(int)((uint)Interlocked.Increment(ref _next) % (uint)candidates.Count)];
            try
            {
                await _client.BindAsync(pod.Metadata.Namespace!, pod.Metadata.Name!, node.Metadata.Name!, pod.Metadata.Uid, ct).ConfigureAwait(false);
                Interlocked.Increment(ref _bound);
            }
            catch (ApiException)
            {
                // Bound, changed or gone meanwhile.
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
