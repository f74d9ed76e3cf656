using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace MiniKube.Kubelet;

/// <summary>
/// A runtime without containers for hollow nodes (control-plane benchmarks, KWOK-style): containers "run" after a
/// configurable delay, never exit on their own, and sandboxes get fake pod IPs from 10.244.0.0/16. Never proof that
/// real pods work.
/// </summary>
public sealed class SimulatedRuntime(TimeSpan startDelay, TimeProvider time) : IContainerRuntime
{
    private static int s_nextIp;
    private readonly ConcurrentDictionary<string, RuntimeContainer> _containers = new(StringComparer.Ordinal);
    private readonly Channel<RuntimeEvent> _events = Channel.CreateUnbounded<RuntimeEvent>();

    public Task<string> GetVersionAsync(CancellationToken cancellationToken) => Task.FromResult("simulated://1.0.0");

    public Task<IReadOnlyList<RuntimeContainer>> ListContainersAsync(string? podUid, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<RuntimeContainer>>([.. _containers.Values.Where(c => podUid is null || c.PodUid == podUid)]);

    public Task<RuntimeContainer?> InspectContainerAsync(string id, CancellationToken cancellationToken) =>
        Task.FromResult(_containers.TryGetValue(id, out var c) ? c : null);

    public Task<bool> ImageExistsAsync(string image, CancellationToken cancellationToken) => Task.FromResult(true);

    public Task PullImageAsync(string image, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<RuntimeContainer> RunSandboxAsync(SandboxSpec spec, CancellationToken cancellationToken)
    {
        await Delay(cancellationToken).ConfigureAwait(false);
        var n = Interlocked.Increment(ref s_nextIp);
        var ip = string.Create(CultureInfo.InvariantCulture, $"10.244.{(n / 254) % 256}.{(n % 254) + 1}");
        var container = Decode(spec.Labels) with
        {
            State = RuntimeContainerState.Running,
            Image = spec.Image,
            CreatedAt = time.GetUtcNow(),
            StartedAt = time.GetUtcNow(),
            IpAddress = ip,
        };
        _containers[container.Id] = container;
        return container;
    }

    public Task<string> CreateContainerAsync(ContainerSpec spec, CancellationToken cancellationToken)
    {
        var container = Decode(spec.Labels) with
        {
            State = RuntimeContainerState.Created,
            Image = spec.Image,
            ImageId = "sha256:simulated",
            CreatedAt = time.GetUtcNow(),
            Resources = new ContainerResources(spec.NanoCpus ?? 0, spec.CpuShares ?? 0, spec.MemoryBytes ?? 0),
        };
        _containers[container.Id] = container;
        return Task.FromResult(container.Id);
    }

    public async Task StartContainerAsync(string id, CancellationToken cancellationToken)
    {
        await Delay(cancellationToken).ConfigureAwait(false);
        Update(id, c => c with { State = RuntimeContainerState.Running, StartedAt = time.GetUtcNow() });
    }

    public Task StopContainerAsync(string id, TimeSpan gracePeriod, CancellationToken cancellationToken)
    {
        if (Update(id, c => c.State == RuntimeContainerState.Running
                ? c with { State = RuntimeContainerState.Exited, ExitCode = 137, FinishedAt = time.GetUtcNow() }
                : c) is { } stopped)
        {
            _events.Writer.TryWrite(new RuntimeEvent(id, stopped.PodUid, "die"));
        }
        return Task.CompletedTask;
    }

    public Task<RuntimeContainer?> UpdateContainerResourcesAsync(string id, ContainerResources resources, CancellationToken cancellationToken) =>
        Task.FromResult(Update(id, c => c with { Resources = resources }));

    public Task RemoveContainerAsync(string id, CancellationToken cancellationToken)
    {
        _containers.TryRemove(id, out _);
        return Task.CompletedTask;
    }

    public Task<ExecResult> ExecAsync(string id, IReadOnlyList<string> command, TimeSpan timeout, CancellationToken cancellationToken) =>
        Task.FromResult(new ExecResult("", "", 0));

    /// <summary>A simulated process prints nothing and exits 0 (as <see cref="ExecAsync"/>); stdin is dropped.</summary>
    public Task<IContainerStream> StartExecStreamAsync(string id, IReadOnlyList<string> command, StreamOptions options, CancellationToken cancellationToken) =>
        Task.FromResult<IContainerStream>(new SilentStream(0));

    public Task<IContainerStream> AttachAsync(string id, StreamOptions options, CancellationToken cancellationToken) =>
        Task.FromResult<IContainerStream>(new SilentStream(null));

    public async Task WriteLogsAsync(string id, LogOptions options, System.IO.Stream output, CancellationToken cancellationToken)
    {
        var line = "simulated container " + id + " has no logs\n";
        await output.WriteAsync(System.Text.Encoding.UTF8.GetBytes(line), cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<RuntimeEvent> WatchEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var e in _events.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return e;
        }
    }

    /// <summary>
    /// One sample a second while the container runs, so hollow nodes feed the resource metrics pipeline: a steady CPU
    /// rate of 5-50 millicores and a working set of 4-35 MiB, both fixed per container (derived from its id).
    /// </summary>
    public async IAsyncEnumerable<ContainerStatsSample> StreamStatsAsync(string id, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!_containers.TryGetValue(id, out var c) || c.State != RuntimeContainerState.Running)
        {
            yield break;
        }
        var seed = (uint)StringComparer.Ordinal.GetHashCode(id);
        var nanoCores = (5 + seed % 46) * 1_000_000UL;
        var workingSet = (4 + (seed / 46) % 32) * 1024UL * 1024UL;
        var started = c.StartedAt ?? time.GetUtcNow();
        while (!cancellationToken.IsCancellationRequested && _containers.TryGetValue(id, out c) && c.State == RuntimeContainerState.Running)
        {
            var now = time.GetUtcNow();
            var cumulative = (ulong)Math.Max(0, (now - started).TotalSeconds * nanoCores);
            yield return new ContainerStatsSample(now, cumulative, workingSet, workingSet + 1024 * 1024);
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _events.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }

    private Task Delay(CancellationToken ct) => startDelay > TimeSpan.Zero ? Task.Delay(startDelay, time, ct) : Task.CompletedTask;

    private RuntimeContainer? Update(string id, Func<RuntimeContainer, RuntimeContainer> change)
    {
        while (_containers.TryGetValue(id, out var current))
        {
            var next = change(current);
            if (_containers.TryUpdate(id, next, current))
            {
                return next;
            }
        }
        return null;
    }

    private static RuntimeContainer Decode(IReadOnlyDictionary<string, string> labels)
    {
        var id = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");
        return ContainerLabels.Decode(id, labels.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal))
            ?? throw new ContainerRuntimeException("container has no pod labels");
    }
}

/// <summary>The streams of a simulated process: no output, stdin dropped, the given exit code.</summary>
internal sealed class SilentStream(int? exitCode) : IContainerStream
{
    public Task<OutputChunk> ReadOutputAsync(byte[] buffer, CancellationToken cancellationToken) => Task.FromResult(new OutputChunk(0, false));

    public Task WriteStdinAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => Task.CompletedTask;

    public void CloseStdin()
    {
    }

    public Task ResizeAsync(int width, int height, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<int?> ExitCodeAsync(CancellationToken cancellationToken) => Task.FromResult(exitCode);

    public Task EndAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
