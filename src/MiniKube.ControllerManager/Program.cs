using System.CommandLine;
using Microsoft.Extensions.Hosting;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Controllers;
using Serilog;

var defaults = new ControllerManagerOptions();
var server = new Option<string?>("--server") { Description = $"API server gRPC address (else ${ClientConfig.ServerEnvironmentVariable}, else {ClientConfig.DefaultServer})" };
var controllers = new Option<string>("--controllers")
{
    Description = $"Controllers to run: * for all, name to enable, -name to disable (known: {string.Join(", ", ControllerSelection.Known)})",
    DefaultValueFactory = _ => defaults.Controllers,
};
var leaderElection = new LeaderElectionFlags(defaults.LeaderElectResourceName);
var rsSyncs = Count("--concurrent-replicaset-syncs", defaults.ConcurrentReplicaSetSyncs, "ReplicaSets synced at once");
var deploySyncs = Count("--concurrent-deployment-syncs", defaults.ConcurrentDeploymentSyncs, "Deployments synced at once");
var gcSyncs = Count("--concurrent-gc-syncs", defaults.ConcurrentGcSyncs, "Garbage collector workers");
var nsSyncs = Count("--concurrent-namespace-syncs", defaults.ConcurrentNamespaceSyncs, "Namespaces synced at once");
var monitorGrace = Duration("--node-monitor-grace-period", defaults.NodeMonitorGracePeriod, "A node silent for longer is marked unreachable (Ready=Unknown)");
var startupGrace = Duration("--node-startup-grace-period", defaults.NodeStartupGracePeriod, "The same, for a node that never reported Ready");
var monitorPeriod = Duration("--node-monitor-period", defaults.NodeMonitorPeriod, "How often node health is checked");
var evictionRate = new Option<double>("--node-eviction-rate") { Description = "Nodes per second that get NoExecute taints in a healthy zone", DefaultValueFactory = _ => defaults.NodeEvictionRate };
var secondaryRate = new Option<double>("--secondary-node-eviction-rate") { Description = "The same in a large zone in partial disruption", DefaultValueFactory = _ => defaults.SecondaryNodeEvictionRate };
var unhealthyZone = new Option<double>("--unhealthy-zone-threshold") { Description = "Share of not-Ready nodes (more than 2) that puts a zone in partial disruption", DefaultValueFactory = _ => defaults.UnhealthyZoneThreshold };
var largeCluster = new Option<int>("--large-cluster-size-threshold") { Description = "Zones with more nodes keep evicting (slowly) in partial disruption", DefaultValueFactory = _ => defaults.LargeClusterSizeThreshold };
var resync = Duration("--resync-period", defaults.ResyncPeriod, "Periodic full resync of ReplicaSets and Deployments (0 = off)");
var nsPeriod = Duration("--namespace-sync-period", defaults.NamespaceSyncPeriod, "How soon a terminating namespace with content left is checked again");
var hpaSync = Duration("--horizontal-pod-autoscaler-sync-period", defaults.HorizontalPodAutoscalerSyncPeriod, "How often each HorizontalPodAutoscaler is synced");
var hpaTolerance = new Option<double>("--horizontal-pod-autoscaler-tolerance")
{
    Description = "Usage ratios within this of 1.0 do not rescale",
    DefaultValueFactory = _ => defaults.HorizontalPodAutoscalerTolerance,
};
var hpaCpuInit = Duration("--horizontal-pod-autoscaler-cpu-initialization-period", defaults.HorizontalPodAutoscalerCpuInitializationPeriod,
    "After a pod starts, its CPU samples count only once it has been ready for a whole metrics window");
var hpaReadiness = Duration("--horizontal-pod-autoscaler-initial-readiness-delay", defaults.HorizontalPodAutoscalerInitialReadinessDelay,
    "Readiness changes this soon after a pod starts mean it has never been ready");
var hpaDownscale = Duration("--horizontal-pod-autoscaler-downscale-stabilization", defaults.HorizontalPodAutoscalerDownscaleStabilization,
    "Scale-downs follow the highest recommendation within this window");

var root = new RootCommand("minikube-controller-manager: replicaset, deployment, garbagecollector, nodelifecycle, taint-eviction, podgc, namespace, endpointslice, endpoint and horizontalpodautoscaling controllers")
{
    server, controllers, rsSyncs, deploySyncs, gcSyncs, nsSyncs,
    monitorGrace, startupGrace, monitorPeriod, resync, nsPeriod, evictionRate, secondaryRate, unhealthyZone, largeCluster,
    hpaSync, hpaTolerance, hpaCpuInit, hpaReadiness, hpaDownscale,
};
foreach (var option in leaderElection.All)
{
    root.Options.Add(option);
}
root.SetAction(async (parse, ct) =>
{
    TimeSpan D(Option<string> o)
    {
        var text = parse.GetValue(o);
        return GoDuration.TryParse(text, out var value) ? value : throw new FormatException($"{o.Name}: \"{text}\" is not a duration such as 40s, 5m or 500ms");
    }

    var flagProblems = new List<string>();
    var (elect, election) = leaderElection.Bind(parse, flagProblems);
    if (flagProblems.Count > 0)
    {
        Console.Error.WriteLine("minikube-controller-manager: " + flagProblems[0]);
        return 2;
    }
    ControllerManagerOptions options;
    try
    {
        options = new ControllerManagerOptions
        {
            Server = ClientConfig.ResolveServer(parse.GetValue(server)),
            Controllers = parse.GetValue(controllers)!,
            LeaderElect = elect,
            LeaderElectResourceNamespace = election.LeaseNamespace,
            LeaderElectResourceName = election.LeaseName,
            LeaderElectLeaseDuration = election.LeaseDuration,
            LeaderElectRenewDeadline = election.RenewDeadline,
            LeaderElectRetryPeriod = election.RetryPeriod,
            ConcurrentReplicaSetSyncs = parse.GetValue(rsSyncs),
            ConcurrentDeploymentSyncs = parse.GetValue(deploySyncs),
            ConcurrentGcSyncs = parse.GetValue(gcSyncs),
            ConcurrentNamespaceSyncs = parse.GetValue(nsSyncs),
            NodeMonitorGracePeriod = D(monitorGrace),
            NodeStartupGracePeriod = D(startupGrace),
            NodeMonitorPeriod = D(monitorPeriod),
            NodeEvictionRate = parse.GetValue(evictionRate),
            SecondaryNodeEvictionRate = parse.GetValue(secondaryRate),
            UnhealthyZoneThreshold = parse.GetValue(unhealthyZone),
            LargeClusterSizeThreshold = parse.GetValue(largeCluster),
            ResyncPeriod = D(resync),
            NamespaceSyncPeriod = D(nsPeriod),
            HorizontalPodAutoscalerSyncPeriod = D(hpaSync),
            HorizontalPodAutoscalerTolerance = parse.GetValue(hpaTolerance),
            HorizontalPodAutoscalerCpuInitializationPeriod = D(hpaCpuInit),
            HorizontalPodAutoscalerInitialReadinessDelay = D(hpaReadiness),
            HorizontalPodAutoscalerDownscaleStabilization = D(hpaDownscale),
        };
    }
    catch (FormatException ex)
    {
        Console.Error.WriteLine("minikube-controller-manager: " + ex.Message);
        return 2;
    }
    var problems = options.Validate();
    if (problems.Count > 0)
    {
        Console.Error.WriteLine("minikube-controller-manager: " + problems[0]);
        return 2;
    }

    Log.Logger = new LoggerConfiguration()
        .MinimumLevel.Information()
        .Enrich.FromLogContext()
        .WriteTo.Console(standardErrorFromLevel: Serilog.Events.LogEventLevel.Verbose)
        .CreateLogger();
    try
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSerilog();
        builder.Services.AddControllerManager(options);
        using var host = builder.Build();
        await host.RunAsync(ct);
        return Environment.ExitCode;
    }
    finally
    {
        await Log.CloseAndFlushAsync();
    }
});
return await root.Parse(args).InvokeAsync();

static Option<string> Duration(string name, TimeSpan value, string description) =>
    new(name) { Description = description, DefaultValueFactory = _ => GoDuration.Format(value) };

static Option<int> Count(string name, int value, string description) =>
    new(name) { Description = description, DefaultValueFactory = _ => value };
