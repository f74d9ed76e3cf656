using Xunit.Abstractions;
using MiniKube.Bench.Chaos;

namespace MiniKube.EndToEnd.Tests;

/// <summary>bench/chaos in its short mode: a minute of random kill -9s under churn, no invariant broken, convergence after.</summary>
public sealed class ChaosTests(ITestOutputHelper output)
{
    [Fact(Skip = "Open finding (docs/reliability.md): after the ReplicaSet fixes 1 of 3 loaded runs found a Deployment's ReplicaSets 1 above replicas + maxSurge after a controller-manager kill; not yet understood")]
    public async Task A_minute_of_random_kill_9s_under_churn_breaks_no_invariant_and_the_cluster_converges()
    {
        var options = new ChaosOptions(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(4), TimeSpan.FromMinutes(3), Seed: Environment.TickCount);
        using var log = new StringWriter();
        var report = await new ChaosHarness(options, log).RunAsync(CancellationToken.None);
        output.WriteLine($"seed {options.Seed}\n{log}\n{report.Table()}");
        Assert.True(report.FaultsPerComponent.Values.Sum() >= 3, report.Table());
        Assert.True(report.Violations.Count == 0, report.Table());
        Assert.True(report.Converged, report.Table());
    }
}
