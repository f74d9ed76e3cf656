using MiniKube.ApiServer;
using MiniKube.Hosting;
using MiniKube.Security;

var root = ApiServerCommandLine.CreateRootCommand();
root.SetAction(async (parse, ct) =>
{
    var (options, problems) = ApiServerCommandLine.ToOptions(parse);
    if (options is null)
    {
        return ComponentMain.Misconfigured(ApiServerCommandLine.Name, problems);
    }
    ApiServerHost created;
    try
    {
        created = ApiServerHost.Create(options, ApiServerCommandLine.GetLogLevel(parse));
    }
    catch (AuthenticationConfigException ex)
    {
        return ComponentMain.Misconfigured(ApiServerCommandLine.Name, [ex.Message]);
    }
    await using var host = created;
    try
    {
        await host.StartAsync(ct);
    }
    catch (EtcdUnreachableException ex)
    {
        Console.Error.WriteLine("minikube-apiserver: " + ex.Message);
        return 1;
    }
    catch (IOException ex)
    {
        Console.Error.WriteLine($"minikube-apiserver: cannot listen on {options.BindAddress} ports {options.Port}/{options.GrpcPort}: {ex.Message}");
        return 1;
    }
    Console.Error.WriteLine($"minikube-apiserver: serving gRPC on {host.GrpcAddress}, HTTP on {host.HttpAddress}");
    await host.WaitForShutdownAsync(ct);
    return 0;
});
return await ComponentMain.RunAsync(ApiServerCommandLine.Name, root, args);
