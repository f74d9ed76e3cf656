using MiniKube.Kubelet;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;

var root = KubeletCommandLine.CreateRootCommand();
root.SetAction(async (parse, ct) =>
{
    var (options, problems) = KubeletCommandLine.ToOptions(parse);
    if (options is null)
    {
        Console.Error.WriteLine("minikube-kubelet: " + problems[0]);
        return 2;
    }
    var level = Enum.TryParse<LogEventLevel>(KubeletCommandLine.GetLogLevel(parse), ignoreCase: true, out var l) ? l : LogEventLevel.Information;
    Log.Logger = new LoggerConfiguration()
        .MinimumLevel.Is(level)
        .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
        .MinimumLevel.Override("Grpc", LogEventLevel.Warning)
        .Enrich.FromLogContext()
        .WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose,
            outputTemplate: "{Timestamp:HH:mm:ss.fff} {Level:u3} {SourceContext} {Namespace}/{Pod}: {Message:lj}{NewLine}{Exception}")
        .CreateLogger();
    using var loggers = new SerilogLoggerFactory(Log.Logger, dispose: true);
    await using var host = KubeletHost.Create(options, loggers);
    try
    {
        await host.StartAsync(ct);
    }
    catch (KubeletStartException ex)
    {
        Console.Error.WriteLine("minikube-kubelet: " + ex.Message);
        return 1;
    }
    catch (OperationCanceledException)
    {
        return 0;
    }
    try
    {
        await Task.Delay(Timeout.Infinite, ct);
    }
    catch (OperationCanceledException)
    {
    }
    return 0;
});
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    Console.Error.WriteLine("minikube-kubelet: " + parsed.Errors[0].Message + " (see --help)");
    return 2;
}
return await parsed.InvokeAsync();
