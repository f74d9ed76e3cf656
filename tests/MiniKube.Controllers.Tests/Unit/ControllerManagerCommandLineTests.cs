using MiniKube.Client;
using MiniKube.Controllers;
using MiniKube.Testing;
using Serilog.Events;

namespace MiniKube.Controllers.Tests.Unit;

public sealed class ControllerManagerCommandLineTests
{
    private static (ControllerManagerOptions? Options, IReadOnlyList<string> Problems) Parse(params string[] args)
    {
        var parse = ControllerManagerCommandLine.CreateRootCommand().Parse(args);
        Assert.Empty(parse.Errors);
        return ControllerManagerCommandLine.ToOptions(parse);
    }

    [Fact]
    public void Defaults_are_the_options_defaults()
    {
        var (options, problems) = Parse("--server", "http://127.0.0.1:8081");
        Assert.Empty(problems);
        // Every value but the random identity is the record's default: nothing is lost between flag and option.
        Assert.Equal(new ControllerManagerOptions { Server = "http://127.0.0.1:8081" } with { LeaderElection = options!.LeaderElection }, options);
        Assert.Equal(new LeaderElectionOptions { LeaseName = "minikube-controller-manager", Identity = options.LeaderElection.Identity }, options.LeaderElection);
        Assert.Equal(LogEventLevel.Information, ControllerManagerCommandLine.GetLogLevel(ControllerManagerCommandLine.CreateRootCommand().Parse([])));
    }

    [Fact]
    public void Every_flag_reaches_the_options()
    {
        var (options, problems) = Parse("--server", "http://127.0.0.1:9999", "--controllers", "*,-nodelifecycle",
            "--leader-elect=false", "--leader-elect-lease-duration", "30s", "--leader-elect-renew-deadline", "20s", "--leader-elect-retry-period", "1s",
            "--leader-elect-resource-name", "cm", "--leader-elect-resource-namespace", "ops",
            "--kube-api-qps", "12.5", "--kube-api-burst", "3",
            "--concurrent-replicaset-syncs", "1", "--concurrent-deployment-syncs", "2", "--concurrent-gc-syncs", "3", "--concurrent-namespace-syncs", "4",
            "--node-monitor-grace-period", "41s", "--node-startup-grace-period", "61s", "--node-monitor-period", "6s",
            "--node-eviction-rate", "0.5", "--secondary-node-eviction-rate", "0.05", "--unhealthy-zone-threshold", "0.6", "--large-cluster-size-threshold", "7",
            "--resync-period", "0", "--namespace-sync-period", "3s",
            "--horizontal-pod-autoscaler-sync-period", "1s", "--horizontal-pod-autoscaler-tolerance", "0.2",
            "--horizontal-pod-autoscaler-cpu-initialization-period", "1m", "--horizontal-pod-autoscaler-initial-readiness-delay", "10s",
            "--horizontal-pod-autoscaler-downscale-stabilization", "1m30s", "--log-level", "Debug");
        Assert.Empty(problems);
        Assert.Equal(new ControllerManagerOptions
        {
            Server = "http://127.0.0.1:9999",
            Controllers = "*,-nodelifecycle",
            LeaderElection = new LeaderElectionOptions
            {
                LeaderElect = false,
                LeaseName = "cm",
                LeaseNamespace = "ops",
                Identity = options!.LeaderElection.Identity,
                LeaseDuration = TimeSpan.FromSeconds(30),
                RenewDeadline = TimeSpan.FromSeconds(20),
                RetryPeriod = TimeSpan.FromSeconds(1),
            },
            KubeApiQps = 12.5,
            KubeApiBurst = 3,
            ConcurrentReplicaSetSyncs = 1,
            ConcurrentDeploymentSyncs = 2,
            ConcurrentGcSyncs = 3,
            ConcurrentNamespaceSyncs = 4,
            NodeMonitorGracePeriod = TimeSpan.FromSeconds(41),
            NodeStartupGracePeriod = TimeSpan.FromSeconds(61),
            NodeMonitorPeriod = TimeSpan.FromSeconds(6),
            NodeEvictionRate = 0.5,
            SecondaryNodeEvictionRate = 0.05,
            UnhealthyZoneThreshold = 0.6,
            LargeClusterSizeThreshold = 7,
            ResyncPeriod = TimeSpan.Zero,
            NamespaceSyncPeriod = TimeSpan.FromSeconds(3),
            HorizontalPodAutoscalerSyncPeriod = TimeSpan.FromSeconds(1),
            HorizontalPodAutoscalerTolerance = 0.2,
            HorizontalPodAutoscalerCpuInitializationPeriod = TimeSpan.FromMinutes(1),
            HorizontalPodAutoscalerInitialReadinessDelay = TimeSpan.FromSeconds(10),
            HorizontalPodAutoscalerDownscaleStabilization = TimeSpan.FromSeconds(90),
        }, options);
        Assert.Equal(LogEventLevel.Debug, ControllerManagerCommandLine.GetLogLevel(ControllerManagerCommandLine.CreateRootCommand().Parse(["--log-level", "Debug"])));
    }

    [Theory]
    [InlineData("--node-monitor-grace-period=40", "--node-monitor-grace-period \"40\" is not a duration such as 500ms, 10s or 5m")]
    [InlineData("--leader-elect-renew-deadline=1m", "--leader-elect-lease-duration (15s) must be greater than --leader-elect-renew-deadline (1m)")]
    [InlineData("--leader-elect-resource-name= ", "--leader-elect-resource-name and --leader-elect-resource-namespace must not be empty")]
    [InlineData("--controllers=*,bogus", "--controllers: unknown controller \"bogus\"")]
    [InlineData("--kube-api-qps=-1", "--kube-api-qps must be a number of requests per second, 0 for no throttle (got -1)")]
    [InlineData("--kube-api-burst=0", "--kube-api-burst must be at least 1 (got 0)")]
    [InlineData("--concurrent-gc-syncs=0", "--concurrent-gc-syncs must be at least 1 (got 0)")]
    [InlineData("--horizontal-pod-autoscaler-tolerance=1", "--horizontal-pod-autoscaler-tolerance must be at least 0 and below 1")]
    [InlineData("--server=localhost:8081", "--server: \"localhost:8081\" is not a URL")]
    [InlineData("--log-level=loud", "--log-level \"loud\" is not one of Verbose, Debug, Information, Warning, Error")]
    public void A_bad_value_is_one_problem_naming_the_flag(string flag, string problem)
    {
        var (options, problems) = flag.StartsWith("--server", StringComparison.Ordinal) ? Parse(flag) : Parse("--server", "http://127.0.0.1:8081", flag);
        Assert.Null(options);
        Assert.StartsWith(problem, Assert.Single(problems), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_process_exits_2_with_one_line_on_bad_flags()
    {
        var (code, stderr) = await ComponentProcess.RunToExitAsync("minikube-controller-manager", ["--resync-period", "5"], TimeSpan.FromSeconds(60));
        Assert.Equal(2, code);
        Assert.Equal("minikube-controller-manager: --resync-period \"5\" is not a duration such as 500ms, 10s or 5m", stderr.Trim());

        (code, stderr) = await ComponentProcess.RunToExitAsync("minikube-controller-manager", ["--concurrent-gc-syncs", "many"], TimeSpan.FromSeconds(60));
        Assert.Equal(2, code);
        Assert.StartsWith("minikube-controller-manager: Cannot parse argument 'many' for option '--concurrent-gc-syncs'", stderr.Trim(), StringComparison.Ordinal);
        Assert.EndsWith("(see --help)", stderr.Trim(), StringComparison.Ordinal);
    }
}
