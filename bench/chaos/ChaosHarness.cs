using System.Diagnostics;
using MiniKube.Api;
using MiniKube.Testing;

namespace MiniKube.Bench.Chaos;

/// <summary>
/// One chaos run on a cluster of real processes (<see cref="ProcessControlPlane"/>: etcd, API server, controller-manager,
/// scheduler, a kubelet of hollow nodes; with three control planes three etcd members and three API servers): churn, a kill -9 and restart of a random component every
/// <see cref="ChaosOptions.FaultInterval"/>, invariants checked all along, then the time until everything converged.
/// </summary>
public sealed class ChaosHarness(ChaosOptions options, TextWriter log)
{
    public async Task<ChaosReport> RunAsync(CancellationToken cancellationToken)
    {
        var random = new Random(options.Seed);
        await using var plane = await ProcessControlPlane.StartAsync(nodes: 3, controlPlanes: options.ControlPlanes,
            dockerNode: options.DockerNode ? "chaos-" + Guid.NewGuid().ToString("N")[..6] : null, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using var checker = await InvariantChecker.StartAsync(plane.EtcdEndpoints, options.MaxSurge, cancellationToken).ConfigureAwait(false);
        await using var watch = new ApiWatchChecker(plane.Client, checker);
        var churn = new Churn(plane.Client, options, random);
        await churn.CreateAsync(cancellationToken).ConfigureAwait(false);

        var etcd = plane.EtcdMembers.Select((m, i) => (Name: plane.EtcdMembers.Count == 1 ? "etcd" : $"etcd-{i + 1}", Member: m))
            .ToDictionary(e => e.Name, e => e.Member, StringComparer.Ordinal);
        var faults = etcd.Keys.ToDictionary(k => k, _ => 0, StringComparer.Ordinal);
        foreach (var component in plane.Components)
        {
            faults[component.Name] = 0;
        }
        using var stopChurn = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var churning = Task.Run(() => churn.RunAsync(stopChurn.Token), CancellationToken.None);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < options.Duration || (faults.Values.Sum() < options.MinFaults && clock.Elapsed < options.MaxDuration))
        {
            await Task.Delay(options.FaultInterval, cancellationToken).ConfigureAwait(false);
            var targets = faults.Keys.Order(StringComparer.Ordinal).ToList();
            var target = targets[random.Next(targets.Count)];
            log.WriteLine($"{clock.Elapsed.TotalSeconds,6:0.0} s ({DateTimeOffset.UtcNow:HH:mm:ss.f}, checker at revision {checker.Revision}): kill -9 {target}");
            if (etcd.TryGetValue(target, out var member))
            {
                await member.KillAndRestartAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var component = plane.Components.Single(c => c.Name == target);
                await component.KillAsync().ConfigureAwait(false);
                // Down for up to a second, as a supervisor's restart would take.
                await Task.Delay(random.Next(0, 1000), cancellationToken).ConfigureAwait(false);
                await component.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            faults[target]++;
            // A slow restart leaves fewer faults in the run; the log says which component took the time.
            log.WriteLine($"{clock.Elapsed.TotalSeconds,6:0.0} s: {target} back");
        }
        var faultPhase = clock.Elapsed;
        var lastFault = Stopwatch.StartNew();
        await stopChurn.CancelAsync().ConfigureAwait(false);
        await churning.ConfigureAwait(false);

        var converged = await WaitConvergedAsync(plane, churn, checker, cancellationToken).ConfigureAwait(false) ? lastFault.Elapsed : (TimeSpan?)null;
        await checker.CatchUpAsync(cancellationToken).ConfigureAwait(false);
        // The API watch must have reached etcd's last pod change before the two are compared.
        var lastPodChange = checker.PodRevisions().DefaultIfEmpty(0).Max();
        var watchCaughtUp = Stopwatch.StartNew();
        while (watch.LastVersion < lastPodChange && watchCaughtUp.Elapsed < options.ConvergenceTimeout)
        {
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
        if (watch.LastVersion < lastPodChange)
        {
            checker.Report(InvariantChecker.WatchInvariant, $"the API's pod watch stopped at version {watch.LastVersion}; etcd's last pod change is {lastPodChange}");
        }
        watch.CheckAgainstHistory();
        if (plane.DockerNode is { } node)
        {
            await CheckNoContainerOutlivesItsPodAsync(node, checker, cancellationToken).ConfigureAwait(false);
        }

        var violations = checker.Violations;
        return new ChaosReport(faultPhase, faults, [.. violations.Select(v => $"{v.Invariant}: {v.What}")],
            violations.GroupBy(v => v.Invariant, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            converged, options.ConvergenceTimeout, churn.Operations, churn.Errors, watch.EventsChecked, watch.Relists, checker.PodsCreated,
            ContainersChecked: plane.DockerNode is not null);
    }

    /// <summary>
    /// Every container on the Docker node belongs to a pod that etcd still has, within <see cref="LeftoverBound"/> of the
    /// end (the kubelet removes a deleted pod's containers once it sees the deletion, after the grace period).
    /// </summary>
    private async Task CheckNoContainerOutlivesItsPodAsync(string node, InvariantChecker checker, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            await checker.CatchUpAsync(cancellationToken).ConfigureAwait(false);
            var leftovers = await LeftoverContainers.ListAsync(node, checker.PodUids(), cancellationToken).ConfigureAwait(false);
            if (leftovers.Count == 0)
            {
                log.WriteLine($"containers: every container on {node} belongs to a pod in etcd ({clock.Elapsed.TotalSeconds:0.0} s after convergence)");
                return;
            }
            if (clock.Elapsed > LeftoverBound)
            {
                checker.Report(InvariantChecker.ContainerInvariant,
                    $"{leftovers.Count} containers on {node} {LeftoverBound.TotalSeconds:0} s after convergence whose pod is gone: {string.Join(", ", leftovers.Take(10))}");
                return;
            }
            await Task.Delay(500, cancellationToken).ConfigureAwait(false);
        }
    }

    private static readonly TimeSpan LeftoverBound = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Converged: every Deployment has exactly its replicas as live pods (in etcd), all of the latest template, bound and
    /// Running, and its status says so for its current generation.
    /// </summary>
    private async Task<bool> WaitConvergedAsync(ProcessControlPlane plane, Churn churn, InvariantChecker checker, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var last = "";
        while (clock.Elapsed < options.ConvergenceTimeout)
        {
            try
            {
                last = await NotConvergedAsync(plane, churn, checker, cancellationToken).ConfigureAwait(false) ?? "";
                if (last.Length == 0)
                {
                    return true;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                last = ex.Message;
            }
            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }
        log.WriteLine("not converged: " + last);
        log.WriteLine(plane.RecentOutput());
        return false;
    }

    private static async Task<string?> NotConvergedAsync(ProcessControlPlane plane, Churn churn, InvariantChecker checker, CancellationToken cancellationToken)
    {
        await checker.CatchUpAsync(cancellationToken).ConfigureAwait(false);
        var live = checker.LivePods();
        foreach (var name in churn.DeploymentNames)
        {
            var deployment = await plane.Client.GetAsync<Deployment>(name, "default", cancellationToken).ConfigureAwait(false);
            var replicas = deployment.Spec!.Replicas ?? 1;
            var status = deployment.Status;
            if (status is null || status.ObservedGeneration != deployment.Metadata.Generation || status.Replicas != replicas || status.UpdatedReplicas != replicas
                || status.AvailableReplicas != replicas)
            {
                return $"deployment {name}: status {status?.Replicas}/{status?.UpdatedReplicas}/{status?.AvailableReplicas} of {replicas}";
            }
            if (live.GetValueOrDefault(name) != replicas)
            {
                return $"deployment {name}: {live.GetValueOrDefault(name)} live pods in etcd, {replicas} wanted";
            }
            var pods = await plane.Client.ListAsync<Pod>("default", labelSelector: "app=" + name, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (pods.Items.Any(p => p.Metadata.DeletionTimestamp is not null || p.Status?.Phase != PodPhase.Running || string.IsNullOrEmpty(p.Spec?.NodeName)))
            {
                return $"deployment {name}: a pod is not bound and Running";
            }
        }
        return null;
    }
}
