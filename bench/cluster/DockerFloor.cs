using System.Diagnostics;
using MiniKube.Bench.Common;

namespace MiniKube.Bench.Cluster;

/// <summary>
/// The Docker work of a Deployment's pods done directly through the engine API, with no MiniKube in the way, all at once:
/// per pod a sandbox and an app container joined to it (<see cref="EngineFloor"/>), and, lower still, one plain container
/// per pod. The floors the first and the warm Deployments are compared with.
/// </summary>
public sealed class DockerFloor(string image) : IDisposable
{
    private const string Label = "io.minikube.bench-cluster";

    private readonly EngineFloor _engine = new();

    /// <summary>Milliseconds until <paramref name="count"/> sandbox + app pairs, started in parallel, all ran.</summary>
    public Task<double> PairsAsync(int count, CancellationToken ct) => TimeAsync(count, async labels =>
        await _engine.StartAppAsync(await _engine.StartSandboxAsync(labels, ct), image, labels, ct), ct);

    /// <summary>Milliseconds until <paramref name="count"/> single containers, started in parallel, all ran.</summary>
    public Task<double> SinglesAsync(int count, CancellationToken ct) => TimeAsync(count, labels => _engine.StartAppAsync(null, image, labels, ct), ct);

    public void Dispose() => _engine.Dispose();

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
            await _engine.RemoveLabelledAsync($"{Label}={run}", CancellationToken.None);
        }
    }
}
