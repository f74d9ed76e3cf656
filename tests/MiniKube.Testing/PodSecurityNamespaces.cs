using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Testing;

/// <summary>
/// Tests and benches whose pods need what the API server's default Pod Security level (baseline) refuses — hostPath,
/// hostNetwork, hostPorts, privileged containers — label their namespace privileged here, as a cluster admin would,
/// instead of turning the check off.
/// </summary>
public static class PodSecurityNamespaces
{
    /// <summary>Labels <paramref name="ns"/> <c>pod-security.kubernetes.io/enforce=privileged</c>, creating it if it does not exist.</summary>
    public static Task AllowPrivilegedAsync(MiniKubeClient client, string ns = WellKnownNamespaces.Default, CancellationToken cancellationToken = default) =>
        LabelAsync(client, ns, PodSecurityLabels.Enforce, "privileged", cancellationToken);

    /// <summary>Sets one label on the namespace (creating the namespace with it when missing).</summary>
    public static async Task LabelAsync(MiniKubeClient client, string ns, string key, string value, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        try
        {
            await client.CreateAsync(new Namespace
            {
                Metadata = new ObjectMeta { Name = ns, Labels = new Dictionary<string, string> { [key] = value } },
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsAlreadyExists)
        {
            var patch = $"{{\"metadata\":{{\"labels\":{{{System.Text.Json.JsonSerializer.Serialize(key)}:{System.Text.Json.JsonSerializer.Serialize(value)}}}}}}}";
            await client.PatchAsync<Namespace>(ns, null, patch, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }
}
