using System.Globalization;

namespace MiniKube.Cluster;

/// <summary>One component's line in <c>cluster status</c>.</summary>
public sealed record ComponentStatus(string Name, int? Pid, string State, bool Healthy, string Detail, string LogFile);

/// <summary>The cluster as <c>cluster status</c> shows it.</summary>
public sealed record ClusterReport(ClusterState State, IReadOnlyList<ComponentStatus> Components)
{
    public bool AllHealthy => Components.Count > 0 && Components.All(c => c.Healthy);
}

/// <summary>
/// Looks at every planned component: is its recorded process alive, and does its health probe pass (etcd's /health,
/// the API server's /readyz, the node's Ready condition; "running" for components without an endpoint).
/// </summary>
public sealed class ClusterStatus(ClusterHome home)
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Null when there is no cluster in this MINIKUBE_HOME.</summary>
    public async Task<ClusterReport?> RunAsync(CancellationToken cancellationToken)
    {
        var state = new ClusterStateStore(home).Load();
        if (state is null)
        {
            return null;
        }
        var binaries = ComponentBinaries.Locate(Directory.Exists(state.BinDirectory) ? state.BinDirectory : null);
        var specs = ClusterComponents.For(new ClusterLayout(state, home, binaries, "etcd"));
        using var probes = new ProbeContext(state.ServerUrl, home.Pki.AdminCredentials());
        var rows = await Task.WhenAll(specs.Select(spec => StatusOfAsync(spec, state.Find(spec.Name), probes, cancellationToken))).ConfigureAwait(false);
        return new ClusterReport(state, rows);
    }

    private static async Task<ComponentStatus> StatusOfAsync(ComponentSpec spec, ComponentRecord? record, ProbeContext probes, CancellationToken cancellationToken)
    {
        if (record is null || !ProcFs.IsAlive(record.Pid, record.StartTicks))
        {
            return new ComponentStatus(spec.Name, null, "Stopped", false, "not running", spec.LogFile);
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        CheckResult health;
        try
        {
            health = await spec.Health.CheckAsync(new CheckTarget(spec, probes, 0, null), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            health = CheckResult.Wait(timeout.IsCancellationRequested
                ? string.Create(CultureInfo.InvariantCulture, $"no answer within {ProbeTimeout.TotalSeconds} s")
                : ex.Message);
        }
        return new ComponentStatus(spec.Name, record.Pid, "Running", health.Ok, health.Detail, record.LogFile);
    }
}
