using System.Net.Sockets;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace MiniKube.Cluster;

/// <summary>
/// The Docker engine the kubelets drive (<c>DOCKER_HOST</c>, else <c>unix:///var/run/docker.sock</c>): reachability with
/// messages that say what to install or start, local images, and the removal of a cluster's pod containers.
/// </summary>
public sealed class DockerEngine : IDisposable
{
    /// <summary>The label the kubelet puts on every container it creates, with its node's name.</summary>
    public const string NodeLabel = "io.minikube.node";

    /// <summary>Where Docker listens when <c>DOCKER_HOST</c> is not set.</summary>
    public const string DefaultEndpoint = "unix:///var/run/docker.sock";

    private static readonly System.Version ApiVersion = new(1, 41);
    private readonly DockerClient _client;

    private readonly Func<string, string?> _environment;

    public DockerEngine(Func<string, string?> environment)
    {
        _environment = environment;
        Endpoint = environment("DOCKER_HOST") is { Length: > 0 } host ? host : DefaultEndpoint;
        _client = new DockerClientBuilder().WithEndpoint(new Uri(Endpoint)).WithApiVersion(ApiVersion).Build();
    }

    public string Endpoint { get; }

    /// <summary>The engine's version; a <see cref="ClusterException"/> saying what to do when it cannot be reached.</summary>
    public async Task<string> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            var version = await _client.System.GetVersionAsync(timeout.Token).ConfigureAwait(false);
            return version.Version;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not ClusterException)
        {
            throw new ClusterException(Unreachable(ex));
        }
    }

    /// <summary>Those of <paramref name="images"/> that the engine does not have.</summary>
    public async Task<IReadOnlyList<string>> MissingImagesAsync(IEnumerable<string> images, CancellationToken cancellationToken)
    {
        var missing = new List<string>();
        foreach (var image in images)
        {
            try
            {
                await _client.Images.InspectImageAsync(image, cancellationToken).ConfigureAwait(false);
            }
            catch (DockerImageNotFoundException)
            {
                missing.Add(image);
            }
            catch (DockerApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                missing.Add(image);
            }
        }
        return missing;
    }

    /// <summary>Removes (forcibly, with their anonymous volumes) every container a kubelet of <paramref name="nodes"/> created.</summary>
    public async Task<int> RemoveNodeContainersAsync(IEnumerable<string> nodes, CancellationToken cancellationToken)
    {
        var removed = 0;
        foreach (var node in nodes)
        {
            var containers = await Bounded(ct => _client.Containers.ListContainersAsync(new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>>(StringComparer.Ordinal)
                {
                    ["label"] = new Dictionary<string, bool>(StringComparer.Ordinal) { [$"{NodeLabel}={node}"] = true },
                },
            }, ct), cancellationToken).ConfigureAwait(false);
            // App containers first, then the sandboxes whose network namespace they share.
            foreach (var container in containers.OrderBy(c => c.Labels.TryGetValue("io.minikube.container.type", out var t) && t == "sandbox" ? 1 : 0))
            {
                try
                {
                    await Bounded(async ct =>
                    {
                        await _client.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, ct)
                            .ConfigureAwait(false);
                        return true;
                    }, cancellationToken).ConfigureAwait(false);
                    removed++;
                }
                catch (DockerContainerNotFoundException)
                {
                    // Gone meanwhile.
                }
            }
        }
        return removed;
    }

    /// <summary>The deadline of each Docker call made to remove containers: a hung engine must not hang <c>cluster down</c>.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public void Dispose() => _client.Dispose();

    private async Task<T> Bounded<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CallTimeout);
        var task = call(timeout.Token);
        try
        {
            return await task.WaitAsync(CallTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && (ex is TimeoutException || (ex is OperationCanceledException && timeout.IsCancellationRequested)))
        {
            _ = task.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
            throw new TimeoutException($"Docker at {Endpoint} did not answer within {CallTimeout.TotalSeconds:0.#} s");
        }
    }

    private string Unreachable(Exception ex)
    {
        var socket = Endpoint.StartsWith("unix://", StringComparison.Ordinal) ? Endpoint["unix://".Length..] : null;
        if (socket is not null && !File.Exists(socket))
        {
            return ExecutableSearch.Find("dockerd", _environment) is null
                ? "Docker not found: apt-get install docker.io, then start dockerd (./up.sh does both)"
                : $"Docker is not running (no socket at {socket}): start dockerd, e.g. `dockerd >/var/log/dockerd.log 2>&1 &` (./up.sh does it)";
        }
        var reason = ex is DockerApiException api ? api.Message : Innermost(ex).Message;
        return $"cannot reach Docker at {Endpoint}: {reason} (is dockerd running, and may this user use its socket?)";
    }

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null && ex is not SocketException)
        {
            ex = ex.InnerException;
        }
        return ex;
    }
}
