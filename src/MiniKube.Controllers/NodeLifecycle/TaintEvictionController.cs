using Microsoft.Extensions.Logging;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Controllers.NodeLifecycle;

/// <summary>
/// Taint-based eviction: deletes pods from nodes with NoExecute taints they do not tolerate — at once without a
/// matching toleration, else when the shortest matching tolerationSeconds has passed since the taint was added (pods
/// get 300 s for not-ready/unreachable by default). Queue keys are pod keys.
/// </summary>
public sealed partial class TaintEvictionController : IController, IReconciler, IDisposable
{
    public const string ControllerName = "taint-eviction-controller";
    public const string Component = "taint-eviction-controller";

    private readonly ControllerContext _ctx;
    private readonly InformerCache<Node> _nodes;
    private readonly InformerCache<Pod> _pods;
    private readonly IEventSink _events;
    private readonly ILogger _logger;
    private readonly ControllerRunner _runner;

    public TaintEvictionController(ControllerContext ctx)
    {
        _ctx = ctx;
        _events = ctx.Events(Component);
        _logger = ctx.Loggers.CreateLogger<TaintEvictionController>();
        var nodes = ctx.Informers.For<Node>();
        var pods = ctx.Informers.For<Pod>();
        _nodes = nodes.Cache;
        _pods = pods.Cache;
        Indexes.EnsureNodeName(_pods);
        _runner = new ControllerRunner(Name, this, 4, ctx.Time, _logger);
        nodes.AddHandler(onAdd: OnNode, onUpdate: OnNodeUpdated);
        pods.AddHandler(onAdd: OnPod, onUpdate: (old, pod) =>
        {
            if (old.Spec?.NodeName != pod.Spec?.NodeName || !ReferenceEquals(old.Spec?.Tolerations, pod.Spec?.Tolerations))
            {
                OnPod(pod);
            }
        });
    }

    public string Name => ControllerName;

    public WorkQueue<string> Queue => _runner.Queue;

    public Task RunAsync(CancellationToken cancellationToken) => _runner.RunAsync(cancellationToken);

    public void Dispose() => _runner.Dispose();

    public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        var pod = _pods.Get(key);
        if (pod is null || Owners.IsBeingDeleted(pod) || pod.Spec?.NodeName is not { Length: > 0 } nodeName || _nodes.Get(nodeName) is not { } node)
        {
            return ReconcileResult.Done;
        }
        var taints = NoExecute(node);
        if (taints.Count == 0)
        {
            return ReconcileResult.Done;
        }
        var wait = Taints.TimeUntilEviction(taints, pod.Spec.Tolerations);
        if (wait is null)
        {
            return ReconcileResult.Done;
        }
        var now = _ctx.Time.GetUtcNow();
        var since = taints.Select(t => t.TimeAdded ?? now).Min();
        var due = since + wait.Value - now;
        if (due > TimeSpan.Zero)
        {
            return ReconcileResult.After(due);
        }
        LogEvicting(_logger, key, nodeName);
        _events.Normal(pod, "TaintManagerEviction", $"Marking for deletion Pod {key}");
        try
        {
            await _ctx.Client.DeleteAsync(ResourceRegistry.For<Pod>(), pod.Metadata.Name!, pod.Metadata.Namespace,
                new DeleteOptions { Preconditions = new Preconditions { Uid = pod.Metadata.Uid } }, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            // Gone already.
        }
        return ReconcileResult.Done;
    }

    private static List<Taint> NoExecute(Node node) => [.. (node.Spec?.Taints ?? []).Where(t => t.Effect == TaintEffect.NoExecute)];

    private void OnPod(Pod pod)
    {
        if (pod.Spec?.NodeName is { Length: > 0 } nodeName && _nodes.Get(nodeName) is { } node && NoExecute(node).Count > 0)
        {
            _runner.Enqueue(ObjectKeys.For(pod));
        }
    }

    private void OnNode(Node node)
    {
        if (NoExecute(node).Count > 0)
        {
            EnqueuePodsOn(node);
        }
    }

    private void OnNodeUpdated(Node old, Node node)
    {
        var before = NoExecute(old);
        var after = NoExecute(node);
        if (after.Count > 0 && (before.Count != after.Count || !after.All(before.Contains)))
        {
            EnqueuePodsOn(node);
        }
    }

    private void EnqueuePodsOn(Node node)
    {
        foreach (var pod in _pods.ByIndex(Indexes.NodeName, node.Metadata.Name!))
        {
            _runner.Enqueue(ObjectKeys.For(pod));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Evicting pod {Pod} from tainted node {Node}")]
    private static partial void LogEvicting(ILogger logger, string pod, string node);
}
