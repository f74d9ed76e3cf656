using System.CommandLine;
using System.Runtime.InteropServices;
using MiniKube.Proxy;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;

var root = ProxyCommandLine.CreateRootCommand();
root.SetAction(async (parse, ct) =>
{
    var (options, problems) = ProxyCommandLine.ToOptions(parse);
    if (options is null)
    {
        Console.Error.WriteLine("minikube-proxy: " + problems[0]);
        return 2;
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
    var level = Enum.TryParse<LogEventLevel>(ProxyCommandLine.GetLogLevel(parse), ignoreCase: true, out var l) ? l : LogEventLevel.Information;
    Log.Logger = new LoggerConfiguration()
        .MinimumLevel.Is(level)
        .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
        .MinimumLevel.Override("Grpc", LogEventLevel.Warning)
        .Enrich.FromLogContext()
        .WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose,
            outputTemplate: "{Timestamp:HH:mm:ss.fff} {Level:u3} {SourceContext}: {Message:lj}{NewLine}{Exception}")
        .CreateLogger();
    using var loggers = new SerilogLoggerFactory(Log.Logger, dispose: true);
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
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    Console.Error.WriteLine("minikube-proxy: " + parsed.Errors[0].Message + " (see --help)");
    return 2;
}
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
