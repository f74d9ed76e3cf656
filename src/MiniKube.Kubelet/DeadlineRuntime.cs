namespace MiniKube.Kubelet;

/// <summary>A container runtime call that did not answer within its deadline (the engine is hung or overloaded).</summary>
public sealed class RuntimeTimeoutException(string call, TimeSpan deadline)
    : TimeoutException($"the container runtime did not answer {call} within {deadline.TotalSeconds:0.#} s")
{
    public string Call { get; } = call;
}

/// <summary>
/// Gives every call of a runtime a deadline (<c>--runtime-request-timeout</c>, as Kubernetes' kubelet does for CRI calls):
/// the token is cancelled, and the call is abandoned even when the client library ignores the token, so a pod worker
/// never blocks forever on a hung dockerd. Stops get their grace period on top, pulls their own timeout, execs theirs;
/// long-lived streams (events, stats, followed logs, interactive exec and attach) have no deadline of their own.
/// </summary>
public sealed class DeadlineRuntime(IContainerRuntime inner, TimeSpan timeout, TimeSpan pullTimeout, TimeProvider time) : IContainerRuntime
{
    public TimeSpan Timeout => timeout;

    public Task<string> GetVersionAsync(CancellationToken cancellationToken) =>
        Bounded("version", timeout, ct => inner.GetVersionAsync(ct), cancellationToken);

    public Task<IReadOnlyList<RuntimeContainer>> ListContainersAsync(string? podUid, CancellationToken cancellationToken) =>
        Bounded("list containers", timeout, ct => inner.ListContainersAsync(podUid, ct), cancellationToken);

    public Task<RuntimeContainer?> InspectContainerAsync(string id, CancellationToken cancellationToken) =>
        Bounded("inspect container", timeout, ct => inner.InspectContainerAsync(id, ct), cancellationToken);

    public Task<bool> ImageExistsAsync(string image, CancellationToken cancellationToken) =>
        Bounded("inspect image", timeout, ct => inner.ImageExistsAsync(image, ct), cancellationToken);

    public Task PullImageAsync(string image, CancellationToken cancellationToken) =>
        Bounded("pull image", pullTimeout + timeout, async ct => { await inner.PullImageAsync(image, ct).ConfigureAwait(false); return true; }, cancellationToken);

    public Task<RuntimeContainer> RunSandboxAsync(SandboxSpec spec, CancellationToken cancellationToken) =>
        Bounded("run sandbox", timeout, ct => inner.RunSandboxAsync(spec, ct), cancellationToken);

    public Task<string> CreateContainerAsync(ContainerSpec spec, CancellationToken cancellationToken) =>
        Bounded("create container", timeout, ct => inner.CreateContainerAsync(spec, ct), cancellationToken);

    public Task StartContainerAsync(string id, CancellationToken cancellationToken) =>
        Bounded("start container", timeout, async ct => { await inner.StartContainerAsync(id, ct).ConfigureAwait(false); return true; }, cancellationToken);

    public Task StopContainerAsync(string id, TimeSpan gracePeriod, CancellationToken cancellationToken) =>
        Bounded("stop container", gracePeriod + timeout, async ct => { await inner.StopContainerAsync(id, gracePeriod, ct).ConfigureAwait(false); return true; },
            cancellationToken);

    public Task<RuntimeContainer?> UpdateContainerResourcesAsync(string id, ContainerResources resources, CancellationToken cancellationToken) =>
        Bounded("update container", timeout, ct => inner.UpdateContainerResourcesAsync(id, resources, ct), cancellationToken);

    public Task RemoveContainerAsync(string id, CancellationToken cancellationToken) =>
        Bounded("remove container", timeout, async ct => { await inner.RemoveContainerAsync(id, ct).ConfigureAwait(false); return true; }, cancellationToken);

    public Task<ExecResult> ExecAsync(string id, IReadOnlyList<string> command, TimeSpan execTimeout, CancellationToken cancellationToken) =>
        Bounded("exec", execTimeout + timeout, ct => inner.ExecAsync(id, command, execTimeout, ct), cancellationToken);

    // Interactive streams belong to their client (it ends them), like followed logs.
    public Task<IContainerStream> StartExecStreamAsync(string id, IReadOnlyList<string> command, StreamOptions options, CancellationToken cancellationToken) =>
        inner.StartExecStreamAsync(id, command, options, cancellationToken);

    public Task<IContainerStream> AttachAsync(string id, StreamOptions options, CancellationToken cancellationToken) =>
        inner.AttachAsync(id, options, cancellationToken);

    public Task WriteLogsAsync(string id, LogOptions options, Stream output, CancellationToken cancellationToken) =>
        options.Follow
            ? inner.WriteLogsAsync(id, options, output, cancellationToken)
            : Bounded("logs", timeout, async ct => { await inner.WriteLogsAsync(id, options, output, ct).ConfigureAwait(false); return true; }, cancellationToken);

    public IAsyncEnumerable<RuntimeEvent> WatchEventsAsync(CancellationToken cancellationToken) => inner.WatchEventsAsync(cancellationToken);

    public IAsyncEnumerable<ContainerStatsSample> StreamStatsAsync(string id, CancellationToken cancellationToken) => inner.StreamStatsAsync(id, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private async Task<T> Bounded<T>(string call, TimeSpan deadline, Func<CancellationToken, Task<T>> run, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(deadline);
        var task = run(cts.Token);
        try
        {
            // WaitAsync: give up even if the library does not honour the token (the abandoned call ends on its own).
            return await task.WaitAsync(deadline, time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && (ex is TimeoutException || (ex is OperationCanceledException && cts.IsCancellationRequested)))
        {
            _ = task.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
            throw new RuntimeTimeoutException(call, deadline);
        }
    }
}
