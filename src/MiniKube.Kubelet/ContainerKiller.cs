using System.Diagnostics;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Kubelet;

/// <summary>
/// Lifecycle hooks and stopping containers the Kubernetes way: postStart runs right after a start (a failure kills the
/// container); preStop runs before SIGTERM, inside the grace period, and whatever of the grace period is left (at
/// least 2 s) goes to the container before SIGKILL.
/// </summary>
internal sealed class ContainerKiller(IContainerRuntime runtime, EventRecorder? events) : IDisposable
{
    private static readonly TimeSpan MinimumAfterHook = TimeSpan.FromSeconds(2);
    private readonly Prober _prober = new(runtime);

    /// <summary>Runs the container's postStart hook; false (after a FailedPostStartHook event and a kill) when it failed.</summary>
    public async Task<bool> PostStartAsync(Pod pod, Container container, string containerId, string podIp, CancellationToken ct)
    {
        if (container.Lifecycle?.PostStart is not { } hook)
        {
            return true;
        }
        var error = await RunHookAsync(hook, container, containerId, podIp, TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
        if (error is null)
        {
            return true;
        }
        var meta = pod.Metadata;
        events?.Warning(pod, "FailedPostStartHook",
            $"PostStartHook failed for Container \"{container.Name}\" in Pod \"{meta.Name}_{meta.Namespace}({meta.Uid})\": {error}");
        events?.Normal(pod, "Killing", $"FailedPostStartHook");
        await runtime.StopContainerAsync(containerId, GracePeriod(pod), ct).ConfigureAwait(false);
        return false;
    }

    /// <summary>preStop (if any), then SIGTERM and SIGKILL after what is left of <paramref name="grace"/>.</summary>
    public async Task StopAsync(Pod pod, Container? container, RuntimeContainer instance, TimeSpan grace, string podIp, CancellationToken ct)
    {
        if (instance.State != RuntimeContainerState.Running)
        {
            return;
        }
        if (container?.Lifecycle?.PreStop is { } hook)
        {
            var clock = Stopwatch.StartNew();
            var error = await RunHookAsync(hook, container, instance.Id, podIp, grace, ct).ConfigureAwait(false);
            if (error is not null)
            {
                var meta = pod.Metadata;
                events?.Warning(pod, "FailedPreStopHook",
                    $"PreStopHook failed for Container \"{container.Name}\" in Pod \"{meta.Name}_{meta.Namespace}({meta.Uid})\": {error}");
            }
            grace -= clock.Elapsed;
            if (grace < MinimumAfterHook)
            {
                grace = MinimumAfterHook;
            }
        }
        await runtime.StopContainerAsync(instance.Id, grace, ct).ConfigureAwait(false);
    }

    public static TimeSpan GracePeriod(Pod pod) => TimeSpan.FromSeconds(Math.Max(0, pod.Spec?.TerminationGracePeriodSeconds ?? 30));

    public void Dispose() => _prober.Dispose();

    /// <summary>Null on success, else why the hook failed.</summary>
    private async Task<string?> RunHookAsync(LifecycleHandler hook, Container container, string containerId, string podIp, TimeSpan timeout, CancellationToken ct)
    {
        if (hook.Sleep is { } sleep)
        {
            var wait = TimeSpan.FromSeconds(Math.Max(0, sleep.Seconds));
            await Task.Delay(wait < timeout ? wait : timeout, ct).ConfigureAwait(false);
            return null;
        }
        if (hook.Exec is { } exec)
        {
            try
            {
                var result = await runtime.ExecAsync(containerId, exec.Command ?? [], timeout, ct).ConfigureAwait(false);
                if (result.TimedOut)
                {
                    return $"command '{string.Join(' ', exec.Command ?? [])}' did not finish within {timeout.TotalSeconds:0} s";
                }
                return result.ExitCode == 0
                    ? null
                    : $"command '{string.Join(' ', exec.Command ?? [])}' exited with {result.ExitCode}: {(result.Stdout + result.Stderr).Trim()}";
            }
            catch (ContainerRuntimeException ex)
            {
                return ex.Message;
            }
        }
        var seconds = (int)Math.Clamp(Math.Ceiling(timeout.TotalSeconds), 1, int.MaxValue);
        var probe = new Probe { HttpGet = hook.HttpGet, TcpSocket = hook.TcpSocket, TimeoutSeconds = seconds };
        if (probe.HttpGet is null && probe.TcpSocket is null)
        {
            return "the hook has no exec, httpGet, tcpSocket or sleep handler";
        }
        var outcome = await _prober.RunAsync(probe, container, containerId, podIp, ct).ConfigureAwait(false);
        return outcome.Success ? null : outcome.Output;
    }
}
