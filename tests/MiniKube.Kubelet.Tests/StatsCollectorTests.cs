using Microsoft.Extensions.Logging.Abstractions;
using MiniKube.Testing;

namespace MiniKube.Kubelet.Tests;

/// <summary>The stats collector on a fake clock: a container that starts gets its stats stream at once when told.</summary>
public sealed class StatsCollectorTests
{
    [Fact]
    public async Task A_started_container_is_in_the_summary_without_waiting_for_the_next_listing()
    {
        var clock = new TimerClock();
        await using var runtime = new SimulatedRuntime(TimeSpan.Zero, clock);
        await using var stats = new StatsCollector("n1", runtime, clock, NullLogger.Instance);
        stats.Start();
        // The first listing found nothing; the collector waits for the period (timer 1) or a signal.
        await clock.WaitForTimersAsync(1, "the collector's pause after its first listing");
        Assert.Empty(stats.Summary().Pods);

        var sandbox = await runtime.RunSandboxAsync(new SandboxSpec
        {
            Name = "sb", Image = "minikube/pause", Hostname = "p1", Labels = ContainerLabels.ForSandbox("n1", "default", "p1", "uid-1"),
        }, CancellationToken.None);
        var id = await runtime.CreateContainerAsync(new ContainerSpec
        {
            Name = "app", Image = "busybox", SandboxId = sandbox.Id, Labels = ContainerLabels.ForContainer("n1", "default", "p1", "uid-1", "app", 0, sandbox.Id, "h"),
        }, CancellationToken.None);
        await runtime.StartContainerAsync(id, CancellationToken.None);
        stats.ContainersChanged();

        // The clock does not move: only the signal can make the collector list again.
        var pod = await Eventually.WaitAsync(() => Task.FromResult(stats.Summary().Pods.SingleOrDefault(p => p.PodRef.Uid == "uid-1")),
            p => p is { Containers.Count: 1 }, TimeSpan.FromSeconds(20), "the started container's stats without advancing the clock");
        Assert.Equal("app", pod!.Containers[0].Name);
        Assert.Equal(clock.GetUtcNow(), pod.Containers[0].Cpu!.Time);
    }
}
