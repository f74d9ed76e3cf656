using Xunit.Abstractions;
using MiniKube.Bench.Chaos;
using MiniKube.Testing;

namespace MiniKube.EndToEnd.Tests;

/// <summary>
/// bench/chaos in its short mode: a minute of random kill -9s under churn, no invariant broken, convergence after; on one
/// control plane with hollow nodes, and on three (etcd members and API servers among the victims) with a node of real
/// Docker containers (no container may outlive its pod).
/// </summary>
[Collection(ProcessFaultCollection.Name)]
public sealed class ChaosTests(ITestOutputHelper output)
{
    [DockerTheory]
    [InlineData(1, false)]
    [InlineData(3, true)]
    public async Task A_minute_of_random_kill_9s_under_churn_breaks_no_invariant_and_the_cluster_converges(int controlPlanes, bool dockerNode)
    {
        var options = new ChaosOptions(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(4), TimeSpan.FromMinutes(3), Seed: Environment.TickCount,
            ControlPlanes: controlPlanes, MinFaults: 3);
        if (dockerNode)
        {
            options = options.OnDockerNode();
        }
        using var log = new StringWriter();
        var report = await new ChaosHarness(options, log).RunAsync(CancellationToken.None);
        output.WriteLine($"seed {options.Seed}\n{log}\n{report.Table()}");
        Assert.True(report.FaultsPerComponent.Values.Sum() >= 3, report.Table());
        Assert.True(report.Violations.Count == 0, $"seed {options.Seed}\n{report.Table()}\n{log}");
        Assert.True(report.Converged, $"seed {options.Seed}\n{report.Table()}\n{log}");
    }
}
