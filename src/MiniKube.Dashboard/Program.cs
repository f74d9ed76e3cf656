using MiniKube.Dashboard;

var root = DashboardCommandLine.CreateRootCommand();
root.SetAction(async (parse, ct) =>
{
    var (options, problems) = DashboardCommandLine.ToOptions(parse);
    if (options is null)
    {
        Console.Error.WriteLine("minikube-dashboard: " + problems[0]);
        return 2;
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
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    Console.Error.WriteLine("minikube-dashboard: " + parsed.Errors[0].Message + " (see --help)");
    return 2;
}
return await parsed.InvokeAsync();
