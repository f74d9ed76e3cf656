using MiniKube.Dashboard;
using MiniKube.Hosting;

var root = DashboardCommandLine.CreateRootCommand();
root.SetAction(async (parse, ct) =>
{
    var (options, problems) = DashboardCommandLine.ToOptions(parse);
    if (options is null)
    {
        return ComponentMain.Misconfigured("minikube-dashboard", problems);
    }
    await using var host = DashboardHost.Create(options);
    try
    {
        await host.StartAsync(ct);
    }
    catch (IOException ex)
    {
        Console.Error.WriteLine($"minikube-dashboard: cannot listen on {options.ListenAddress}:{options.ListenPort}: {ex.Message}");
        return 1;
    }
    Console.Error.WriteLine($"minikube-dashboard: serving {host.Url} (API server {options.Server})");
    await host.WaitForShutdownAsync(ct);
    return 0;
});
return await ComponentMain.RunAsync("minikube-dashboard", root, args);
