using System.CommandLine;
using Microsoft.Extensions.Hosting;
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
var leaderElect = new Option<bool>("--leader-elect") { Description = "Run only while holding the leader lease", DefaultValueFactory = _ => true };
var leaseNamespace = new Option<string>("--leader-elect-resource-namespace") { DefaultValueFactory = _ => defaults.LeaderElectResourceNamespace };
var leaseName = new Option<string>("--leader-elect-resource-name") { DefaultValueFactory = _ => defaults.LeaderElectResourceName };
var leaseDuration = Duration("--leader-elect-lease-duration", defaults.LeaderElectLeaseDuration, "How long a lease not renewed stays valid");
var renewDeadline = Duration("--leader-elect-renew-deadline", defaults.LeaderElectRenewDeadline, "How long the leader retries renewing before giving up");
var retryPeriod = Duration("--leader-elect-retry-period", defaults.LeaderElectRetryPeriod, "How often to try to acquire or renew the lease");
var rsSyncs = Count("--concurrent-replicaset-syncs", defaults.ConcurrentReplicaSetSyncs, "ReplicaSets synced at once");
var deploySyncs = Count("--concurrent-deployment-syncs", defaults.ConcurrentDeploymentSyncs, "Deployments synced at once");
var gcSyncs = Count("--concurrent-gc-syncs", defaults.ConcurrentGcSyncs, "Garbage collector workers");
var nsSyncs = Count("--concurrent-namespace-syncs", defaults.ConcurrentNamespaceSyncs, "Namespaces synced at once");
var monitorGrace = Duration("--node-monitor-grace-period", defaults.NodeMonitorGracePeriod, "A node silent for longer is marked unreachable (Ready=Unknown)");
var startupGrace = Duration("--node-startup-grace-period", defaults.NodeStartupGracePeriod, "The same, for a node that never reported Ready");
var monitorPeriod = Duration("--node-monitor-period", defaults.NodeMonitorPeriod, "How often node health is checked");
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

var root = new RootCommand("minikube-controller-manager: replicaset, deployment, garbagecollector, nodelifecycle, taint-eviction, podgc, namespace and horizontalpodautoscaling controllers")
{
    server, controllers, leaderElect, leaseNamespace, leaseName, leaseDuration, renewDeadline, retryPeriod, rsSyncs, deploySyncs, gcSyncs, nsSyncs,
    monitorGrace, startupGrace, monitorPeriod, resync, nsPeriod, hpaSync, hpaTolerance, hpaCpuInit, hpaReadiness, hpaDownscale,
};
root.SetAction(async (parse, ct) =>
{
    TimeSpan D(Option<string> o)
    {
        var text = parse.GetValue(o);
        return Durations.TryParse(text, out var value) ? value : throw new FormatException($"{o.Name}: \"{text}\" is not a duration such as 40s, 5m or 500ms");
    }

    ControllerManagerOptions options;
    try
    {
        options = new ControllerManagerOptions
        {
            Server = ClientConfig.ResolveServer(parse.GetValue(server)),
            Controllers = parse.GetValue(controllers)!,
            LeaderElect = parse.GetValue(leaderElect),
            LeaderElectResourceNamespace = parse.GetValue(leaseNamespace)!,
            LeaderElectResourceName = parse.GetValue(leaseName)!,
            LeaderElectLeaseDuration = D(leaseDuration),
            LeaderElectRenewDeadline = D(renewDeadline),
            LeaderElectRetryPeriod = D(retryPeriod),
            ConcurrentReplicaSetSyncs = parse.GetValue(rsSyncs),
            ConcurrentDeploymentSyncs = parse.GetValue(deploySyncs),
            ConcurrentGcSyncs = parse.GetValue(gcSyncs),
            ConcurrentNamespaceSyncs = parse.GetValue(nsSyncs),
            NodeMonitorGracePeriod = D(monitorGrace),
            NodeStartupGracePeriod = D(startupGrace),
            NodeMonitorPeriod = D(monitorPeriod),
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
    new(name) { Description = description, DefaultValueFactory = _ => Durations.Format(value) };

static Option<int> Count(string name, int value, string description) =>
    new(name) { Description = description, DefaultValueFactory = _ => value };
