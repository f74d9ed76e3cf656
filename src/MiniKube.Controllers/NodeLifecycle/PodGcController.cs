using Microsoft.Extensions.Logging;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Controllers.NodeLifecycle;

/// <summary>Deletes (grace 0) pods bound to a node that no longer exists: no kubelet will ever finish them.</summary>
public sealed partial class PodGcController : IController, IReconciler, IDisposable
{
    public const string ControllerName = "podgc";

    private readonly ControllerContext _ctx;
    private readonly InformerCache<Node> _nodes;
    private readonly InformerCache<Pod> _pods;
    private readonly ILogger _logger;
    private readonly ControllerRunner _runner;

    public PodGcController(ControllerContext ctx)
    {
        _ctx = ctx;
        _logger = ctx.Loggers.CreateLogger<PodGcController>();
        var nodes = ctx.Informers.For<Node>();
        var pods = ctx.Informers.For<Pod>();
        _nodes = nodes.Cache;
        _pods = pods.Cache;
        Indexes.EnsureNodeName(_pods);
        _runner = new ControllerRunner(Name, this, 2, ctx.Time, _logger);
        nodes.AddHandler(onDelete: node =>
        {
            foreach (var pod in _pods.ByIndex(Indexes.NodeName, node.Metadata.Name!))
            {
                _runner.Enqueue(ObjectKeys.For(pod));
            }
        });
        pods.AddHandler(onAdd: OnPod, onUpdate: (_, pod) => OnPod(pod));
    }

    public string Name => ControllerName;

    public WorkQueue<string> Queue => _runner.Queue;

    public Task RunAsync(CancellationToken cancellationToken) => _runner.RunAsync(cancellationToken);

    public void Dispose() => _runner.Dispose();

    public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        var pod = _pods.Get(key);
        if (pod?.Spec?.NodeName is not { Length: > 0 } nodeName || _nodes.Get(nodeName) is not null)
        {
            return ReconcileResult.Done;
        }
        try
        {
            // The cache may simply not have seen a new node yet: ask the API server.
            await _ctx.Client.GetAsync(ResourceRegistry.For<Node>(), nodeName, null, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Done;
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            // Orphaned: fall through.
        }
        LogOrphaned(_logger, key, nodeName);
        try
        {
            await _ctx.Client.DeleteAsync(ResourceRegistry.For<Pod>(), pod.Metadata.Name!, pod.Metadata.Namespace,
                new DeleteOptions { GracePeriodSeconds = 0, Preconditions = new Preconditions { Uid = pod.Metadata.Uid } }, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            // Gone already.
        }
        return ReconcileResult.Done;
    }

    private void OnPod(Pod pod)
    {
        if (pod.Spec?.NodeName is { Length: > 0 } nodeName && _nodes.Get(nodeName) is null)
        {
            _runner.Enqueue(ObjectKeys.For(pod));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleting pod {Pod}: its node {Node} no longer exists")]
    private static partial void LogOrphaned(ILogger logger, string pod, string node);
}
