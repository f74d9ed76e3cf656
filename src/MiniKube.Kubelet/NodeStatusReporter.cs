using System.Globalization;
using Microsoft.Extensions.Logging;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Kubelet;

/// <summary>
/// Registers the Node (create, or update if it exists), posts its status when it changes and at least every
/// <see cref="KubeletOptions.NodeStatusReportFrequency"/>, and renews the node's Lease in <c>kube-node-lease</c>.
/// Every <see cref="KubeletOptions.NodeStatusUpdateFrequency"/> it compares its view with the Node as stored: when a
/// condition's status there differs (e.g. the node lifecycle controller set Ready=Unknown while the kubelet could not
/// reach the API server), it posts again at once instead of waiting for the report period.
/// </summary>
internal sealed partial class NodeStatusReporter(string node, KubeletOptions options, MiniKubeClient client, IContainerRuntime runtime,
    Func<int> kubeletPort, TimeProvider time, ILogger logger)
{

    private NodeStatus? _lastPosted;
    private DateTimeOffset _lastPostedAt;
    private string? _runtimeVersion;
    private string? _nodeUid;

    /// <summary>Test seam: runs between reading the existing Node and updating it on re-registration (another writer racing the kubelet).</summary>
    internal Func<CancellationToken, Task>? BeforeReRegisterUpdate { get; set; }

    public async Task RegisterAsync(CancellationToken ct)
    {
        var status = await BuildStatusAsync(null, ct).ConfigureAwait(false);
        var labels = Labels();
        var wanted = new Node
        {
            Metadata = new ObjectMeta { Name = node, Labels = labels },
            Spec = new NodeSpec { Taints = options.Taints.Count > 0 ? options.Taints : null },
        };
        Node stored;
        try
        {
            stored = await client.CreateAsync(wanted, ct).ConfigureAwait(false);
            LogRegistered(logger, node);
        }
        catch (ApiException ex) when (ex.IsAlreadyExists)
        {
            var existing = await client.GetAsync<Node>(node, null, ct).ConfigureAwait(false);
            if (BeforeReRegisterUpdate is { } hook)
            {
                await hook(ct).ConfigureAwait(false);
            }
            var merged = new Dictionary<string, string>(existing.Metadata.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);
            foreach (var (k, v) in labels)
            {
                merged[k] = v;
            }
            var taints = (existing.Spec?.Taints ?? []).ToList();
            taints.AddRange(options.Taints.Where(t => !taints.Any(e => e.Key == t.Key && e.Effect == t.Effect)));
            stored = await client.UpdateAsync(existing with
            {
                Metadata = existing.Metadata with { Labels = merged },
                Spec = (existing.Spec ?? new NodeSpec()) with { Taints = taints.Count > 0 ? taints : null },
            }, ct).ConfigureAwait(false);
            LogReRegistered(logger, node);
        }
        _nodeUid = stored.Metadata.Uid;
        await PostStatusAsync(status, ct).ConfigureAwait(false);
    }

    /// <summary>Runs the status and lease loops until cancelled; failures (API server down) are retried on the next tick.</summary>
    public Task RunAsync(CancellationToken ct) => Task.WhenAll(StatusLoopAsync(ct), LeaseLoopAsync(ct));

    private async Task StatusLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.NodeStatusUpdateFrequency, time, ct).ConfigureAwait(false);
                var status = await BuildStatusAsync(_lastPosted, ct).ConfigureAwait(false);
                var due = time.GetUtcNow() - _lastPostedAt >= options.NodeStatusReportFrequency;
                var stored = await client.GetAsync<Node>(node, null, ct).ConfigureAwait(false);
                var drifted = StoredConditionsDiffer(stored.Status, status);
                if (due || drifted || _lastPosted is null || !SameIgnoringHeartbeats(status, _lastPosted))
                {
                    if (drifted)
                    {
                        LogDrifted(logger, node);
                    }
                    await PostStatusAsync(status, ct, stored).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is ApiException or IOException or HttpRequestException)
            {
                LogStatusFailed(logger, node, ex.Message);
            }
        }
    }

    private async Task LeaseLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await RenewLeaseAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is ApiException or IOException or HttpRequestException)
            {
                LogLeaseFailed(logger, node, ex.Message);
            }
            try
            {
                await Task.Delay(options.LeaseRenewInterval, time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    internal async Task RenewLeaseAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        try
        {
            var lease = await client.GetAsync<Lease>(node, WellKnownNamespaces.NodeLease, ct).ConfigureAwait(false);
            await client.UpdateAsync(lease with
            {
                Spec = (lease.Spec ?? new LeaseSpec()) with
                {
                    HolderIdentity = node,
                    LeaseDurationSeconds = options.LeaseDurationSeconds,
                    RenewTime = now,
                },
            }, ct).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            await client.CreateAsync(new Lease
            {
                Metadata = new ObjectMeta
                {
                    Name = node,
                    Namespace = WellKnownNamespaces.NodeLease,
                    OwnerReferences = _nodeUid is null
                        ? null
                        : [new OwnerReference { ApiVersion = "v1", Kind = "Node", Name = node, Uid = _nodeUid }],
                },
                Spec = new LeaseSpec { HolderIdentity = node, LeaseDurationSeconds = options.LeaseDurationSeconds, RenewTime = now, AcquireTime = now },
            }, ct).ConfigureAwait(false);
        }
    }

    private async Task PostStatusAsync(NodeStatus status, CancellationToken ct, Node? stored = null)
    {
        for (var attempt = 0; ; attempt++)
        {
            var current = attempt == 0 && stored is not null ? stored : await client.GetAsync<Node>(node, null, ct).ConfigureAwait(false);
            _nodeUid = current.Metadata.Uid;
            try
            {
                await client.UpdateStatusAsync(current with { Status = status }, ct).ConfigureAwait(false);
                _lastPosted = status;
                _lastPostedAt = time.GetUtcNow();
                return;
            }
            catch (ApiException ex) when (ex.IsConflict && attempt < 3)
            {
            }
        }
    }

    private Dictionary<string, string> Labels()
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [WellKnownLabels.Hostname] = node,
            [WellKnownLabels.Os] = "linux",
            [WellKnownLabels.Arch] = HostInfo.Architecture,
            [WellKnownLabels.BetaOs] = "linux",
            [WellKnownLabels.BetaArch] = HostInfo.Architecture,
        };
        foreach (var (k, v) in options.NodeLabels)
        {
            labels[k] = v;
        }
        return labels;
    }

    private async Task<NodeStatus> BuildStatusAsync(NodeStatus? previous, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        string? runtimeProblem = null;
        // The runtime health check (Kubernetes: runtime status + PLEG): it must answer within a status-update period.
        var healthDeadline = options.NodeStatusUpdateFrequency < options.RuntimeRequestTimeout ? options.NodeStatusUpdateFrequency : options.RuntimeRequestTimeout;
        using var health = CancellationTokenSource.CreateLinkedTokenSource(ct);
        health.CancelAfter(healthDeadline);
        try
        {
            _runtimeVersion = await runtime.GetVersionAsync(health.Token).WaitAsync(healthDeadline, time, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested && ex is TimeoutException or OperationCanceledException)
        {
            runtimeProblem = $"container runtime is down: it did not answer within {healthDeadline.TotalSeconds:0.#} s";
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            runtimeProblem = "container runtime is down: " + ex.Message;
        }
        var (cpu, memory) = CpuAndMemory(options);
        var capacity = new Dictionary<string, Quantity>(StringComparer.Ordinal)
        {
            [ResourceName.Cpu] = cpu,
            [ResourceName.Memory] = memory,
            [ResourceName.Pods] = Quantity.FromValue(options.MaxPods),
        };
        NodeCondition Condition(string type, bool isTrue, string reason, string message)
        {
            var status = isTrue ? ConditionStatus.True : ConditionStatus.False;
            var before = previous?.Conditions?.FirstOrDefault(x => x.Type == type);
            return new NodeCondition
            {
                Type = type,
                Status = status,
                Reason = reason,
                Message = message,
                LastHeartbeatTime = now,
                LastTransitionTime = before is not null && before.Status == status ? before.LastTransitionTime : now,
            };
        }
        var address = options.BindAddress is "0.0.0.0" or "::" ? "127.0.0.1" : options.BindAddress;
        return new NodeStatus
        {
            Capacity = capacity,
            Allocatable = capacity,
            Conditions =
            [
                Condition(NodeConditionType.MemoryPressure, false, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                Condition(NodeConditionType.DiskPressure, false, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                Condition(NodeConditionType.PidPressure, false, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                runtimeProblem is null
                    ? Condition(NodeConditionType.Ready, true, "KubeletReady", "kubelet is posting ready status")
                    : Condition(NodeConditionType.Ready, false, "KubeletNotReady", runtimeProblem),
            ],
            Addresses =
            [
                new NodeAddress { Type = NodeAddressType.InternalIP, Address = address },
                new NodeAddress { Type = NodeAddressType.Hostname, Address = node },
            ],
            DaemonEndpoints = new NodeDaemonEndpoints { KubeletEndpoint = new DaemonEndpoint { Port = kubeletPort() } },
            NodeInfo = new NodeSystemInfo
            {
                MachineID = HostInfo.MachineId,
                SystemUUID = HostInfo.MachineId,
                BootID = HostInfo.BootId,
                KernelVersion = HostInfo.KernelVersion,
                OsImage = HostInfo.OsImage,
                ContainerRuntimeVersion = _runtimeVersion ?? "",
                KubeletVersion = KubeletOptions.KubeletVersion,
                KubeProxyVersion = "",
                OperatingSystem = "linux",
                Architecture = HostInfo.Architecture,
            },
        };
    }

    /// <summary>Whether the stored Node says something else than the kubelet about one of its conditions (status, reason).</summary>
    internal static bool StoredConditionsDiffer(NodeStatus? stored, NodeStatus ours) =>
        (ours.Conditions ?? []).Any(c => stored?.Conditions?.FirstOrDefault(s => s.Type == c.Type) is not { } s || s.Status != c.Status || s.Reason != c.Reason);

    private static bool SameIgnoringHeartbeats(NodeStatus a, NodeStatus b)
    {
        static NodeStatus Strip(NodeStatus s) => s with { Conditions = s.Conditions?.Select(c => c with { LastHeartbeatTime = null }).ToList() };
        return KubeSerializer.ToJson(Strip(a)) == KubeSerializer.ToJson(Strip(b));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered node {Node}")]
    private static partial void LogRegistered(ILogger logger, string node);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Node} already existed; updated its labels and taints")]
    private static partial void LogReRegistered(ILogger logger, string node);

    [LoggerMessage(Level = LogLevel.Information, Message = "The stored status of node {Node} differs from the kubelet's: posting it again")]
    private static partial void LogDrifted(ILogger logger, string node);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not post the status of node {Node}: {Reason}")]
    private static partial void LogStatusFailed(ILogger logger, string node, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew the lease of node {Node}: {Reason}")]
    private static partial void LogLeaseFailed(ILogger logger, string node, string reason);

    /// <summary>The node's cpu and memory capacity (also its allocatable): the flags, else the machine's.</summary>
    internal static (Quantity Cpu, Quantity Memory) CpuAndMemory(KubeletOptions options) =>
        (options.Cpu is { } c ? Quantity.Parse(c) : Quantity.FromValue(Environment.ProcessorCount),
         options.Memory is { } m ? Quantity.Parse(m) : Quantity.Parse(string.Create(CultureInfo.InvariantCulture, $"{HostInfo.MemoryBytes() / 1024}Ki")));
}
