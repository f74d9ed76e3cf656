using System.CommandLine;
using System.Runtime.InteropServices;
using MiniKube.Proxy;
using MiniKube.Hosting;
using Serilog.Events;

var root = ProxyCommandLine.CreateRootCommand();
root.SetAction(async (parse, ct) =>
{
    var (options, problems) = ProxyCommandLine.ToOptions(parse);
    if (options is null)
    {
        return ComponentMain.Misconfigured("minikube-proxy", problems);
    }
    if (options.Cleanup)
    {
        try
        {
            var removed = await ProxyHost.CleanupAsync(options, ct);
            Console.Error.WriteLine($"minikube-proxy: cleanup removed {removed} chains and jump rules, bridge {options.BridgeName} and its route");
            return 0;
        }
        catch (HostCommandException ex)
        {
            Console.Error.WriteLine("minikube-proxy: cleanup failed: " + ex.Message);
            return 1;
        }
    }
    var level = ComponentLogging.TryParseLevel(ProxyCommandLine.GetLogLevel(parse), out var l) ? l : LogEventLevel.Information;
    using var loggers = ComponentLogging.CreateLoggerFactory(level);
    using var shutdown = CancellationTokenSource.CreateLinkedTokenSource(ct);
    void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        shutdown.Cancel();
    }
    using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
    await using var host = ProxyHost.Create(options, loggers);
    try
    {
        await host.StartAsync(shutdown.Token);
        await Task.Delay(Timeout.Infinite, shutdown.Token);
    }
    catch (ProxyStartException ex)
    {
        Console.Error.WriteLine("minikube-proxy: " + ex.Message);
        return 1;
    }
    catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
    {
    }
    return 0;
});
return await ComponentMain.RunAsync("minikube-proxy", root, args, new InvocationConfiguration { ProcessTerminationTimeout = null });
