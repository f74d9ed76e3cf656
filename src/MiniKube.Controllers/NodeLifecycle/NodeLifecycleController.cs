using Microsoft.Extensions.Logging;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Controllers.NodeLifecycle;

/// <summary>
/// Watches node heartbeats (the node's Lease in <c>kube-node-lease</c>, else its Ready condition's heartbeat). A node
/// silent for longer than the grace period gets Ready=Unknown ("Kubelet stopped posting node status.") and the
/// <c>node.kubernetes.io/unreachable</c> taints; a node reporting Ready=False gets the <c>not-ready</c> taints; both
/// go again when the node is Ready. Pods on a node that is not Ready are marked Ready=False.
/// <para>
/// As in Kubernetes, the controller judges silence only by what it could see: while its own Node or Lease watch is down
/// it marks nothing, and a node's silence counts from no earlier than the moment those watches were (re-)established —
/// an API-server restart or a partitioned controller-manager is not dead nodes. NoExecute taints (which evict) are added
/// per zone at <c>--node-eviction-rate</c>, more slowly or not at all when a zone is in partial disruption, and not at all
/// (existing ones removed) when every zone is fully disrupted.
/// </para>
/// </summary>
public sealed partial class NodeLifecycleController : IController, IReconciler, IDisposable
{
    public const string ControllerName = "nodelifecycle";
    public const string Component = "node-controller";

    private static readonly string[] MonitoredConditions =
        [NodeConditionType.Ready, NodeConditionType.MemoryPressure, NodeConditionType.DiskPressure, NodeConditionType.PidPressure];

    private readonly ControllerContext _ctx;
    private readonly NodeLifecycleOptions _options;
    private readonly InformerCache<Node> _nodes;
    private readonly InformerCache<Lease> _leases;
    private readonly InformerCache<Pod> _pods;
    private readonly Informer<Node> _nodeInformer;
    private readonly Informer<Lease> _leaseInformer;
    private readonly Dictionary<string, DateTimeOffset> _lastNoExecuteTaint = new(StringComparer.Ordinal);
    private readonly Lock _zoneGate = new();
    private bool _allDisrupted;
    private readonly IEventSink _events;
    private readonly ILogger _logger;
    private readonly ControllerRunner _runner;

    public NodeLifecycleController(ControllerContext ctx, NodeLifecycleOptions? options = null)
    {
        _ctx = ctx;
        _options = options ?? new NodeLifecycleOptions();
        _events = ctx.Events(Component);
        _logger = ctx.Loggers.CreateLogger<NodeLifecycleController>();
        var nodes = ctx.Informers.For<Node>();
        var leases = ctx.Informers.For<Lease>();
        var pods = ctx.Informers.For<Pod>();
        _nodeInformer = nodes;
        _leaseInformer = leases;
        _nodes = nodes.Cache;
        _leases = leases.Cache;
        _pods = pods.Cache;
        Indexes.EnsureNodeName(_pods);
        _runner = new ControllerRunner(Name, this, 1, ctx.Time, _logger, () => _nodes.Keys(), _options.MonitorPeriod);
        nodes.AddHandler(onAdd: n => _runner.Enqueue(n.Metadata.Name!), onUpdate: (_, n) => _runner.Enqueue(n.Metadata.Name!));
        leases.AddHandler(onAdd: OnLease, onUpdate: (_, l) => OnLease(l));
    }

    public string Name => ControllerName;

    public WorkQueue<string> Queue => _runner.Queue;

    public Task RunAsync(CancellationToken cancellationToken) => _runner.RunAsync(cancellationToken);

    public void Dispose() => _runner.Dispose();

    public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        var node = _nodes.Get(key);
        if (node is null)
        {
            return ReconcileResult.Done;
        }
        var now = _ctx.Now();
        if (ObservedSince() is not { } observedSince)
        {
            // Our own view is stale (the watch is down): we cannot tell a silent node from a silent API server.
            LogStaleView(_logger, key);
            return ReconcileResult.After(_options.MonitorPeriod);
        }
        var ready = Condition(node, NodeConditionType.Ready);
        // Silence from before our watches were (re-)established is unknown, not silence.
        var heartbeat = Max(LastHeartbeat(node, ready), observedSince);
        var grace = ready is null ? _options.StartupGracePeriod : _options.MonitorGracePeriod;
        var silentFor = now - heartbeat;
        var wasReady = ready?.Status == ConditionStatus.True;
        if (silentFor > grace)
        {
            node = await MarkUnknownAsync(node, now, cancellationToken).ConfigureAwait(false);
            if (wasReady)
            {
                LogUnreachable(_logger, key, silentFor.TotalSeconds);
                _events.Normal(node, "NodeNotReady", $"Node {key} status is now: NodeNotReady");
            }
        }
        var (noExecute, retryIn) = NoExecuteAllowed(node, now);
        node = await ReconcileTaintsAsync(node, now, noExecute, cancellationToken).ConfigureAwait(false);
        if (Condition(node, NodeConditionType.Ready)?.Status != ConditionStatus.True)
        {
            await MarkPodsNotReadyAsync(key, now, cancellationToken).ConfigureAwait(false);
        }
        // Level-triggered: look again when the heartbeat would turn stale (and at every monitor period anyway).
        var due = grace - silentFor;
        var next = due > TimeSpan.Zero && due < _options.MonitorPeriod ? due + TimeSpan.FromMilliseconds(100) : _options.MonitorPeriod;
        return ReconcileResult.After(retryIn is { } r && r < next ? r : next);
    }

    /// <summary>Since when both watches have followed the server; null while either is down.</summary>
    private DateTimeOffset? ObservedSince() =>
        (_nodeInformer.WatchingSince, _leaseInformer.WatchingSince) is ({ } n, { } l) ? Max(n, l) : null;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    /// <summary>
    /// Whether this node may get (Allow), must lose (Remove: every zone is fully disrupted) or must wait for (Wait) its
    /// NoExecute taint, by its zone's state and eviction rate. Adding one uses the zone's turn.
    /// </summary>
    private (NoExecuteDecision Decision, TimeSpan? RetryIn) NoExecuteAllowed(Node node, DateTimeOffset now)
    {
        var zones = new Dictionary<string, (int Ready, int NotReady)>(StringComparer.Ordinal);
        foreach (var n in _nodes.List())
        {
            var current = n.Metadata.Name == node.Metadata.Name ? node : n;
            var zone = ZoneOf(current);
            var (r, nr) = zones.GetValueOrDefault(zone);
            zones[zone] = Condition(current, NodeConditionType.Ready)?.Status == ConditionStatus.True ? (r + 1, nr) : (r, nr + 1);
        }
        var states = zones.ToDictionary(z => z.Key, z => ZoneDisruption.StateOf(z.Value.Ready, z.Value.NotReady, _options.UnhealthyZoneThreshold),
            StringComparer.Ordinal);
        var all = states.Count > 0 && states.Values.All(s => s == ZoneState.FullDisruption);
        lock (_zoneGate)
        {
            if (all != _allDisrupted)
            {
                _allDisrupted = all;
                if (all)
                {
                    LogFullDisruption(_logger, states.Count);
                }
                else
                {
                    LogDisruptionOver(_logger);
                }
            }
            if (all)
            {
                return (NoExecuteDecision.Remove, null);
            }
            var myZone = ZoneOf(node);
            if (!WantsNoExecute(node) || HasNoExecute(node))
            {
                return (NoExecuteDecision.Allow, null);
            }
            var state = states.GetValueOrDefault(myZone);
            var size = zones.TryGetValue(myZone, out var counts) ? counts.Ready + counts.NotReady : 1;
            var rate = ZoneDisruption.EvictionRate(state, size, _options);
            if (rate <= 0)
            {
                return (NoExecuteDecision.Wait, _options.MonitorPeriod);
            }
            var interval = TimeSpan.FromSeconds(1 / rate);
            if (_lastNoExecuteTaint.TryGetValue(myZone, out var last) && now - last < interval)
            {
                return (NoExecuteDecision.Wait, last + interval - now);
            }
            _lastNoExecuteTaint[myZone] = now;
            return (NoExecuteDecision.Allow, null);
        }
    }

    private static string ZoneOf(Node node) => node.Metadata.Labels?.GetValueOrDefault(ZoneDisruption.ZoneLabel) ?? "";

    private static bool WantsNoExecute(Node node) => Condition(node, NodeConditionType.Ready)?.Status is ConditionStatus.False or ConditionStatus.Unknown;

    private static bool HasNoExecute(Node node) =>
        node.Spec?.Taints?.Any(t => t.Effect == TaintEffect.NoExecute && t.Key is Taints.NotReady or Taints.Unreachable) == true;

    private enum NoExecuteDecision
    {
        Allow,
        Wait,
        Remove,
    }

    private DateTimeOffset LastHeartbeat(Node node, NodeCondition? ready)
    {
        var candidates = new List<DateTimeOffset>();
        if (_leases.Get(WellKnownNamespaces.NodeLease, node.Metadata.Name!)?.Spec?.RenewTime is { } renewed)
        {
            candidates.Add(renewed);
        }
        if (ready?.LastHeartbeatTime is { } beat)
        {
            candidates.Add(beat);
        }
        if (candidates.Count == 0)
        {
            candidates.Add(node.Metadata.CreationTimestamp ?? _ctx.Now());
        }
        return candidates.Max();
    }

    private async Task<Node> MarkUnknownAsync(Node node, DateTimeOffset now, CancellationToken ct)
    {
        var conditions = (node.Status?.Conditions ?? []).ToList();
        var changed = false;
        foreach (var type in MonitoredConditions)
        {
            var index = conditions.FindIndex(c => c.Type == type);
            if (index < 0)
            {
                conditions.Add(new NodeCondition
                {
                    Type = type,
                    Status = ConditionStatus.Unknown,
                    Reason = "NodeStatusNeverUpdated",
                    Message = "Kubelet never posted node status.",
                    LastHeartbeatTime = node.Metadata.CreationTimestamp,
                    LastTransitionTime = now,
                });
                changed = true;
            }
            else if (conditions[index].Status != ConditionStatus.Unknown)
            {
                conditions[index] = conditions[index] with
                {
                    Status = ConditionStatus.Unknown,
                    Reason = "NodeStatusUnknown",
                    Message = "Kubelet stopped posting node status.",
                    LastTransitionTime = now,
                };
                changed = true;
            }
        }
        if (!changed)
        {
            return node;
        }
        return await _ctx.Client.UpdateStatusAsync<Node>(node with { Status = (node.Status ?? new NodeStatus()) with { Conditions = conditions } }, ct)
            .ConfigureAwait(false);
    }

    /// <summary>not-ready taints for Ready=False, unreachable taints for Ready=Unknown, none for Ready=True.</summary>
    private async Task<Node> ReconcileTaintsAsync(Node node, DateTimeOffset now, NoExecuteDecision noExecute, CancellationToken ct)
    {
        var ready = Condition(node, NodeConditionType.Ready)?.Status;
        var wantKey = ready switch
        {
            ConditionStatus.False => Taints.NotReady,
            ConditionStatus.Unknown => Taints.Unreachable,
            _ => null,
        };
        var current = node.Spec?.Taints ?? [];
        var next = current.Where(t => t.Key is not (Taints.NotReady or Taints.Unreachable) || t.Key == wantKey).ToList();
        if (noExecute == NoExecuteDecision.Remove)
        {
            next.RemoveAll(t => t.Effect == TaintEffect.NoExecute && t.Key is Taints.NotReady or Taints.Unreachable);
        }
        if (wantKey is not null)
        {
            foreach (var effect in noExecute == NoExecuteDecision.Allow ? (string[])[TaintEffect.NoSchedule, TaintEffect.NoExecute] : [TaintEffect.NoSchedule])
            {
                if (!next.Any(t => t.Key == wantKey && t.Effect == effect))
                {
                    next.Add(new Taint { Key = wantKey, Effect = effect, TimeAdded = now });
                }
            }
        }
        if (next.Count == current.Count && next.All(current.Contains))
        {
            return node;
        }
        LogTaints(_logger, node.Metadata.Name!, string.Join(", ", next.Select(t => $"{t.Key}:{t.Effect}")));
        return await _ctx.Client.UpdateAsync<Node>(node with { Spec = (node.Spec ?? new NodeSpec()) with { Taints = next.Count == 0 ? null : next } }, ct)
            .ConfigureAwait(false);
    }

    private async Task MarkPodsNotReadyAsync(string nodeName, DateTimeOffset now, CancellationToken ct)
    {
        foreach (var pod in _pods.ByIndex(Indexes.NodeName, nodeName))
        {
            if (!Pods.IsReady(pod) || pod.Status?.Phase is PodPhase.Succeeded or PodPhase.Failed)
            {
                continue;
            }
            var conditions = pod.Status!.Conditions!
                .Select(c => c.Type == PodConditionType.Ready ? c with { Status = ConditionStatus.False, LastTransitionTime = now } : c)
                .ToList();
            try
            {
                await _ctx.Client.UpdateStatusAsync<Pod>(pod with { Status = pod.Status with { Conditions = conditions } }, ct).ConfigureAwait(false);
                _events.Warning(pod, "NodeNotReady", "Node is not ready");
            }
            catch (ApiException ex) when (ex.IsNotFound)
            {
                // Deleted meanwhile.
            }
        }
    }

    private void OnLease(Lease lease)
    {
        if (lease.Metadata.Namespace == WellKnownNamespaces.NodeLease && lease.Metadata.Name is { } name && _nodes.Get(name) is not null)
        {
            _runner.Enqueue(name);
        }
    }

    private static NodeCondition? Condition(Node node, string type) => node.Status?.Conditions?.FirstOrDefault(c => c.Type == type);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {Node} has not been heard from for {Seconds:0} s: marking it unreachable")]
    private static partial void LogUnreachable(ILogger logger, string node, double seconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Not judging node {Node}: the node or lease watch is down, so heartbeats cannot be seen")]
    private static partial void LogStaleView(ILogger logger, string node);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Every zone ({Zones}) is fully disrupted: no node is Ready, so evictions stop until one is")]
    private static partial void LogFullDisruption(ILogger logger, int zones);

    [LoggerMessage(Level = LogLevel.Information, Message = "Full disruption is over: evictions resume at the zones' rates")]
    private static partial void LogDisruptionOver(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Node} taints now: [{Taints}]")]
    private static partial void LogTaints(ILogger logger, string node, string taints);
}
