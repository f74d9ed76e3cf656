using System.Diagnostics;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace MiniKube.Bench.Cluster;

/// <summary>
/// The Docker work of a Deployment's pods done directly through the engine API, with no MiniKube in the way, all at once:
/// per pod a sandbox on the bridge (inspected for its IP) and an app container joined to it (<c>--init</c>), and,
/// lower still, one plain container per pod. The floors the first and the warm Deployments are compared with.
/// </summary>
public sealed class DockerFloor(string image) : IDisposable
{
    private const string Label = "io.minikube.bench-cluster";

    private readonly DockerClient _docker = new DockerClientBuilder()
        .WithEndpoint(new Uri("unix:///var/run/docker.sock")).WithApiVersion(new System.Version(1, 41)).Build();

    /// <summary>Milliseconds until <paramref name="count"/> sandbox + app pairs, started in parallel, all ran.</summary>
    public Task<double> PairsAsync(int count, CancellationToken ct) => TimeAsync(count, async labels =>
    {
        var sandbox = await _docker.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = "minikube/pause:latest",
            Labels = labels,
            HostConfig = new HostConfig { NetworkMode = "bridge" },
        }, ct);
        await _docker.Containers.StartContainerAsync(sandbox.ID, new ContainerStartParameters(), ct);
        await _docker.Containers.InspectContainerAsync(sandbox.ID, ct);
        await StartAppAsync(labels, "container:" + sandbox.ID, ct);
    }, ct);

    /// <summary>Milliseconds until <paramref name="count"/> single containers, started in parallel, all ran.</summary>
    public Task<double> SinglesAsync(int count, CancellationToken ct) => TimeAsync(count, labels => StartAppAsync(labels, "bridge", ct), ct);

    public void Dispose() => _docker.Dispose();

    private async Task StartAppAsync(Dictionary<string, string> labels, string network, CancellationToken ct)
    {
        var app = await _docker.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = image,
            Cmd = ["sleep", "3600"],
            Labels = labels,
            HostConfig = new HostConfig { NetworkMode = network, Init = true },
        }, ct);
        await _docker.Containers.StartContainerAsync(app.ID, new ContainerStartParameters(), ct);
    }

    private async Task<double> TimeAsync(int count, Func<Dictionary<string, string>, Task> pod, CancellationToken ct)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var labels = new Dictionary<string, string> { [Label] = run };
        try
        {
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, count).Select(_ => pod(labels)));
            return clock.Elapsed.TotalMilliseconds;
        }
        finally
        {
            var list = await _docker.Containers.ListContainersAsync(new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{Label}={run}"] = true } },
            }, CancellationToken.None);
            await Task.WhenAll(list.Select(c => _docker.Containers.RemoveContainerAsync(c.ID, new ContainerRemoveParameters { Force = true }, CancellationToken.None)));
        }
    }
}
