using MiniKube.Client;
using MiniKube.Hosting;
using MiniKube.Scheduler;

var root = SchedulerCommandLine.CreateRootCommand();
root.SetAction(async (parse, ct) =>
{
    var (options, configuration, problems) = SchedulerCommandLine.ToOptions(parse);
    if (options is null || configuration is null)
    {
        return ComponentMain.Misconfigured(SchedulerCommandLine.Name, problems);
    }
    using var loggers = ComponentLogging.CreateLoggerFactory(SchedulerCommandLine.GetLogLevel(parse));
    using var client = new MiniKubeClient(options.Server, options.Credentials);
    await using var scheduler = new SchedulerService(client, configuration, options, TimeProvider.System, loggers);
    Console.Error.WriteLine($"minikube-scheduler: using API server {options.Server} as {options.Identity}");
    await scheduler.RunAsync(ct);
    if (!ct.IsCancellationRequested)
    {
        // Leadership was lost: exit so a supervisor restarts us as a clean candidate, as kube-scheduler does.
        Console.Error.WriteLine("minikube-scheduler: lost leadership, exiting");
        return 1;
    }
    return 0;
});
return await ComponentMain.RunAsync(SchedulerCommandLine.Name, root, args);
