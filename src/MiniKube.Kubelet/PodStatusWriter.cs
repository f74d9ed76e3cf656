using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Kubelet;

/// <summary>
/// Writes pod status through the status subresource only when it changed, with the pod's resourceVersion (a pod
/// replaced under the same name is never written to), and remembers what it wrote so that a sync running before the
/// informer caught up builds on it.
/// </summary>
internal sealed partial class PodStatusWriter(MiniKubeClient client, ILogger logger)
{
    private readonly ConcurrentDictionary<string, (long Version, PodStatus Status)> _written = new(StringComparer.Ordinal);

    /// <summary>The pod with the newest status this kubelet wrote, when the informer's copy is older.</summary>
    public Pod Freshest(Pod pod)
    {
        var uid = pod.Metadata.Uid ?? "";
        if (_written.TryGetValue(uid, out var written) && written.Version > Version(pod.Metadata.ResourceVersion))
        {
            return pod with
            {
                Metadata = pod.Metadata with { ResourceVersion = written.Version.ToString(CultureInfo.InvariantCulture) },
                Status = written.Status,
            };
        }
        return pod;
    }

    public void Forget(string uid) => _written.TryRemove(uid, out _);

    /// <summary>Test seam: awaited before each status write that changes something (a test holds one to stop the kubelet there).</summary>
    internal Func<Pod, PodStatus, CancellationToken, Task>? BeforeWrite { get; set; }

    public async Task WriteAsync(Pod pod, PodStatus status, CancellationToken ct)
    {
        var uid = pod.Metadata.Uid ?? "";
        var json = KubeSerializer.ToJsonBytes(status);
        if (pod.Status is not null && json.AsSpan().SequenceEqual(KubeSerializer.ToJsonBytes(pod.Status)))
        {
            return;
        }
        if (BeforeWrite is { } hook)
        {
            await hook(pod, status, ct).ConfigureAwait(false);
        }
        var update = pod with { Status = status };
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var stored = await client.UpdateStatusAsync(update, ct).ConfigureAwait(false);
                _written[uid] = (Version(stored.Metadata.ResourceVersion), stored.Status ?? status);
                LogStatus(logger, status.Phase ?? "");
                return;
            }
            catch (ApiException ex) when (ex.IsConflict && attempt < 3)
            {
                var fresh = await client.GetAsync<Pod>(pod.Metadata.Name ?? "", pod.Metadata.Namespace, ct).ConfigureAwait(false);
                if (fresh.Metadata.Uid != uid)
                {
                    return;
                }
                // Keep conditions that others own (e.g. PodScheduled written by the binding).
                var ours = status.Conditions?.Select(c => c.Type).ToHashSet(StringComparer.Ordinal) ?? [];
                var merged = (fresh.Status?.Conditions ?? []).Where(c => !ours.Contains(c.Type)).Concat(status.Conditions ?? []).ToList();
                update = fresh with { Status = status with { Conditions = merged } };
            }
            catch (ApiException ex) when (ex.IsNotFound)
            {
                return;
            }
        }
    }

    private static long Version(string? resourceVersion) =>
        long.TryParse(resourceVersion, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0;

    [LoggerMessage(Level = LogLevel.Debug, Message = "Status updated: phase {Phase}")]
    private static partial void LogStatus(ILogger logger, string phase);
}
