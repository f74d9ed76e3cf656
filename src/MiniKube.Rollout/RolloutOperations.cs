using System.Globalization;
using System.Text.Json.Nodes;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Controllers;
using MiniKube.Controllers.Deployments;

namespace MiniKube.Rollout;

/// <summary>
/// kubectl's client-side logic for Deployments, for minictl to call: <c>scale</c>, <c>rollout status|history|undo|restart|
/// pause|resume</c> and <c>set image</c>. Each command returns kubectl's output line (e.g. <c>deployment.apps/web paused</c>)
/// and throws <see cref="RolloutException"/> with kubectl's message when it cannot act.
/// </summary>
public sealed class RolloutOperations
{
    public const string RestartedAtAnnotation = "kubectl.kubernetes.io/restartedAt";

    private readonly IControllerClient _client;
    private readonly MiniKubeClient? _watchClient;
    private readonly TimeProvider _time;

    public RolloutOperations(MiniKubeClient client, TimeProvider? time = null)
        : this(new ApiControllerClient(client), client, time)
    {
    }

    public RolloutOperations(IControllerClient client, MiniKubeClient? watchClient = null, TimeProvider? time = null)
    {
        _client = client;
        _watchClient = watchClient;
        _time = time ?? TimeProvider.System;
    }

    public static string ObjectName(string name) => "deployment.apps/" + name;

    // ---- scale and set image -------------------------------------------------------------------------------------

    /// <summary><c>scale deployment/NAME --replicas=N</c> (also ReplicaSets with <paramref name="resource"/> = replicasets).</summary>
    public async Task<string> ScaleAsync(string ns, string name, int replicas, string resource = "deployments", CancellationToken ct = default)
    {
        if (replicas < 0)
        {
            throw new RolloutException("The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0");
        }
        var info = ResourceRegistry.ByPlural(resource) ?? throw new RolloutException($"the server doesn't have a resource type \"{resource}\"");
        if (info.Kind is not ("Deployment" or "ReplicaSet"))
        {
            throw new RolloutException($"cannot scale {info.Plural}");
        }
        await PatchAsync(info, ns, name, new JsonObject { ["spec"] = new JsonObject { ["replicas"] = replicas } }, ct).ConfigureAwait(false);
        return $"{info.Singular}.{(info.Group.Length == 0 ? "" : info.Group)}/{name} scaled".Replace("./", "/", StringComparison.Ordinal);
    }

    /// <summary><c>set image deployment/NAME c1=img1 …</c>; <c>*</c> sets every container.</summary>
    public async Task<string> SetImageAsync(string ns, string name, IReadOnlyDictionary<string, string> images, CancellationToken ct = default)
    {
        var changed = await UpdateDeploymentAsync(ns, name, d =>
        {
            var template = d.Spec?.Template ?? new PodTemplateSpec();
            var spec = template.Spec ?? new PodSpec();
            foreach (var container in images.Keys.Where(k => k != "*"))
            {
                if (!spec.Containers.Any(c => c.Name == container) && spec.InitContainers?.Any(c => c.Name == container) != true)
                {
                    throw new RolloutException($"unable to find container named \"{container}\"");
                }
            }
            string? ImageFor(Container c) => images.TryGetValue(c.Name, out var image) ? image : images.GetValueOrDefault("*");
            spec = spec with
            {
                Containers = [.. spec.Containers.Select(c => ImageFor(c) is { } image ? c with { Image = image } : c)],
                InitContainers = spec.InitContainers?.Select(c => ImageFor(c) is { } image ? c with { Image = image } : c).ToList(),
            };
            return d with { Spec = d.Spec! with { Template = template with { Spec = spec } } };
        }, ct).ConfigureAwait(false);
        return $"{ObjectName(name)} {(changed ? "image updated" : "unchanged")}";
    }

    // ---- rollout -----------------------------------------------------------------------------------------------

    public async Task<string> PauseAsync(string ns, string name, CancellationToken ct = default)
    {
        var d = await GetAsync(ns, name, ct).ConfigureAwait(false);
        if (d.Spec?.Paused == true)
        {
            throw new RolloutException($"deployments.apps \"{name}\" is already paused");
        }
        await PatchAsync(ResourceRegistry.For<Deployment>(), ns, name, new JsonObject { ["spec"] = new JsonObject { ["paused"] = true } }, ct)
            .ConfigureAwait(false);
        return ObjectName(name) + " paused";
    }

    public async Task<string> ResumeAsync(string ns, string name, CancellationToken ct = default)
    {
        var d = await GetAsync(ns, name, ct).ConfigureAwait(false);
        if (d.Spec?.Paused != true)
        {
            throw new RolloutException($"deployments.apps \"{name}\" is not paused");
        }
        await PatchAsync(ResourceRegistry.For<Deployment>(), ns, name, new JsonObject { ["spec"] = new JsonObject { ["paused"] = null } }, ct)
            .ConfigureAwait(false);
        return ObjectName(name) + " resumed";
    }

    /// <summary><c>rollout restart</c>: stamps <c>kubectl.kubernetes.io/restartedAt</c> on the pod template, which rolls every pod.</summary>
    public async Task<string> RestartAsync(string ns, string name, CancellationToken ct = default)
    {
        var d = await GetAsync(ns, name, ct).ConfigureAwait(false);
        if (d.Spec?.Paused == true)
        {
            throw new RolloutException($"deployments.apps \"{name}\" can't restart paused deployment (run rollout resume first)");
        }
        var stamp = _time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture).Replace("+00:00", "Z", StringComparison.Ordinal);
        var patch = new JsonObject
        {
            ["spec"] = new JsonObject
            {
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [RestartedAtAnnotation] = stamp } },
                },
            },
        };
        await PatchAsync(ResourceRegistry.For<Deployment>(), ns, name, patch, ct).ConfigureAwait(false);
        return ObjectName(name) + " restarted";
    }

    /// <summary><c>rollout undo [--to-revision N]</c> (0 = the previous revision).</summary>
    public async Task<string> UndoAsync(string ns, string name, long toRevision = 0, CancellationToken ct = default)
    {
        await GetAsync(ns, name, ct).ConfigureAwait(false);
        var outcome = await new DeploymentRollback(_client).RollbackAsync(ns, name, toRevision, ct).ConfigureAwait(false);
        return ObjectName(name) + " " + outcome;
    }

    public async Task<IReadOnlyList<RevisionInfo>> HistoryAsync(string ns, string name, CancellationToken ct = default)
    {
        var d = await GetAsync(ns, name, ct).ConfigureAwait(false);
        return RolloutHistory.Revisions(await RolloutHistory.ReplicaSetsOfAsync(_client, d, ct).ConfigureAwait(false));
    }

    /// <summary><c>rollout history</c> as kubectl prints it (with <paramref name="revision"/>, that revision's template).</summary>
    public async Task<string> FormatHistoryAsync(string ns, string name, long revision = 0, CancellationToken ct = default)
    {
        var revisions = await HistoryAsync(ns, name, ct).ConfigureAwait(false);
        if (revision == 0)
        {
            return RolloutHistory.Format(ObjectName(name), revisions);
        }
        var match = revisions.FirstOrDefault(r => r.Revision == revision) ?? throw new RolloutException("unable to find the specified revision");
        return RolloutHistory.FormatRevision(ObjectName(name), match);
    }

    /// <summary>The status line <c>rollout status</c> would print now.</summary>
    public async Task<RolloutStatusResult> StatusAsync(string ns, string name, CancellationToken ct = default) =>
        RolloutStatus.Evaluate(await GetAsync(ns, name, ct).ConfigureAwait(false));

    /// <summary>
    /// <c>rollout status</c> (watching): reports each new status line through <paramref name="report"/> until the rollout is
    /// done. Throws <see cref="RolloutException"/> past the progress deadline and <see cref="TimeoutException"/> after <paramref name="timeout"/>.
    /// </summary>
    public async Task WaitAsync(string ns, string name, Action<string> report, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        if (_watchClient is null)
        {
            throw new InvalidOperationException("watching needs a MiniKubeClient");
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (timeout is { } t && t > TimeSpan.Zero)
        {
            deadline.CancelAfter(t);
        }
        string? last = null;
        bool Show(Deployment d)
        {
            var result = RolloutStatus.Evaluate(d);
            if (result.Message != last)
            {
                report(result.Message);
                last = result.Message;
            }
            return result.Done;
        }
        try
        {
            var list = await _watchClient.ListAsync<Deployment>(ns, fieldSelector: "metadata.name=" + name, cancellationToken: deadline.Token).ConfigureAwait(false);
            if (list.Items.Count == 0)
            {
                throw ApiException.NotFound(ResourceRegistry.For<Deployment>(), name);
            }
            if (Show(list.Items[0]))
            {
                return;
            }
            var version = list.ResourceVersion;
            while (true)
            {
                await foreach (var e in _watchClient.WatchAsync<Deployment>(ns, fieldSelector: "metadata.name=" + name, resourceVersion: version,
                                   cancellationToken: deadline.Token).ConfigureAwait(false))
                {
                    version = e.Object.Metadata.ResourceVersion ?? version;
                    if (e.Type == WatchEventTypes.Deleted)
                    {
                        throw new RolloutException($"object has been deleted");
                    }
                    if (e.Type is WatchEventTypes.Added or WatchEventTypes.Modified && Show(e.Object))
                    {
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException("timed out waiting for the condition");
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    private Task<Deployment> GetAsync(string ns, string name, CancellationToken ct) => _client.GetAsync<Deployment>(name, ns, ct);

    private Task<KubeObject> PatchAsync(ResourceInfo resource, string ns, string name, JsonObject patch, CancellationToken ct) =>
        _client.PatchAsync(resource, name, ns, patch.ToJsonString(), ct);

    /// <summary>Read-modify-write of a Deployment with conflict retries; false when the change was a no-op.</summary>
    private async Task<bool> UpdateDeploymentAsync(string ns, string name, Func<Deployment, Deployment> change, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var d = await GetAsync(ns, name, ct).ConfigureAwait(false);
            var next = change(d);
            if (PodTemplateHash.Canonical(next) == PodTemplateHash.Canonical(d))
            {
                return false;
            }
            try
            {
                await _client.UpdateAsync<Deployment>(next, ct).ConfigureAwait(false);
                return true;
            }
            catch (ApiException ex) when (ex.IsConflict && attempt < 5)
            {
                // Someone else wrote first: apply the change to the new state.
            }
        }
    }
}
