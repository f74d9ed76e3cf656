namespace MiniKube.Controllers;

/// <summary>
/// The <c>--controllers</c> list, read as kube-controller-manager reads it: <c>*</c> enables every controller that is
/// on by default, <c>name</c> enables one, <c>-name</c> disables one; later entries do not override earlier explicit ones.
/// </summary>
public static class ControllerSelection
{
    /// <summary>Every controller this manager runs, all on by default.</summary>
    public static readonly IReadOnlyList<string> Known =
    [
        ReplicaSets.ReplicaSetController.ControllerName,
        Deployments.DeploymentController.ControllerName,
        GarbageCollection.GarbageCollector.ControllerName,
        NodeLifecycle.NodeLifecycleController.ControllerName,
        NodeLifecycle.TaintEvictionController.ControllerName,
        NodeLifecycle.PodGcController.ControllerName,
        Namespaces.NamespaceController.ControllerName,
        ServiceAccounts.ServiceAccountController.ControllerName,
        Discovery.EndpointSliceController.ControllerName,
        Discovery.EndpointsController.ControllerName,
        Autoscaling.HorizontalPodAutoscalerController.ControllerName,
        Autoscaling.VpaRecommender.ControllerName,
        Autoscaling.VpaUpdater.ControllerName,
    ];

    public static IReadOnlySet<string> Parse(string text) =>
        TryParse(text, out var enabled) is { } error ? throw new ArgumentException(error, nameof(text)) : enabled;

    /// <summary>Returns an error message, or null and the enabled names.</summary>
    public static string? TryParse(string? text, out IReadOnlySet<string> enabled)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        enabled = result;
        var explicitOn = new HashSet<string>(StringComparer.Ordinal);
        var explicitOff = new HashSet<string>(StringComparer.Ordinal);
        var star = false;
        foreach (var raw in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (raw == "*")
            {
                star = true;
                continue;
            }
            var off = raw.StartsWith('-');
            var name = off ? raw[1..] : raw;
            if (!Known.Contains(name))
            {
                return $"unknown controller \"{name}\" (known: {string.Join(", ", Known)}; use * for all, -name to disable one)";
            }
            (off ? explicitOff : explicitOn).Add(name);
        }
        foreach (var name in Known)
        {
            if (explicitOn.Contains(name) || (star && !explicitOff.Contains(name)))
            {
                result.Add(name);
            }
        }
        return null;
    }
}
