using Xunit.Abstractions;
using MiniKube.Bench.Chaos;

namespace MiniKube.EndToEnd.Tests;

/// <summary>
/// bench/chaos in its short mode: a minute of random kill -9s under churn, no invariant broken, convergence after; on one
/// control plane, and on three (etcd members and API servers among the victims).
/// </summary>
public sealed class ChaosTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task A_minute_of_random_kill_9s_under_churn_breaks_no_invariant_and_the_cluster_converges(int controlPlanes)
    {
        var options = new ChaosOptions(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(4), TimeSpan.FromMinutes(3), Seed: Environment.TickCount,
            ControlPlanes: controlPlanes);
        using var log = new StringWriter();
        var report = await new ChaosHarness(options, log).RunAsync(CancellationToken.None);
        output.WriteLine($"seed {options.Seed}\n{log}\n{report.Table()}");
        Assert.True(report.FaultsPerComponent.Values.Sum() >= 3, report.Table());
        Assert.True(report.Violations.Count == 0, $"seed {options.Seed}\n{report.Table()}\n{log}");
        Assert.True(report.Converged, $"seed {options.Seed}\n{report.Table()}\n{log}");
    }
}
