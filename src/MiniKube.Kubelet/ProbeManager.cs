using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Kubelet;

public enum ProbeKind
{
    Liveness,
    Readiness,
    Startup,
}

/// <summary>
/// One worker per (pod, container, probe kind) for running containers, as in Kubernetes' prober manager. Startup gates
/// liveness and readiness; readiness decides the container's <c>ready</c>; liveness and startup failures past their
/// threshold record Unhealthy and Killing events and stop the container so the pod worker restarts it.
/// </summary>
internal sealed partial class ProbeManager : IAsyncDisposable
{
    private readonly ContainerKiller _killer;
    private readonly Prober _prober;
    private readonly EventRecorder? _events;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action<string> _onChange;
    private readonly ConcurrentDictionary<string, Worker> _workers = new(StringComparer.Ordinal);
    // By "uid/container": the container the results are about, and the results.
    private readonly ConcurrentDictionary<string, Results> _results = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();

    public ProbeManager(IContainerRuntime runtime, ContainerKiller killer, EventRecorder? events, TimeProvider time, ILogger logger, Action<string> onChange)
    {
        _killer = killer;
        _prober = new Prober(runtime);
        _events = events;
        _time = time;
        _logger = logger;
        _onChange = onChange;
    }

    /// <summary>Readiness and startup of a container instance, given its spec (no probe: ready and started when running).</summary>
    public ProbeState Get(string uid, Container container, string containerId)
    {
        _results.TryGetValue(Key(uid, container.Name), out var results);
        var current = results is not null && results.ContainerId == containerId;
        var started = container.StartupProbe is null || (current && results!.Started);
        var ready = container.ReadinessProbe is null || (current && results!.Ready);
        return new ProbeState(ready, started);
    }

    /// <summary>
    /// Starts workers for the pod's running containers and stops those of containers that stopped or were replaced.
    /// <paramref name="previous"/> (the pod's last reported status) seeds readiness of adopted containers, so a kubelet
    /// restart does not flap Ready.
    /// </summary>
    public void Sync(Pod pod, IReadOnlyList<RuntimeContainer> running, PodStatus? previous)
    {
        var uid = pod.Metadata.Uid ?? "";
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var container in pod.Spec?.Containers ?? [])
        {
            var instance = running.FirstOrDefault(r => r.ContainerName == container.Name && r.State == RuntimeContainerState.Running);
            if (instance is null)
            {
                continue;
            }
            var resultsKey = Key(uid, container.Name);
            var results = _results.AddOrUpdate(resultsKey, _ => Seed(instance.Id, container, previous),
                (_, existing) => existing.ContainerId == instance.Id ? existing : Seed(instance.Id, container, previous));
            foreach (var (kind, probe) in Probes(container))
            {
                var key = $"{resultsKey}/{kind}";
                wanted.Add(key);
                if (_workers.TryGetValue(key, out var worker) && worker.ContainerId == instance.Id)
                {
                    continue;
                }
                worker?.Stop();
                var podIp = running.FirstOrDefault(r => r.IsSandbox)?.IpAddress ?? pod.Status?.PodIP ?? "";
                var started = new Worker(instance.Id, CancellationTokenSource.CreateLinkedTokenSource(_stop.Token));
                _workers[key] = started;
                started.Run = Task.Run(() => RunAsync(pod, container, probe, kind, instance, podIp, results, started.Cancel.Token));
            }
        }
        foreach (var (key, worker) in _workers)
        {
            if (key.StartsWith(uid + "/", StringComparison.Ordinal) && !wanted.Contains(key) && _workers.TryRemove(key, out _))
            {
                worker.Stop();
            }
        }
    }

    public void RemovePod(string uid)
    {
        foreach (var key in _workers.Keys.Where(k => k.StartsWith(uid + "/", StringComparison.Ordinal)).ToList())
        {
            if (_workers.TryRemove(key, out var worker))
            {
                worker.Stop();
            }
        }
        foreach (var key in _results.Keys.Where(k => k.StartsWith(uid + "/", StringComparison.Ordinal)).ToList())
        {
            _results.TryRemove(key, out _);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        var runs = _workers.Values.Select(w => w.Run).OfType<Task>().ToList();
        try
        {
            await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
        }
        _prober.Dispose();
        _stop.Dispose();
    }

    private static string Key(string uid, string container) => uid + "/" + container;

    private static IEnumerable<(ProbeKind Kind, Probe Probe)> Probes(Container c)
    {
        if (c.StartupProbe is { } startup)
        {
            yield return (ProbeKind.Startup, startup);
        }
        if (c.LivenessProbe is { } liveness)
        {
            yield return (ProbeKind.Liveness, liveness);
        }
        if (c.ReadinessProbe is { } readiness)
        {
            yield return (ProbeKind.Readiness, readiness);
        }
    }

    private static Results Seed(string containerId, Container container, PodStatus? previous)
    {
        var before = previous?.ContainerStatuses?.FirstOrDefault(s => s.Name == container.Name && s.ContainerID == "docker://" + containerId);
        return new Results(containerId) { Ready = before?.Ready ?? false, Started = before?.Started ?? false };
    }

    private async Task RunAsync(Pod pod, Container container, Probe probe, ProbeKind kind, RuntimeContainer instance, string podIp, Results results,
        CancellationToken ct)
    {
        var uid = pod.Metadata.Uid ?? "";
        var period = TimeSpan.FromSeconds(Math.Max(1, probe.PeriodSeconds ?? 10));
        var successThreshold = Math.Max(1, probe.SuccessThreshold ?? 1);
        var failureThreshold = Math.Max(1, probe.FailureThreshold ?? 3);
        var initialDelay = TimeSpan.FromSeconds(Math.Max(0, probe.InitialDelaySeconds ?? 0));
        var label = kind switch { ProbeKind.Liveness => "Liveness", ProbeKind.Readiness => "Readiness", _ => "Startup" };
        int successes = 0, failures = 0;
        try
        {
            var startedAt = instance.StartedAt ?? _time.GetUtcNow();
            var wait = startedAt + initialDelay - _time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, _time, ct).ConfigureAwait(false);
            }
            while (!ct.IsCancellationRequested)
            {
                if (kind != ProbeKind.Startup && container.StartupProbe is not null && !results.Started)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(period.TotalMilliseconds, 1000)), _time, ct).ConfigureAwait(false);
                    continue;
                }
                var result = await _prober.RunAsync(probe, container, instance.Id, podIp, ct).ConfigureAwait(false);
                if (result.Success)
                {
                    successes++;
                    failures = 0;
                }
                else
                {
                    failures++;
                    successes = 0;
                    LogProbeFailed(_logger, label, pod.Metadata.Namespace ?? "", pod.Metadata.Name ?? "", container.Name, result.Output);
                    _events?.Warning(pod, "Unhealthy", $"{label} probe failed: {result.Output}");
                }
                switch (kind)
                {
                    case ProbeKind.Readiness:
                        var ready = results.Ready;
                        if (successes >= successThreshold)
                        {
                            ready = true;
                        }
                        else if (failures >= failureThreshold)
                        {
                            ready = false;
                        }
                        if (ready != results.Ready)
                        {
                            results.Ready = ready;
                            _onChange(uid);
                        }
                        break;
                    case ProbeKind.Startup when result.Success:
                        results.Started = true;
                        _onChange(uid);
                        return;
                    case ProbeKind.Startup or ProbeKind.Liveness when failures >= failureThreshold:
                        var what = kind == ProbeKind.Liveness ? "liveness" : "startup";
                        _events?.Normal(pod, "Killing", $"Container {container.Name} failed {what} probe, will be restarted");
                        var grace = probe.TerminationGracePeriodSeconds ?? pod.Spec?.TerminationGracePeriodSeconds ?? 30;
                        await _killer.StopAsync(pod, container, instance, TimeSpan.FromSeconds(Math.Max(0, grace)), podIp, ct).ConfigureAwait(false);
                        _onChange(uid);
                        return;
                }
                await Task.Delay(period, _time, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogWorkerFailed(_logger, label, pod.Metadata.Name ?? "", container.Name, ex);
        }
    }

    private sealed class Results(string containerId)
    {
        public string ContainerId { get; } = containerId;

        public volatile bool Ready;

        public volatile bool Started;
    }

    private sealed class Worker(string containerId, CancellationTokenSource cancel)
    {
        public string ContainerId { get; } = containerId;

        public CancellationTokenSource Cancel { get; } = cancel;

        public Task? Run { get; set; }

        public void Stop()
        {
            try
            {
                Cancel.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Probe} probe of {Namespace}/{Pod} container {Container} failed: {Output}")]
    private static partial void LogProbeFailed(ILogger logger, string probe, string @namespace, string pod, string container, string output);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Probe} probe worker of pod {Pod} container {Container} failed")]
    private static partial void LogWorkerFailed(ILogger logger, string probe, string pod, string container, Exception exception);
}
