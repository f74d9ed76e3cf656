using System.Globalization;

namespace MiniKube.Bench.Chaos;

/// <summary>
/// "No Deployment above replicas + maxSurge", judged at each ReplicaSet write that raises a ReplicaSet's replicas: the
/// Deployment's ReplicaSets together may then ask for at most the most replicas the Deployment asked for within the
/// stale-view window, plus maxSurge. Writes that keep or lower a ReplicaSet's replicas are not judged: they cannot break
/// the bound, and after a scale-down made while the controller-manager was down, the restarted ReplicaSet controller's
/// status writes come before the Deployment controller's scale-down (a sum above the new size that nobody raised).
/// </summary>
public sealed class SurgeCheck(int maxSurge)
{
    private readonly Dictionary<string, List<(DateTimeOffset At, int Replicas)>> _deployments = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string App, int Replicas)> _replicaSets = new(StringComparer.Ordinal);

    public void DeploymentWritten(string name, int replicas, DateTimeOffset at)
    {
        if (!_deployments.TryGetValue(name, out var list))
        {
            _deployments[name] = list = [];
        }
        list.Add((at, replicas));
    }

    public void ReplicaSetDeleted(string key) => _replicaSets.Remove(key);

    /// <summary>Records the write; returns what is wrong when it raised the ReplicaSet's replicas above the Deployment's bound.</summary>
    public string? ReplicaSetWritten(string key, string app, int replicas, DateTimeOffset at)
    {
        var raised = replicas > (_replicaSets.TryGetValue(key, out var before) ? before.Replicas : 0);
        _replicaSets[key] = (app, replicas);
        if (!raised || !_deployments.TryGetValue(app, out var history))
        {
            return null;
        }
        var bound = InvariantChecker.RecentMax(history, at) + maxSurge;
        var total = _replicaSets.Values.Where(s => s.App == app).Sum(s => s.Replicas);
        return total > bound
            ? string.Create(CultureInfo.InvariantCulture, $"deployment {app}: its ReplicaSets ask for {total} replicas after {key} was raised to {replicas}; at most {bound} allowed")
            : null;
    }
}
