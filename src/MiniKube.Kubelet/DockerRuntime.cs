using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace MiniKube.Kubelet;

/// <summary>
/// <see cref="IContainerRuntime"/> over the Docker Engine API (Docker.DotNet.Enhanced). Sandboxes sit on the default
/// bridge and own the pod's network namespace; app containers join it and run under docker-init so signals reach them.
/// </summary>
public sealed class DockerRuntime : IContainerRuntime
{
    /// <summary>The engine API version of Docker 20.10 (Debian's docker.io); newer engines still accept it.</summary>
    public static readonly System.Version ApiVersion = new(1, 41);

    private const string HostNetworkMode = "host";

    private readonly DockerClient _docker;
    private readonly string _node;
    private readonly TimeSpan _pullTimeout;
    // Inspect results of running and exited containers: a running container's start and an exited one's end never change.
    private readonly ConcurrentDictionary<string, RuntimeContainer> _inspected = new(StringComparer.Ordinal);
    // An exit may be inspected before Docker records that the memory limit caused it: see OomKillSettler.
    private readonly OomKillSettler _oom;
    private readonly Func<string, CancellationToken, Task<ContainerInspectResponse>> _inspect;

    public DockerRuntime(Uri endpoint, string nodeName, TimeSpan pullTimeout, TimeProvider? time = null)
        : this(endpoint, nodeName, pullTimeout, new OomKillSettler(time ?? TimeProvider.System), null)
    {
    }

    /// <summary>Tests replace the engine's inspect call (<paramref name="inspect"/>) and the settler's pauses.</summary>
    internal DockerRuntime(Uri endpoint, string nodeName, TimeSpan pullTimeout, OomKillSettler oom,
        Func<string, CancellationToken, Task<ContainerInspectResponse>>? inspect)
    {
        _node = nodeName;
        _pullTimeout = pullTimeout;
        _oom = oom;
        _docker = new DockerClientBuilder().WithEndpoint(endpoint).WithApiVersion(ApiVersion).Build();
        _inspect = inspect ?? ((id, ct) => _docker.Containers.InspectContainerAsync(id, ct));
    }

    public async Task<string> GetVersionAsync(CancellationToken cancellationToken)
    {
        var version = await _docker.System.GetVersionAsync(cancellationToken).ConfigureAwait(false);
        // "20.10.24+dfsg1" → "20.10.24": Kubernetes shows the semantic version.
        var plain = version.Version.Split('+', '-')[0];
        return "docker://" + plain;
    }

    public async Task<IReadOnlyList<RuntimeContainer>> ListContainersAsync(string? podUid, CancellationToken cancellationToken)
    {
        var labels = new Dictionary<string, bool>(StringComparer.Ordinal) { [$"{ContainerLabels.Node}={_node}"] = true };
        if (podUid is not null)
        {
            labels[$"{ContainerLabels.PodUid}={podUid}"] = true;
        }
        var listed = await _docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>(StringComparer.Ordinal) { ["label"] = labels },
        }, cancellationToken).ConfigureAwait(false);
        var result = new List<RuntimeContainer>(listed.Count);
        var live = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in listed)
        {
            live.Add(item.ID);
            var state = ParseState(item.State);
            if (_inspected.TryGetValue(item.ID, out var known) && known.State == state)
            {
                result.Add(_oom.Apply(known));
                continue;
            }
            var inspected = await InspectAsync(item.ID, cancellationToken).ConfigureAwait(false);
            if (inspected is not null)
            {
                result.Add(inspected);
            }
        }
        if (podUid is null)
        {
            foreach (var id in _inspected.Keys)
            {
                if (!live.Contains(id))
                {
                    _inspected.TryRemove(id, out _);
                    _oom.Forget(id);
                }
            }
        }
        return result;
    }

    public Task<RuntimeContainer?> InspectContainerAsync(string id, CancellationToken cancellationToken) => InspectAsync(id, cancellationToken);

    public async Task<bool> ImageExistsAsync(string image, CancellationToken cancellationToken)
    {
        try
        {
            await _docker.Images.InspectImageAsync(image, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (DockerImageNotFoundException)
        {
            return false;
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    public async Task PullImageAsync(string image, CancellationToken cancellationToken)
    {
        var (repository, tag) = SplitImage(image);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_pullTimeout);
        string? error = null;
        try
        {
            await _docker.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = repository, Tag = tag }, null,
                new SynchronousProgress<JSONMessage>(m => error ??= m.Error?.Message), deadline.Token).ConfigureAwait(false);
        }
        catch (DockerApiException ex)
        {
            throw new ImagePullException(EngineMessage(ex), ex);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ImagePullException($"pulling image \"{image}\" did not finish within {_pullTimeout.TotalSeconds:0} s");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            throw new ImagePullException(ex.Message, ex);
        }
        if (error is not null)
        {
            throw new ImagePullException(error);
        }
    }

    public async Task<RuntimeContainer> RunSandboxAsync(SandboxSpec spec, CancellationToken cancellationToken)
    {
        var exposed = new Dictionary<string, EmptyStruct>(StringComparer.Ordinal);
        var bindings = new Dictionary<string, IList<PortBinding>>(StringComparer.Ordinal);
        foreach (var port in spec.Ports)
        {
            var key = string.Create(CultureInfo.InvariantCulture, $"{port.ContainerPort}/{port.Protocol.ToLowerInvariant()}");
            exposed[key] = default;
            if (!bindings.TryGetValue(key, out var list))
            {
                bindings[key] = list = [];
            }
            list.Add(new PortBinding { HostIP = port.HostIp, HostPort = port.HostPort.ToString(CultureInfo.InvariantCulture) });
        }
        var parameters = new CreateContainerParameters
        {
            Name = spec.Name,
            Image = spec.Image,
            // A hostNetwork pod has the node's hostname, as in Kubernetes.
            Hostname = spec.HostNetwork ? null! : spec.Hostname,
            Labels = new Dictionary<string, string>(spec.Labels, StringComparer.Ordinal),
            ExposedPorts = exposed.Count > 0 ? exposed : null!,
            HostConfig = new HostConfig
            {
                NetworkMode = spec.HostNetwork ? HostNetworkMode : "bridge",
                DNS = spec.Dns.Count > 0 ? [.. spec.Dns] : null!,
                DNSSearch = spec.DnsSearch.Count > 0 ? [.. spec.DnsSearch] : null!,
                DNSOptions = spec.DnsOptions.Count > 0 ? [.. spec.DnsOptions] : null!,
                ExtraHosts = spec.ExtraHosts.Count > 0 ? [.. spec.ExtraHosts] : null!,
                PortBindings = bindings.Count > 0 ? bindings : null!,
            },
        };
        var id = await CreateAsync(parameters, cancellationToken).ConfigureAwait(false);
        await StartContainerAsync(id, cancellationToken).ConfigureAwait(false);
        return await InspectAsync(id, cancellationToken).ConfigureAwait(false)
            ?? throw new ContainerRuntimeException($"sandbox {spec.Name} vanished right after it started");
    }

    public Task<string> CreateContainerAsync(ContainerSpec spec, CancellationToken cancellationToken)
    {
        var parameters = new CreateContainerParameters
        {
            Name = spec.Name,
            Image = spec.Image,
            Labels = new Dictionary<string, string>(spec.Labels, StringComparer.Ordinal),
            Entrypoint = spec.Entrypoint is null ? null! : [.. spec.Entrypoint],
            Cmd = spec.Cmd is null ? null! : [.. spec.Cmd],
            Env = [.. spec.Env],
            WorkingDir = spec.WorkingDir!,
            // Kubernetes' stdin, stdinOnce and tty: a stdin kept open for attach (docker run -d -i).
            OpenStdin = spec.Stdin,
            StdinOnce = spec.StdinOnce,
            Tty = spec.Tty,
            HostConfig = new HostConfig
            {
                NetworkMode = "container:" + spec.SandboxId,
                Init = true,
                Binds = spec.Mounts.Count > 0 ? [.. spec.Mounts.Select(m => $"{m.HostPath}:{m.ContainerPath}{(m.ReadOnly ? ":ro" : "")}")] : null!,
                NanoCPUs = spec.NanoCpus ?? 0,
                Memory = spec.MemoryBytes ?? 0,
                // As in Kubernetes: no swap on top of the memory limit, so going over it is an OOM kill.
                MemorySwap = spec.MemoryBytes ?? 0,
                CPUShares = spec.CpuShares ?? 0,
            },
        };
        if (spec.Privileged)
        {
            PrivilegedMode.Apply(parameters.HostConfig, PrivilegedMode.MissingHere);
        }
        return CreateAsync(parameters, cancellationToken);
    }

    public async Task StartContainerAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            await _docker.Containers.StartContainerAsync(id, new ContainerStartParameters(), cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException ex)
        {
            throw new ContainerRuntimeException(EngineMessage(ex), ex);
        }
    }

    public async Task StopContainerAsync(string id, TimeSpan gracePeriod, CancellationToken cancellationToken)
    {
        _oom.StopRequested(id);
        try
        {
            await _docker.Containers.StopContainerAsync(id, new ContainerStopParameters
            {
                WaitBeforeKillSeconds = (uint)Math.Clamp(Math.Ceiling(gracePeriod.TotalSeconds), 0, uint.MaxValue),
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerContainerNotFoundException)
        {
        }
        catch (DockerApiException ex) when (ex.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.NotModified)
        {
        }
    }

    public async Task RemoveContainerAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            await _docker.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (DockerContainerNotFoundException)
        {
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound
                                            || (ex.StatusCode == HttpStatusCode.Conflict && (ex.ResponseBody ?? "").Contains("already in progress", StringComparison.Ordinal)))
        {
        }
        _inspected.TryRemove(id, out _);
        _oom.Forget(id);
    }

    public async Task<ExecResult> ExecAsync(string id, IReadOnlyList<string> command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ContainerExecCreateResponse created;
        try
        {
            created = await _docker.Exec.CreateContainerExecAsync(id, new ContainerExecCreateParameters
            {
                AttachStdout = true,
                AttachStderr = true,
                Cmd = [.. command],
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException ex)
        {
            throw new ContainerRuntimeException(EngineMessage(ex), ex);
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var stream = await _docker.Exec.StartContainerExecAsync(created.ID, new ContainerExecStartParameters(), deadline.Token).ConfigureAwait(false);
            var (stdout, stderr) = await stream.ReadOutputToEndAsync(deadline.Token).ConfigureAwait(false);
            var inspect = await _docker.Exec.InspectContainerExecAsync(created.ID, cancellationToken).ConfigureAwait(false);
            return new ExecResult(stdout, stderr, (int)(inspect.ExitCode ?? -1));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ExecResult("", "", -1, TimedOut: true);
        }
        catch (DockerApiException ex)
        {
            throw new ContainerRuntimeException(EngineMessage(ex), ex);
        }
    }

    public async Task<IContainerStream> StartExecStreamAsync(string id, IReadOnlyList<string> command, StreamOptions options, CancellationToken cancellationToken)
    {
        try
        {
            var created = await _docker.Exec.CreateContainerExecAsync(id, new ContainerExecCreateParameters
            {
                AttachStdin = options.Stdin,
                AttachStdout = options.Stdout,
                AttachStderr = options.Stderr,
                TTY = options.Tty,
                Cmd = [.. command],
            }, cancellationToken).ConfigureAwait(false);
            var stream = await _docker.Exec.StartContainerExecAsync(created.ID, new ContainerExecStartParameters { TTY = options.Tty }, cancellationToken)
                .ConfigureAwait(false);
            return new DockerContainerStream(stream,
                (w, h, ct) => _docker.Exec.ResizeExecTtyAsync(created.ID, new ContainerResizeParameters { Width = w, Height = h }, ct),
                async ct => (int?)(int)((await _docker.Exec.InspectContainerExecAsync(created.ID, ct).ConfigureAwait(false)).ExitCode ?? -1),
                ct => EndExecAsync(created.ID, ct));
        }
        catch (DockerApiException ex)
        {
            throw new ContainerRuntimeException(EngineMessage(ex), ex);
        }
    }

    /// <summary>
    /// Kills an exec's process tree if it still runs. Docker neither hangs up an exec's TTY nor signals its process when the
    /// attached stream closes, and has no API to kill an exec; the exec's pid is the host's (the kubelet runs on the
    /// Docker host, as root), so the kubelet kills it itself.
    /// </summary>
    private async Task EndExecAsync(string execId, CancellationToken cancellationToken)
    {
        ContainerExecInspectResponse inspect;
        try
        {
            inspect = await _docker.Exec.InspectContainerExecAsync(execId, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException)
        {
            return; // the container (and the exec with it) is gone
        }
        if (inspect.Running && inspect.Pid > 0)
        {
            HostProcess.KillTree((int)inspect.Pid);
        }
    }

    public async Task<IContainerStream> AttachAsync(string id, StreamOptions options, CancellationToken cancellationToken)
    {
        try
        {
            var stream = await _docker.Containers.AttachContainerAsync(id, new ContainerAttachParameters
            {
                Stream = true,
                Stdin = options.Stdin,
                Stdout = options.Stdout,
                Stderr = options.Stderr,
            }, cancellationToken).ConfigureAwait(false);
            return new DockerContainerStream(stream,
                (w, h, ct) => _docker.Containers.ResizeContainerTtyAsync(id, new ContainerResizeParameters { Width = w, Height = h }, ct),
                _ => Task.FromResult<int?>(null),
                _ => Task.CompletedTask);
        }
        catch (DockerApiException ex)
        {
            throw new ContainerRuntimeException(EngineMessage(ex), ex);
        }
    }

    public async Task WriteLogsAsync(string id, LogOptions options, Stream output, CancellationToken cancellationToken)
    {
        using var stream = await _docker.Containers.GetContainerLogsAsync(id, new ContainerLogsParameters
        {
            ShowStdout = true,
            ShowStderr = true,
            Follow = options.Follow,
            Timestamps = options.Timestamps,
            Tail = options.TailLines is { } n ? n.ToString(CultureInfo.InvariantCulture) : "all",
            // Docker takes a Unix time with a fractional part.
            Since = options.Since is { } since ? (since.ToUnixTimeMilliseconds() / 1000.0).ToString("0.000", CultureInfo.InvariantCulture) : null,
        }, cancellationToken).ConfigureAwait(false);
        await stream.CopyOutputToAsync(Stream.Null, output, output, cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<RuntimeEvent> WatchEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filters = new Dictionary<string, IDictionary<string, bool>>(StringComparer.Ordinal)
        {
            ["type"] = new Dictionary<string, bool>(StringComparer.Ordinal) { ["container"] = true },
            ["label"] = new Dictionary<string, bool>(StringComparer.Ordinal) { [$"{ContainerLabels.Node}={_node}"] = true },
        };
        var channel = Channel.CreateUnbounded<RuntimeEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var monitor = _docker.System.MonitorEventsAsync(new ContainerEventsParameters { Filters = filters }, new SynchronousProgress<Message>(m =>
        {
            var id = m.Actor?.ID ?? "";
            if (m.Actor?.Attributes is { } attributes && attributes.TryGetValue(ContainerLabels.PodUid, out var uid))
            {
                if (m.Action == "oom")
                {
                    _oom.OomReported(id);
                }
                // "update": someone changed the container's resources (docker update); the cached settings are stale.
                if (m.Action is "die" or "destroy" or "oom" or "update")
                {
                    _inspected.TryRemove(id, out _);
                }
                if (m.Action == "destroy")
                {
                    _oom.Forget(id);
                }
                channel.Writer.TryWrite(new RuntimeEvent(id, uid, m.Action ?? ""));
            }
        }), cancellationToken);
        _ = monitor.ContinueWith(t => channel.Writer.TryComplete(t.Exception?.InnerException ?? new IOException("the Docker event stream ended")),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        await foreach (var e in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return e;
        }
    }

    public async IAsyncEnumerable<ContainerStatsSample> StreamStatsAsync(string id, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<ContainerStatsSample>(new BoundedChannelOptions(4) { FullMode = BoundedChannelFullMode.DropOldest });
        var stream = _docker.Containers.GetContainerStatsAsync(id, new ContainerStatsParameters { Stream = true },
            new SynchronousProgress<ContainerStatsResponse>(r =>
            {
                if (ToSample(r) is { } sample)
                {
                    channel.Writer.TryWrite(sample);
                }
            }), cancellationToken);
        _ = stream.ContinueWith(t => channel.Writer.TryComplete(t.Exception?.InnerException is DockerContainerNotFoundException ? null : t.Exception?.InnerException),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        await foreach (var sample in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return sample;
        }
    }

    public ValueTask DisposeAsync()
    {
        _docker.Dispose();
        return ValueTask.CompletedTask;
    }

    internal static ContainerStatsSample? ToSample(ContainerStatsResponse response)
    {
        // A stopped container's last frame carries zero values and the zero time.
        if (response.Read.Year < 2000)
        {
            return null;
        }
        var cpu = response.CPUStats?.CPUUsage?.TotalUsage ?? 0;
        var usage = response.MemoryStats?.Usage ?? 0;
        ulong inactive = 0;
        if (response.MemoryStats?.Stats is { } stats)
        {
            // cgroup v2 reports inactive_file, v1 total_inactive_file; working set = usage - inactive file cache.
            if (!stats.TryGetValue("inactive_file", out inactive))
            {
                stats.TryGetValue("total_inactive_file", out inactive);
            }
        }
        var at = new DateTimeOffset(DateTime.SpecifyKind(response.Read, DateTimeKind.Utc));
        return new ContainerStatsSample(at, cpu, usage > inactive ? usage - inactive : 0, usage);
    }

    private async Task<string> CreateAsync(CreateContainerParameters parameters, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var created = await _docker.Containers.CreateContainerAsync(parameters, cancellationToken).ConfigureAwait(false);
                return created.ID;
            }
            catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict && attempt == 0)
            {
                // A leftover of an earlier attempt holds the name (names embed the pod UID, so it is ours): replace it.
                await RemoveContainerAsync(parameters.Name ?? "", cancellationToken).ConfigureAwait(false);
            }
            catch (DockerImageNotFoundException ex)
            {
                throw new ContainerRuntimeException(EngineMessage(ex), ex);
            }
            catch (DockerApiException ex)
            {
                throw new ContainerRuntimeException(EngineMessage(ex), ex);
            }
        }
    }

    public async Task<RuntimeContainer?> UpdateContainerResourcesAsync(string id, ContainerResources resources, CancellationToken cancellationToken)
    {
        try
        {
            // Memory without swap, as at creation (MemorySwap = Memory); Docker takes 0 as "leave as is" for both.
            await _docker.Containers.UpdateContainerAsync(id, new ContainerUpdateParameters
            {
                NanoCPUs = resources.NanoCpus,
                CPUShares = resources.CpuShares,
                Memory = resources.MemoryBytes,
                MemorySwap = resources.MemoryBytes,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException ex)
        {
            throw new ContainerRuntimeException(EngineMessage(ex), ex);
        }
        // The engine applied exactly these settings: the cached inspection takes them without another round trip (the update
        // event that follows drops the entry, so the next sync reads the container again anyway).
        if (_inspected.TryGetValue(id, out var cached))
        {
            var updated = cached with { Resources = resources };
            _inspected[id] = updated;
            return updated;
        }
        return await InspectAsync(id, cancellationToken).ConfigureAwait(false);
    }

    private async Task<RuntimeContainer?> InspectAsync(string id, CancellationToken cancellationToken)
    {
        var (first, memoryLimit) = await InspectOnceAsync(id, cancellationToken).ConfigureAwait(false);
        var container = first is null ? null
            : await _oom.SettleAsync(first, memoryLimit, ct => InspectOnceAsync(id, ct), cancellationToken).ConfigureAwait(false);
        if (container is null)
        {
            _inspected.TryRemove(id, out _);
            return null;
        }
        if (container.State is RuntimeContainerState.Running or RuntimeContainerState.Exited)
        {
            _inspected[id] = container;
        }
        return container;
    }

    /// <summary>One inspection: the container (null when it is gone or not the kubelet's) and its memory limit.</summary>
    private async Task<(RuntimeContainer? Container, long MemoryLimitBytes)> InspectOnceAsync(string id, CancellationToken cancellationToken)
    {
        ContainerInspectResponse inspect;
        try
        {
            inspect = await _inspect(id, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerContainerNotFoundException)
        {
            return (null, 0);
        }
        var decoded = ContainerLabels.Decode(inspect.ID, inspect.Config?.Labels);
        if (decoded is null)
        {
            return (null, 0);
        }
        var state = inspect.State;
        var runtimeState = state switch
        {
            null => RuntimeContainerState.Unknown,
            { Running: true } => RuntimeContainerState.Running,
            { Status: "created" } => RuntimeContainerState.Created,
            { Status: "exited" or "dead" } => RuntimeContainerState.Exited,
            _ => RuntimeContainerState.Unknown,
        };
        string? ip = null;
        if (inspect.HostConfig?.NetworkMode == HostNetworkMode)
        {
            // A hostNetwork pod's IP is its node's (status.podIP = status.hostIP), as in Kubernetes.
            ip = ContainerConfigBuilder.HostIp;
        }
        else if (inspect.NetworkSettings?.Networks is { } networks)
        {
            ip = networks.TryGetValue("bridge", out var bridge) && !string.IsNullOrEmpty(bridge.IPAddress)
                ? bridge.IPAddress
                : networks.Values.Select(n => n.IPAddress).FirstOrDefault(a => !string.IsNullOrEmpty(a));
        }
        var container = decoded with
        {
            Image = inspect.Config?.Image ?? "",
            ImageId = inspect.Image ?? "",
            State = runtimeState,
            ExitCode = (int)(state?.ExitCode ?? 0),
            OomKilled = state?.OOMKilled ?? false,
            Error = string.IsNullOrEmpty(state?.Error) ? null : state!.Error,
            CreatedAt = new DateTimeOffset(DateTime.SpecifyKind(inspect.Created, DateTimeKind.Utc)),
            StartedAt = ParseTime(state?.StartedAt),
            FinishedAt = runtimeState == RuntimeContainerState.Exited ? ParseTime(state?.FinishedAt) : null,
            IpAddress = ip,
            Resources = inspect.HostConfig is { } host ? new ContainerResources(host.NanoCPUs, host.CPUShares, host.Memory) : null,
        };
        return (container, inspect.HostConfig?.Memory ?? 0);
    }

    private static RuntimeContainerState ParseState(string? state) => state switch
    {
        "running" => RuntimeContainerState.Running,
        "created" => RuntimeContainerState.Created,
        "exited" or "dead" => RuntimeContainerState.Exited,
        _ => RuntimeContainerState.Unknown,
    };

    private static DateTimeOffset? ParseTime(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) && t.Year > 1 ? t : null;

    internal static (string Repository, string Tag) SplitImage(string image)
    {
        var at = image.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            return (image[..at], image[(at + 1)..]);
        }
        var slash = image.LastIndexOf('/');
        var colon = image.LastIndexOf(':');
        return colon > slash ? (image[..colon], image[(colon + 1)..]) : (image, "latest");
    }

    /// <summary>The engine's own message (<c>{"message": "…"}</c>) rather than the library's wrapper text.</summary>
    private static string EngineMessage(DockerApiException ex)
    {
        try
        {
            using var doc = JsonDocument.Parse(ex.ResponseBody ?? "{}");
            if (doc.RootElement.TryGetProperty("message", out var message) && message.GetString() is { Length: > 0 } text)
            {
                return text;
            }
        }
        catch (JsonException)
        {
        }
        return string.IsNullOrWhiteSpace(ex.ResponseBody) ? ex.Message : ex.ResponseBody.Trim();
    }

    /// <summary>Reports on the caller's thread, in order (<see cref="Progress{T}"/> posts to the thread pool).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
