using MiniKube.Api;

namespace MiniKube.Cluster;

/// <summary>
/// For a leader-elected scheduler or controller-manager: whether it holds its role's Lease (<c>kube-system/kube-scheduler</c>,
/// <c>kube-system/minikube-controller-manager</c>, the components' defaults). A standby is healthy too; the detail says who leads.
/// </summary>
public sealed class LeaseHolderCheck(string role, string identity) : IComponentCheck
{
    public const string LeaseNamespace = "kube-system";

    public static string LeaseName(string role) => role == ClusterComponents.Scheduler ? "kube-scheduler" : "minikube-controller-manager";

    public async Task<CheckResult> CheckAsync(CheckTarget target, CancellationToken cancellationToken)
    {
        var name = LeaseName(role);
        try
        {
            var lease = await target.Context.Api.GetAsync<Lease>(name, LeaseNamespace, cancellationToken).ConfigureAwait(false);
            var holder = lease.Spec?.HolderIdentity;
            return CheckResult.Pass(holder == identity
                ? $"leader (holds Lease {LeaseNamespace}/{name})"
                : $"standby (Lease {LeaseNamespace}/{name} held by {(string.IsNullOrEmpty(holder) ? "nobody" : holder)})");
        }
        catch (ApiException ex) when (!cancellationToken.IsCancellationRequested)
        {
            return ex.Reason == StatusReasons.NotFound
                ? CheckResult.Pass($"standby (no Lease {LeaseNamespace}/{name} yet)")
                : CheckResult.Wait($"Lease {LeaseNamespace}/{name}: {ex.Message}");
        }
    }
}
