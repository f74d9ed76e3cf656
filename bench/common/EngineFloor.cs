using Docker.DotNet;
using Docker.DotNet.Models;

namespace MiniKube.Bench.Common;

/// <summary>
/// A pod's Docker work done directly through the engine API, with no MiniKube in the way — the floor the pod benches
/// compare with: a sandbox (<c>minikube/pause</c> on the bridge, inspected for its IP, as the kubelet does) and app
/// containers joined to its network namespace with <c>--init</c>. Everything it makes carries the caller's labels, so
/// <see cref="RemoveLabelledAsync"/> cleans up after a run.
/// </summary>
public sealed class EngineFloor : IDisposable
{
    private readonly DockerClient _docker = new DockerClientBuilder()
        .WithEndpoint(new Uri("unix:///var/run/docker.sock")).WithApiVersion(new System.Version(1, 41)).Build();

    /// <summary>The engine client, for the calls a bench makes beside the floor's own (kill, inspect).</summary>
    public DockerClient Docker => _docker;

    /// <summary>Creates and starts a sandbox and reads its IP; returns its ID.</summary>
    public async Task<string> StartSandboxAsync(IDictionary<string, string> labels, CancellationToken ct)
    {
        var sandbox = await _docker.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = "minikube/pause:latest",
            Labels = labels,
            HostConfig = new HostConfig { NetworkMode = "bridge" },
        }, ct);
        await _docker.Containers.StartContainerAsync(sandbox.ID, new ContainerStartParameters(), ct);
        await _docker.Containers.InspectContainerAsync(sandbox.ID, ct);
        return sandbox.ID;
    }

    /// <summary>Creates and starts <c>sleep 3600</c> in <paramref name="image"/>, in the network of sandbox <paramref name="sandbox"/> (null: on the bridge); returns its ID.</summary>
    public async Task<string> StartAppAsync(string? sandbox, string image, IDictionary<string, string> labels, CancellationToken ct)
    {
        var app = await _docker.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = image,
            Cmd = ["sleep", "3600"],
            Labels = labels,
            HostConfig = new HostConfig { NetworkMode = sandbox is null ? "bridge" : "container:" + sandbox, Init = true },
        }, ct);
        await _docker.Containers.StartContainerAsync(app.ID, new ContainerStartParameters(), ct);
        return app.ID;
    }

    /// <summary>Force-removes every container, running or not, that carries <paramref name="label"/> (<c>key=value</c>).</summary>
    public async Task RemoveLabelledAsync(string label, CancellationToken ct)
    {
        var list = await _docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [label] = true } },
        }, ct);
        await Task.WhenAll(list.Select(c => _docker.Containers.RemoveContainerAsync(c.ID, new ContainerRemoveParameters { Force = true }, ct)));
    }

    public void Dispose() => _docker.Dispose();
}
