namespace MiniKube.Kubelet;

/// <summary>
/// The seam between the kubelet core (pod workers, status, probes, stats) and a container engine. One instance serves
/// one node: it labels what it creates with the node's name and only ever lists, inspects or removes containers that
/// carry that label, so several nodes can share one engine. Implementations: <see cref="DockerRuntime"/> and
/// <see cref="SimulatedRuntime"/>.
/// </summary>
public interface IContainerRuntime : IAsyncDisposable
{
    /// <summary>Kubernetes' form, e.g. <c>docker://20.10.24</c>.</summary>
    Task<string> GetVersionAsync(CancellationToken cancellationToken);

    /// <summary>This node's containers (sandboxes and app containers, any state); only one pod's when <paramref name="podUid"/> is set.</summary>
    Task<IReadOnlyList<RuntimeContainer>> ListContainersAsync(string? podUid, CancellationToken cancellationToken);

    /// <summary>One container of this node, or null when it is gone.</summary>
    Task<RuntimeContainer?> InspectContainerAsync(string id, CancellationToken cancellationToken);

    Task<bool> ImageExistsAsync(string image, CancellationToken cancellationToken);

    /// <summary>Pulls an image; throws <see cref="ImagePullException"/> with the engine's message when it cannot.</summary>
    Task PullImageAsync(string image, CancellationToken cancellationToken);

    /// <summary>Creates and starts a pod sandbox; returns it inspected (with its IP).</summary>
    Task<RuntimeContainer> RunSandboxAsync(SandboxSpec spec, CancellationToken cancellationToken);

    /// <summary>Creates an app container in a sandbox's network namespace; returns its ID.</summary>
    Task<string> CreateContainerAsync(ContainerSpec spec, CancellationToken cancellationToken);

    Task StartContainerAsync(string id, CancellationToken cancellationToken);

    /// <summary>SIGTERM, then SIGKILL once <paramref name="gracePeriod"/> has passed. A container already stopped is fine.</summary>
    Task StopContainerAsync(string id, TimeSpan gracePeriod, CancellationToken cancellationToken);

    /// <summary>Removes a container (forcefully); one already gone is fine.</summary>
    Task RemoveContainerAsync(string id, CancellationToken cancellationToken);

    /// <summary>Runs a command in a running container, non-interactively.</summary>
    Task<ExecResult> ExecAsync(string id, IReadOnlyList<string> command, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>
    /// Starts a command in a running container with its standard streams attached (Kubernetes' interactive exec: stdin,
    /// a TTY); the caller relays them and disposes the stream.
    /// </summary>
    Task<IContainerStream> StartExecStreamAsync(string id, IReadOnlyList<string> command, StreamOptions options, CancellationToken cancellationToken);

    /// <summary>Attaches to a running container's own standard streams (its output from now on; its stdin if the container keeps one open).</summary>
    Task<IContainerStream> AttachAsync(string id, StreamOptions options, CancellationToken cancellationToken);

    /// <summary>Copies a container's logs (stdout and stderr, demultiplexed, in order) to <paramref name="output"/>.</summary>
    Task WriteLogsAsync(string id, LogOptions options, Stream output, CancellationToken cancellationToken);

    /// <summary>Lifecycle events of this node's containers until cancelled (throws when the stream breaks).</summary>
    IAsyncEnumerable<RuntimeEvent> WatchEventsAsync(CancellationToken cancellationToken);

    /// <summary>One long-lived stream of resource samples for a running container; ends when the container stops.</summary>
    IAsyncEnumerable<ContainerStatsSample> StreamStatsAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Changes a running container's cpu and memory settings in place (in-place pod resize: Docker's container update) and
    /// returns it inspected again. A runtime that cannot (test doubles) says so with a <see cref="ContainerRuntimeException"/>.
    /// </summary>
    Task<RuntimeContainer?> UpdateContainerResourcesAsync(string id, ContainerResources resources, CancellationToken cancellationToken) =>
        throw new ContainerRuntimeException("this container runtime cannot change a container's resources in place");
}

/// <summary>The cgroup settings the kubelet gives a container, in Docker's units; 0 means none (unlimited).</summary>
public sealed record ContainerResources(long NanoCpus, long CpuShares, long MemoryBytes);

public enum RuntimeContainerState
{
    Created,
    Running,
    Exited,
    Unknown,
}

/// <summary>A container as the runtime reports it, with the kubelet's labels decoded.</summary>
public sealed record RuntimeContainer
{
    public required string Id { get; init; }
    public required string PodUid { get; init; }
    public string PodName { get; init; } = "";
    public string PodNamespace { get; init; } = "";
    /// <summary>The pod's container name; empty for a sandbox.</summary>
    public string ContainerName { get; init; } = "";
    public bool IsSandbox { get; init; }
    public int RestartCount { get; init; }
    public string SandboxId { get; init; } = "";
    public string SpecHash { get; init; } = "";
    public string Image { get; init; } = "";
    public string ImageId { get; init; } = "";
    public RuntimeContainerState State { get; init; }
    public int ExitCode { get; init; }
    public bool OomKilled { get; init; }
    public string? Error { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    /// <summary>The sandbox's address on the bridge (sandboxes only).</summary>
    public string? IpAddress { get; init; }
    /// <summary>The cpu and memory settings the container runs with, as the runtime reports them (null when unknown).</summary>
    public ContainerResources? Resources { get; init; }
}

public sealed record PortMapping(int ContainerPort, int HostPort, string Protocol, string HostIp);

public sealed record MountSpec(string HostPath, string ContainerPath, bool ReadOnly);

public sealed record SandboxSpec
{
    public required string Name { get; init; }
    public required string Image { get; init; }
    public required string Hostname { get; init; }
    public required IReadOnlyDictionary<string, string> Labels { get; init; }
    public IReadOnlyList<string> Dns { get; init; } = [];
    public IReadOnlyList<string> DnsSearch { get; init; } = [];
    public IReadOnlyList<string> DnsOptions { get; init; } = [];
    public IReadOnlyList<string> ExtraHosts { get; init; } = [];
    public IReadOnlyList<PortMapping> Ports { get; init; } = [];
    /// <summary>Kubernetes' <c>hostNetwork</c>: the sandbox (and so the pod) uses the node's network namespace.</summary>
    public bool HostNetwork { get; init; }
}

public sealed record ContainerSpec
{
    public required string Name { get; init; }
    public required string Image { get; init; }
    public required string SandboxId { get; init; }
    public required IReadOnlyDictionary<string, string> Labels { get; init; }
    /// <summary>Kubernetes' <c>command</c>: replaces the image's entrypoint.</summary>
    public IReadOnlyList<string>? Entrypoint { get; init; }
    /// <summary>Kubernetes' <c>args</c>: replaces the image's cmd.</summary>
    public IReadOnlyList<string>? Cmd { get; init; }
    public IReadOnlyList<string> Env { get; init; } = [];
    public string? WorkingDir { get; init; }
    public IReadOnlyList<MountSpec> Mounts { get; init; } = [];
    public long? NanoCpus { get; init; }
    public long? MemoryBytes { get; init; }
    public long? CpuShares { get; init; }
    /// <summary>Kubernetes' <c>stdin</c>: the container keeps a stdin open for <c>attach</c>.</summary>
    public bool Stdin { get; init; }
    /// <summary>Kubernetes' <c>stdinOnce</c>: stdin closes when the first attached client leaves.</summary>
    public bool StdinOnce { get; init; }
    /// <summary>Kubernetes' <c>tty</c>.</summary>
    public bool Tty { get; init; }
    /// <summary>Kubernetes' <c>securityContext.privileged</c>.</summary>
    public bool Privileged { get; init; }
}

/// <summary>Which standard streams an exec or attach connects, and whether it is a TTY (one output stream, resizable).</summary>
public sealed record StreamOptions(bool Stdin, bool Stdout, bool Stderr, bool Tty);

/// <summary>One piece of a process's output: <see cref="Count"/> bytes of stdout or stderr; a count of 0 is the end.</summary>
public readonly record struct OutputChunk(int Count, bool IsStderr);

/// <summary>The standard streams of an exec'd process or an attached container, as <see cref="IContainerRuntime"/> hands them out.</summary>
public interface IContainerStream : IAsyncDisposable
{
    /// <summary>Reads the next piece of output into <paramref name="buffer"/>; a count of 0 when the output has ended.</summary>
    Task<OutputChunk> ReadOutputAsync(byte[] buffer, CancellationToken cancellationToken);

    Task WriteStdinAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Ends the process's stdin (it reads end of file).</summary>
    void CloseStdin();

    /// <summary>Resizes the TTY (ignored without one).</summary>
    Task ResizeAsync(int width, int height, CancellationToken cancellationToken);

    /// <summary>The exit code of an exec'd command once its output ended; null for an attach (the container runs on).</summary>
    Task<int?> ExitCodeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Ends an exec'd command that still runs, with everything it started (its client went away, so nobody can type
    /// <c>exit</c> into it or read what it prints); nothing for an attach (the container is not the client's).
    /// </summary>
    Task EndAsync(CancellationToken cancellationToken);
}

public sealed record ExecResult(string Stdout, string Stderr, int ExitCode, bool TimedOut = false);

/// <param name="Since">Only lines written at or after this time (Kubernetes' sinceSeconds / sinceTime).</param>
public sealed record LogOptions(bool Follow = false, int? TailLines = null, bool Timestamps = false, DateTimeOffset? Since = null);

/// <summary>A container lifecycle event (start, die, oom, destroy …).</summary>
public sealed record RuntimeEvent(string ContainerId, string PodUid, string Action);

public sealed record ContainerStatsSample(DateTimeOffset Timestamp, ulong CpuUsageNanoseconds, ulong WorkingSetBytes, ulong MemoryUsageBytes);

/// <summary>An image could not be pulled; the message is the engine's.</summary>
public sealed class ImagePullException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The runtime refused to create or start a container; the message is the engine's.</summary>
public sealed class ContainerRuntimeException(string message, Exception? inner = null) : Exception(message, inner);
