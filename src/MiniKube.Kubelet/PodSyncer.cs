using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Kubelet;

/// <summary>
/// The level-triggered heart of the kubelet: <see cref="SyncAsync"/> looks at one pod and what runs for it, and makes
/// them agree — sandbox, images, containers, restarts with CrashLoopBackOff, graceful termination — then reports the
/// pod's status if it changed. Called by the pod workers, never twice at once for one pod.
/// </summary>
internal sealed partial class PodSyncer
{
    private readonly string _node;
    private readonly KubeletOptions _options;
    private readonly IContainerRuntime _runtime;
    private readonly MiniKubeClient _client;
    private readonly EventRecorder? _events;
    private readonly ProbeManager? _probes;
    private readonly PodVolumes _volumes;
    private readonly ContainerConfigBuilder _configs;
    private readonly ImageManager _images;
    private readonly ContainerKiller _killer;
    private readonly BackOff _crashBackOff;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly PodStatusWriter _statusWriter;
    private readonly SandboxConfigBuilder _sandboxConfigs;
    private readonly PodResizer _resizer;

    /// <summary>The pods' status writer (tests reach its <see cref="PodStatusWriter.BeforeWrite"/> seam through it).</summary>
    internal PodStatusWriter StatusWriter => _statusWriter;
    // Pods whose final (grace 0) delete this kubelet already sent. A sync can run again before the informer delivers the
    // deletion — the "die" events of the containers it just stopped queue one — and must not delete a second time:
    // Kubernetes' status manager likewise forgets a pod once its final delete went out.
    private readonly ConcurrentDictionary<string, bool> _finalDeleteSent = new(StringComparer.Ordinal);
    private long _finalDeletes;

    public PodSyncer(string node, KubeletOptions options, IContainerRuntime runtime, MiniKubeClient client, EventRecorder? events, ProbeManager? probes,
        ContainerKiller killer, TimeProvider time, ILogger logger, Func<IReadOnlyCollection<Pod>>? podsOnNode = null,
        Informer<Service>? services = null)
    {
        _killer = killer;
        var (cpu, memory) = NodeStatusReporter.CpuAndMemory(options);
        _resizer = new PodResizer(runtime, podsOnNode ?? (() => []), cpu, memory);
        _statusWriter = new PodStatusWriter(client, logger);
        _sandboxConfigs = new SandboxConfigBuilder(node, options);
        _node = node;
        _options = options;
        _runtime = runtime;
        _client = client;
        _events = events;
        _probes = probes;
        _time = time;
        _logger = logger;
        // Hollow (simulated) nodes run no processes that could read a token: they get none.
        var objects = new LastKnownObjects(client);
        _volumes = new PodVolumes(Path.Combine(options.RootDir, node), objects,
            options.Runtime == RuntimeKinds.Docker ? new ServiceAccountTokenVolume(client, options.Credentials, time) : null);
        _configs = new ContainerConfigBuilder(objects, node, services is null ? null : ServiceEnvironment.FromInformer(services));
        _images = new ImageManager(runtime, events, new BackOff(options.CrashLoopInitialBackoff, options.CrashLoopMaxBackoff, time),
            localOnly: options.ImagePullMode == ImagePullModes.Local, logger);
        _crashBackOff = new BackOff(options.CrashLoopInitialBackoff, options.CrashLoopMaxBackoff, time);
    }

    public PodVolumes Volumes => _volumes;

    /// <summary>Final deletes sent to the API server (tests).</summary>
    internal long FinalDeletes => Interlocked.Read(ref _finalDeletes);

    /// <summary>Syncs one pod; <paramref name="pod"/> is null when it is gone from the API. Returns when to look again, if sooner than the resync.</summary>
    /// <remarks><paramref name="fresh"/>: the pod just arrived and nothing can run for it yet, so the runtime is not listed.</remarks>
    public async Task<TimeSpan?> SyncAsync(string uid, Pod? pod, Pod? lastKnown, bool fresh, CancellationToken ct)
    {
        IReadOnlyList<RuntimeContainer> containers = fresh ? [] : await _runtime.ListContainersAsync(uid, ct).ConfigureAwait(false);
        if (pod is null)
        {
            await CleanUpAsync(uid, lastKnown, containers, ct).ConfigureAwait(false);
            return null;
        }
        // The informer may not have delivered our last status write yet: build on what we wrote, not on the older copy.
        pod = _statusWriter.Freshest(pod);
        using var scope = _logger.BeginScope(new Dictionary<string, object> { ["Namespace"] = pod.Metadata.Namespace ?? "", ["Pod"] = pod.Metadata.Name ?? "" });
        if (pod.Metadata.DeletionTimestamp is not null)
        {
            await TerminateAsync(pod, containers, ct).ConfigureAwait(false);
            return null;
        }
        if (pod.Status?.Phase is PodPhase.Succeeded or PodPhase.Failed)
        {
            await StopAllAsync(containers, TimeSpan.FromSeconds(2), ct).ConfigureAwait(false);
            _probes?.RemovePod(uid);
            return null;
        }
        return await SyncRunningAsync(uid, pod, containers, ct).ConfigureAwait(false);
    }

    private async Task<TimeSpan?> SyncRunningAsync(string uid, Pod pod, IReadOnlyList<RuntimeContainer> containers, CancellationToken ct)
    {
        var spec = pod.Spec ?? new PodSpec();
        var meta = pod.Metadata;
        var policy = spec.RestartPolicy ?? RestartPolicy.Always;
        var waiting = new Dictionary<string, WaitingReason>(StringComparer.Ordinal);
        TimeSpan? requeue = null;
        void RequeueIn(TimeSpan delay) => requeue = requeue is { } r && r < delay ? r : delay;

        var sandboxes = containers.Where(c => c.IsSandbox).OrderByDescending(c => c.CreatedAt).ToList();
        var sandbox = sandboxes.FirstOrDefault(s => s.State == RuntimeContainerState.Running);
        var toStart = new List<(Container Container, int Attempt, List<RuntimeContainer> Older)>();
        var toKill = new List<RuntimeContainer>();
        // Restart of an exited container, unless it is backing off (CrashLoopBackOff).
        void RestartOrBackOff(Container container, RuntimeContainer current, List<RuntimeContainer> instances)
        {
            var key = uid + "/" + container.Name;
            var finished = current.FinishedAt ?? _time.GetUtcNow();
            if (current.StartedAt is { } ranFrom && finished - ranFrom >= _options.CrashLoopResetAfter)
            {
                _crashBackOff.Reset(key);
            }
            if (_crashBackOff.IsInBackOffSince(key, finished, out var remaining))
            {
                var delay = FormatDuration(_crashBackOff.Get(key));
                waiting[container.Name] = new WaitingReason("CrashLoopBackOff",
                    $"back-off {delay} restarting failed container={container.Name} pod={meta.Name}_{meta.Namespace}({uid})");
                _events?.Warning(pod, "BackOff", $"Back-off restarting failed container {container.Name} in pod {meta.Name}_{meta.Namespace}({uid})");
                RequeueIn(remaining);
                return;
            }
            _crashBackOff.Next(key, finished);
            toStart.Add((container, current.RestartCount + 1, instances.Skip(1).ToList()));
        }

        // Init containers run one at a time, each to success, before any app container; never again once an app container exists.
        var initialized = containers.Any(c => !c.IsSandbox && spec.Containers.Any(x => x.Name == c.ContainerName));
        if (!initialized)
        {
            initialized = true;
            foreach (var init in spec.InitContainers ?? [])
            {
                var instances = containers.Where(c => !c.IsSandbox && c.ContainerName == init.Name)
                    .OrderByDescending(c => c.RestartCount).ThenByDescending(c => c.CreatedAt).ToList();
                var current = instances.FirstOrDefault();
                if (current is { State: RuntimeContainerState.Exited, ExitCode: 0 })
                {
                    continue;
                }
                initialized = false;
                if (current is null)
                {
                    toStart.Add((init, 0, []));
                }
                else if (current.State is RuntimeContainerState.Created or RuntimeContainerState.Unknown)
                {
                    toStart.Add((init, current.RestartCount, instances.ToList()));
                }
                else if (current.State == RuntimeContainerState.Exited && policy != RestartPolicy.Never)
                {
                    RestartOrBackOff(init, current, instances);
                }
                break;
            }
        }
        var resize = ResizeOutcome.None;
        if (initialized && sandbox is not null)
        {
            (resize, containers) = await _resizer.ResizeAsync(pod, containers, sandbox.Id, ct).ConfigureAwait(false);
        }
        foreach (var container in initialized ? spec.Containers : [])
        {
            var instances = containers.Where(c => !c.IsSandbox && c.ContainerName == container.Name)
                .OrderByDescending(c => c.RestartCount).ThenByDescending(c => c.CreatedAt).ToList();
            var current = instances.FirstOrDefault();
            if (current is null)
            {
                toStart.Add((container, 0, []));
                continue;
            }
            switch (current.State)
            {
                case RuntimeContainerState.Running:
                    if (sandbox is null || current.SandboxId != sandbox.Id)
                    {
                        toKill.Add(current);
                        toStart.Add((container, current.RestartCount + 1, instances.Skip(1).ToList()));
                    }
                    else if (current.SpecHash.Length > 0 && current.SpecHash != ContainerConfigBuilder.SpecHash(container))
                    {
                        _events?.Normal(pod, "Killing", $"Container {container.Name} definition changed, will be restarted");
                        toKill.Add(current);
                        toStart.Add((container, current.RestartCount + 1, instances.Skip(1).ToList()));
                    }
                    else if (resize.Restart.Contains(container.Name))
                    {
                        _events?.Normal(pod, "Killing", $"Container {container.Name} resize requires a restart (resizePolicy RestartContainer)");
                        toKill.Add(current);
                        toStart.Add((container, current.RestartCount + 1, instances.Skip(1).ToList()));
                    }
                    break;
                case RuntimeContainerState.Created or RuntimeContainerState.Unknown:
                    // Created but never started (an earlier start failed): replace it with the same attempt number.
                    toStart.Add((container, current.RestartCount, instances.ToList()));
                    break;
                default:
                    var restart = policy == RestartPolicy.Always || (policy == RestartPolicy.OnFailure && current.ExitCode != 0);
                    if (restart)
                    {
                        RestartOrBackOff(container, current, instances);
                    }
                    break;
            }
        }

        // What this sync adds and removes, so that the common path (only starts) needs no second listing.
        var relist = toKill.Count > 0 || toStart.Any(t => t.Older.Any(o => o.State is RuntimeContainerState.Created or RuntimeContainerState.Unknown));
        var started = new List<RuntimeContainer>();
        var removed = new HashSet<string>(StringComparer.Ordinal);
        var grace = TimeSpan.FromSeconds(Math.Max(0, spec.TerminationGracePeriodSeconds ?? 30));
        var podIp = sandbox?.IpAddress ?? pod.Status?.PodIP ?? "";
        await Task.WhenAll(toKill.Select(c => _killer.StopAsync(pod, SpecOf(spec, c), c, grace, podIp, ct))).ConfigureAwait(false);

        IReadOnlyDictionary<string, string>? volumePaths = null;
        if (toStart.Count > 0)
        {
            try
            {
                volumePaths = await _volumes.SetUpAsync(pod, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is VolumeMountException or IOException or UnauthorizedAccessException or ApiException)
            {
                _events?.Warning(pod, "FailedMount", $"MountVolume.SetUp failed: {ex.Message}");
                RequeueIn(TimeSpan.FromSeconds(5));
                toStart.Clear();
            }
        }
        if (_volumes.Tokens is { } tokens)
        {
            try
            {
                if (await tokens.RefreshIfDueAsync(pod, ct).ConfigureAwait(false) is { } next)
                {
                    RequeueIn(next);
                }
            }
            catch (ApiException ex)
            {
                _events?.Warning(pod, "FailedMount", $"MountVolume.SetUp failed for volume \"kube-api-access\": {ex.Message}");
                RequeueIn(TimeSpan.FromSeconds(5));
            }
        }
        if (sandbox is null && toStart.Count > 0)
        {
            // A new sandbox means a new network namespace: whatever still runs in the old one goes.
            var stale = containers.Where(c => !c.IsSandbox && c.State == RuntimeContainerState.Running).ToList();
            relist |= stale.Count > 0;
            await Task.WhenAll(stale.Select(c => _killer.StopAsync(pod, SpecOf(spec, c), c, grace, podIp, ct))).ConfigureAwait(false);
            try
            {
                sandbox = await _runtime.RunSandboxAsync(_sandboxConfigs.For(pod, sandboxes.Count), ct).ConfigureAwait(false);
                started.Add(sandbox);
                foreach (var old in sandboxes)
                {
                    await _runtime.RemoveContainerAsync(old.Id, ct).ConfigureAwait(false);
                    removed.Add(old.Id);
                }
            }
            catch (ContainerRuntimeException ex)
            {
                _events?.Warning(pod, "FailedCreatePodSandBox", $"Failed to create pod sandbox: {ex.Message}");
                LogSandboxFailed(_logger, ex.Message);
                RequeueIn(_options.CrashLoopInitialBackoff);
                toStart.Clear();
            }
        }
        if (sandbox is not null && volumePaths is not null)
        {
            foreach (var (container, attempt, older) in toStart)
            {
                var (wait, retry, id) = await StartContainerAsync(pod, container, attempt, sandbox, volumePaths, older, removed, ct).ConfigureAwait(false);
                if (wait is not null)
                {
                    waiting[container.Name] = wait;
                    RequeueIn(retry ?? _options.CrashLoopInitialBackoff);
                    relist = true;
                }
                else if (await _runtime.InspectContainerAsync(id!, ct).ConfigureAwait(false) is { } inspected)
                {
                    started.Add(inspected);
                }
                else
                {
                    relist = true;
                }
            }
        }

        if (relist)
        {
            containers = await _runtime.ListContainersAsync(uid, ct).ConfigureAwait(false);
        }
        else if (started.Count > 0 || removed.Count > 0)
        {
            containers = [.. containers.Where(c => !removed.Contains(c.Id) && !started.Any(s => s.Id == c.Id)), .. started];
        }
        sandbox = containers.Where(c => c.IsSandbox && c.State == RuntimeContainerState.Running).OrderByDescending(c => c.CreatedAt).FirstOrDefault();
        var running = containers.Where(c => c.State == RuntimeContainerState.Running && (c.IsSandbox || c.SandboxId == sandbox?.Id)).ToList();
        _probes?.Sync(pod, running, pod.Status);
        var now = _time.GetUtcNow();
        var status = ResizeStatus.Apply(PodStatusBuilder.Build(pod, sandbox, containers, waiting, ProbeStateOf(uid, spec), now), pod, containers, resize, now);
        if (status.Phase is PodPhase.Succeeded or PodPhase.Failed)
        {
            _probes?.RemovePod(uid);
            await StopAllAsync(containers, TimeSpan.FromSeconds(2), ct).ConfigureAwait(false);
        }
        await _statusWriter.WriteAsync(pod, status, ct).ConfigureAwait(false);
        return requeue;
    }

    private Func<string, string, ProbeState> ProbeStateOf(string uid, PodSpec spec) => (name, id) =>
    {
        var container = spec.Containers.FirstOrDefault(c => c.Name == name);
        return container is null || _probes is null ? new ProbeState(true, true) : _probes.Get(uid, container, id);
    };

    private async Task<(WaitingReason? Waiting, TimeSpan? Retry, string? Id)> StartContainerAsync(Pod pod, Container container, int attempt,
        RuntimeContainer sandbox, IReadOnlyDictionary<string, string> volumePaths, List<RuntimeContainer> older, HashSet<string> removed, CancellationToken ct)
    {
        var (pullWait, pullRetry) = await _images.EnsureAsync(pod, container, ct).ConfigureAwait(false);
        if (pullWait is not null)
        {
            return (pullWait, pullRetry, null);
        }
        ContainerSpec spec;
        try
        {
            spec = await _configs.BuildAsync(pod, container, sandbox, volumePaths, attempt, ct).ConfigureAwait(false);
        }
        catch (ContainerConfigException ex)
        {
            _events?.Warning(pod, "Failed", $"Error: {ex.Message}");
            return (new WaitingReason("CreateContainerConfigError", ex.Message), null, null);
        }
        string id;
        try
        {
            id = await _runtime.CreateContainerAsync(spec, ct).ConfigureAwait(false);
        }
        catch (ContainerRuntimeException ex)
        {
            _events?.Warning(pod, "Failed", $"Error: {ex.Message}");
            return (new WaitingReason("CreateContainerError", ex.Message), null, null);
        }
        _events?.Normal(pod, "Created", $"Created container {container.Name}");
        try
        {
            await _runtime.StartContainerAsync(id, ct).ConfigureAwait(false);
        }
        catch (ContainerRuntimeException ex)
        {
            _events?.Warning(pod, "Failed", $"Error: failed to start container \"{container.Name}\": {ex.Message}");
            return (new WaitingReason("RunContainerError", ex.Message), null, null);
        }
        _events?.Normal(pod, "Started", $"Started container {container.Name}");
        LogStarted(_logger, container.Name, attempt);
        await _killer.PostStartAsync(pod, container, id, sandbox.IpAddress ?? "", ct).ConfigureAwait(false);
        // Keep the instance just replaced (lastState, logs --previous); older ones go.
        foreach (var old in older.Where(o => o.State != RuntimeContainerState.Running))
        {
            await _runtime.RemoveContainerAsync(old.Id, ct).ConfigureAwait(false);
            removed.Add(old.Id);
        }
        return (null, null, id);
    }

    /// <summary>Graceful deletion: SIGTERM, SIGKILL after the grace period, remove everything, then finish the API deletion.</summary>
    private async Task TerminateAsync(Pod pod, IReadOnlyList<RuntimeContainer> containers, CancellationToken ct)
    {
        var uid = pod.Metadata.Uid ?? "";
        var grace = TimeSpan.FromSeconds(Math.Max(0, pod.Metadata.DeletionGracePeriodSeconds ?? pod.Spec?.TerminationGracePeriodSeconds ?? 30));
        _probes?.RemovePod(uid);
        var running = containers.Where(c => !c.IsSandbox && c.State == RuntimeContainerState.Running).ToList();
        foreach (var c in running)
        {
            _events?.Normal(pod, "Killing", $"Stopping container {c.ContainerName}");
        }
        var spec = pod.Spec ?? new PodSpec();
        var podIp = pod.Status?.PodIP ?? "";
        await Task.WhenAll(running.Select(c => _killer.StopAsync(pod, SpecOf(spec, c), c, grace, podIp, ct))).ConfigureAwait(false);
        await StopAllAsync(containers.Where(c => c.IsSandbox), TimeSpan.FromSeconds(2), ct).ConfigureAwait(false);
        await RemoveAllAsync(uid, containers, ct).ConfigureAwait(false);
        if (_finalDeleteSent.ContainsKey(uid))
        {
            return;
        }
        try
        {
            Interlocked.Increment(ref _finalDeletes);
            await _client.DeleteAsync<Pod>(pod.Metadata.Name ?? "", pod.Metadata.Namespace,
                new DeleteOptions { GracePeriodSeconds = 0, Preconditions = new Preconditions { Uid = uid } }, ct).ConfigureAwait(false);
            LogDeleted(_logger);
        }
        catch (ApiException ex) when (ex.IsNotFound || ex.IsConflict)
        {
            // Already gone, or a new pod took the name.
        }
        _finalDeleteSent[uid] = true;
    }

    /// <summary>The pod is gone from the API (force-deleted, or finished and deleted): kill and remove what is left.</summary>
    private async Task CleanUpAsync(string uid, Pod? lastKnown, IReadOnlyList<RuntimeContainer> containers, CancellationToken ct)
    {
        _probes?.RemovePod(uid);
        if (containers.Count > 0)
        {
            var grace = TimeSpan.FromSeconds(Math.Clamp(lastKnown?.Metadata.DeletionGracePeriodSeconds ?? lastKnown?.Spec?.TerminationGracePeriodSeconds ?? 2, 0, 30));
            await StopAllAsync(containers.Where(c => !c.IsSandbox), grace, ct).ConfigureAwait(false);
            await RemoveAllAsync(uid, containers, ct).ConfigureAwait(false);
            LogCleanedUp(_logger, uid, containers.Count);
        }
        else
        {
            _volumes.TearDown(uid);
        }
        _crashBackOff.RemovePrefix(uid + "/");
        _statusWriter.Forget(uid);
        _finalDeleteSent.TryRemove(uid, out _);
    }

    private async Task RemoveAllAsync(string uid, IReadOnlyList<RuntimeContainer> containers, CancellationToken ct)
    {
        await Task.WhenAll(containers.Select(c => _runtime.RemoveContainerAsync(c.Id, ct))).ConfigureAwait(false);
        try
        {
            _volumes.TearDown(uid);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogTearDownFailed(_logger, uid, ex.Message);
        }
        _crashBackOff.RemovePrefix(uid + "/");
    }

    private static Container? SpecOf(PodSpec spec, RuntimeContainer c) =>
        spec.Containers.FirstOrDefault(x => x.Name == c.ContainerName) ?? spec.InitContainers?.FirstOrDefault(x => x.Name == c.ContainerName);

    private Task StopAllAsync(IEnumerable<RuntimeContainer> containers, TimeSpan grace, CancellationToken ct) =>
        Task.WhenAll(containers.Where(c => c.State == RuntimeContainerState.Running).Select(c => _runtime.StopContainerAsync(c.Id, grace, ct)));

    internal static string FormatDuration(TimeSpan d) =>
        d.TotalMinutes >= 1
            ? d.Seconds == 0 ? $"{(int)d.TotalMinutes}m0s" : $"{(int)d.TotalMinutes}m{d.Seconds}s"
            : d.Milliseconds == 0 ? $"{(int)d.TotalSeconds}s" : $"{d.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)}s";

    [LoggerMessage(Level = LogLevel.Information, Message = "Started container {Container} (attempt {Attempt})")]
    private static partial void LogStarted(ILogger logger, string container, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pod terminated and deleted")]
    private static partial void LogDeleted(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} containers of pod {Uid}, which is gone from the API")]
    private static partial void LogCleanedUp(ILogger logger, string uid, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not create the pod sandbox: {Reason}")]
    private static partial void LogSandboxFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove the volumes of pod {Uid}: {Reason}")]
    private static partial void LogTearDownFailed(ILogger logger, string uid, string reason);
}
