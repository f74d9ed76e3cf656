using System.CommandLine;
using Microsoft.Extensions.Logging;
using MiniKube.Client;
using MiniKube.Scheduler;
using MiniKube.Scheduler.Config;
using Serilog;
using Serilog.Events;

var server = new Option<string?>("--server") { Description = $"API server gRPC address (else ${ClientConfig.ServerEnvironmentVariable}, else {ClientConfig.DefaultServer})" };
var config = new Option<string?>("--config") { Description = "KubeSchedulerConfiguration file (profiles, plugins, percentageOfNodesToScore)" };
var leaderElection = new LeaderElectionFlags(new SchedulerOptions().LeaseName);
var verbose = new Option<bool>("--verbose", "-v") { Description = "Debug logging" };

var root = new RootCommand("minikube-scheduler: assigns pending pods to nodes (filter and score plugins, binding through the API server)")
{
    server, config, verbose,
};
foreach (var option in leaderElection.All)
{
    root.Options.Add(option);
}
root.SetAction(async (parse, ct) =>
{
    var problems = new List<string>();
    var (elect, election) = leaderElection.Bind(parse, problems);
    var options = new SchedulerOptions
    {
        ConfigFile = parse.GetValue(config),
        LeaderElect = elect,
        LeaseName = election.LeaseName,
        LeaseNamespace = election.LeaseNamespace,
        LeaseDuration = election.LeaseDuration,
        RenewDeadline = election.RenewDeadline,
        RetryPeriod = election.RetryPeriod,
    };
    problems.AddRange(options.Validate());
    if (problems.Count > 0)
    {
        Console.Error.WriteLine("minikube-scheduler: " + problems[0]);
        return 2;
    }
    SchedulerConfiguration configuration;
    try
    {
        configuration = SchedulerConfigLoader.Load(options.ConfigFile);
    }
    catch (SchedulerConfigException ex)
    {
        Console.Error.WriteLine("minikube-scheduler: " + ex.Message);
        return 2;
    }
    var address = ClientConfig.ResolveServer(parse.GetValue(server));
    using var loggers = LoggerFactory.Create(b => b.AddSerilog(new LoggerConfiguration()
        .MinimumLevel.Is(parse.GetValue(verbose) ? LogEventLevel.Debug : LogEventLevel.Information)
        .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
        .WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose,
            outputTemplate: "{Timestamp:HH:mm:ss.fff} {Level:u3} {SourceContext}: {Message:lj}{NewLine}{Exception}")
        .CreateLogger(), dispose: true));
    using var client = new MiniKubeClient(address);
    await using var scheduler = new SchedulerService(client, configuration, options, TimeProvider.System, loggers);
    Console.Error.WriteLine($"minikube-scheduler: using API server {address} as {options.Identity}");
    await scheduler.RunAsync(ct);
    if (!ct.IsCancellationRequested)
    {
        // Leadership was lost: exit so a supervisor restarts us as a clean candidate, as kube-scheduler does.
        Console.Error.WriteLine("minikube-scheduler: lost leadership, exiting");
        return 1;
    }
    return 0;
});
return await root.Parse(args).InvokeAsync();
