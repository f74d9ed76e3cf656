using System.Collections.Concurrent;
using System.Text;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Kubelet;

/// <summary>
/// The service account volume of a pod, at <see cref="MountPath"/> in every container, read-only: <c>token</c> (a TokenRequest
/// bound to the pod, with the API server's audience), <c>ca.crt</c> (the CAs this kubelet trusts the API server with, when it has
/// any) and <c>namespace</c>. Kubernetes' admission adds this as a projected volume (<c>kube-api-access-*</c>); here the kubelet
/// adds it, for pods that name a service account unless the pod (or else its account) sets automountServiceAccountToken false
/// or a container already mounts something at that path. The token is replaced once 80% of its life has passed or it is
/// 24 hours old, as Kubernetes' token manager does; the file is swapped by rename, so readers never see half a token.
/// </summary>
internal sealed class ServiceAccountTokenVolume(MiniKubeClient client, ClientCredentials credentials, TimeProvider time)
{
    public const string MountPath = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>Its key among the pod's volume paths: not a valid volume name, so it cannot collide with one of the pod's.</summary>
    public const string VolumeKey = "kube-api-access:serviceaccount";

    /// <summary>What Kubernetes' admission asks for (a little over an hour).</summary>
    public const long ExpirationSeconds = 3607;

    private static readonly TimeSpan MaxAge = TimeSpan.FromHours(24);

    private readonly ConcurrentDictionary<string, Issued> _issued = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _wanted = new(StringComparer.Ordinal);

    private sealed record Issued(string Dir, DateTimeOffset At, DateTimeOffset Expires)
    {
        public DateTimeOffset RefreshAt
        {
            get
            {
                var eighty = At + (Expires - At) * 0.8;
                var maxAge = At + MaxAge;
                return eighty < maxAge ? eighty : maxAge;
            }
        }
    }

    /// <summary>Whether the pod gets the volume (the account is read only when neither pod nor mounts decide).</summary>
    public async Task<bool> WantedAsync(Pod pod, CancellationToken ct)
    {
        var spec = pod.Spec;
        if (spec?.ServiceAccountName is not { Length: > 0 } account || spec.AutomountServiceAccountToken == false)
        {
            return false;
        }
        if ((spec.Containers ?? []).Concat(spec.InitContainers ?? []).Any(c => (c.VolumeMounts ?? []).Any(m => m.MountPath.TrimEnd('/') == MountPath)))
        {
            return false;
        }
        if (spec.AutomountServiceAccountToken == true)
        {
            return true;
        }
        // Decided once per pod, as Kubernetes' admission decides once: later syncs (a container restarted while the API server
        // is down) must not need the API server.
        var uid = pod.Metadata.Uid ?? "";
        if (_wanted.TryGetValue(uid, out var known))
        {
            return known;
        }
        var serviceAccount = await client.GetAsync<ServiceAccount>(account, pod.Metadata.Namespace, ct).ConfigureAwait(false);
        var wanted = serviceAccount.AutomountServiceAccountToken != false;
        _wanted[uid] = wanted;
        return wanted;
    }

    /// <summary>Writes the volume into <paramref name="dir"/> (a fresh token unless the one there is still good).</summary>
    public async Task SetUpAsync(Pod pod, string dir, CancellationToken ct)
    {
        Directory.CreateDirectory(dir);
        WriteAtomically(dir, "namespace", Encoding.UTF8.GetBytes(pod.Metadata.Namespace ?? "default"));
        if (credentials.CertificateAuthorities.Count > 0)
        {
            var pem = new StringBuilder();
            foreach (var ca in credentials.CertificateAuthorities)
            {
                pem.Append(ca.ExportCertificatePem()).Append('\n');
            }
            WriteAtomically(dir, "ca.crt", Encoding.ASCII.GetBytes(pem.ToString()));
        }
        if (_issued.TryGetValue(pod.Metadata.Uid ?? "", out var issued) && issued.Dir == dir && time.GetUtcNow() < issued.RefreshAt
            && File.Exists(Path.Combine(dir, "token")))
        {
            return;
        }
        await RefreshAsync(pod, dir, ct).ConfigureAwait(false);
    }

    /// <summary>Replaces the token of a running pod when it is due; returns when to look again (null: the pod has no token here).</summary>
    public async Task<TimeSpan?> RefreshIfDueAsync(Pod pod, CancellationToken ct)
    {
        if (!_issued.TryGetValue(pod.Metadata.Uid ?? "", out var issued))
        {
            return null;
        }
        var now = time.GetUtcNow();
        if (now >= issued.RefreshAt)
        {
            issued = await RefreshAsync(pod, issued.Dir, ct).ConfigureAwait(false);
        }
        var wait = issued.RefreshAt - now;
        return wait > TimeSpan.Zero ? wait : TimeSpan.FromSeconds(1);
    }

    public void Forget(string uid)
    {
        _issued.TryRemove(uid, out _);
        _wanted.TryRemove(uid, out _);
    }

    private async Task<Issued> RefreshAsync(Pod pod, string dir, CancellationToken ct)
    {
        var answer = await client.CreateTokenAsync(pod.Metadata.Namespace ?? "default", pod.Spec!.ServiceAccountName!, new TokenRequest
        {
            Spec = new TokenRequestSpec
            {
                ExpirationSeconds = ExpirationSeconds,
                BoundObjectRef = new BoundObjectReference { Kind = "Pod", ApiVersion = "v1", Name = pod.Metadata.Name, Uid = pod.Metadata.Uid },
            },
        }, ct).ConfigureAwait(false);
        var status = answer.Status ?? throw new VolumeMountException("the TokenRequest came back without a token");
        WriteAtomically(dir, "token", Encoding.ASCII.GetBytes(status.Token));
        var issued = new Issued(dir, time.GetUtcNow(), status.ExpirationTimestamp);
        _issued[pod.Metadata.Uid ?? ""] = issued;
        return issued;
    }

    private static void WriteAtomically(string dir, string name, byte[] bytes)
    {
        var temp = Path.Combine(dir, "." + name + ".tmp");
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, Path.Combine(dir, name), overwrite: true);
    }
}
