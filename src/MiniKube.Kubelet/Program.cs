using System.CommandLine;
using System.Runtime.InteropServices;
using MiniKube.Kubelet;
using MiniKube.Hosting;
using Serilog.Events;

var root = KubeletCommandLine.CreateRootCommand();
root.SetAction(async (parse, ct) =>
{
    var (options, problems) = KubeletCommandLine.ToOptions(parse);
    if (options is null)
    {
        return ComponentMain.Misconfigured("minikube-kubelet", problems);
    }
    var level = ComponentLogging.TryParseLevel(KubeletCommandLine.GetLogLevel(parse), out var l) ? l : LogEventLevel.Information;
    // The pod workers log in a scope with the pod's namespace and name.
    using var loggers = ComponentLogging.CreateLoggerFactory(level,
        "{Timestamp:HH:mm:ss.fff} {Level:u3} {SourceContext} {Namespace}/{Pod}: {Message:lj}{NewLine}{Exception}");
    // SIGTERM (cluster down, a supervisor) and SIGINT (Ctrl-C) stop the kubelet cleanly, as a real kubelet does: its loops
    // stop and the process exits 0, while the pods' containers keep running (a restarted kubelet adopts them).
    using var shutdown = CancellationTokenSource.CreateLinkedTokenSource(ct);
    PosixSignal? received = null;
    void OnSignal(PosixSignalContext context)
    {
        // Cancel the runtime's default action (immediate termination): the shutdown below finishes the process.
        context.Cancel = true;
        received ??= context.Signal;
        shutdown.Cancel();
    }
    using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
    var host = KubeletHost.Create(options, loggers);
    try
    {
        await host.StartAsync(shutdown.Token);
        await Task.Delay(Timeout.Infinite, shutdown.Token);
    }
    catch (KubeletStartException ex)
    {
        Console.Error.WriteLine("minikube-kubelet: " + ex.Message);
        await host.DisposeAsync();
        return 1;
    }
    catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
    {
    }
    await host.ShutdownAsync(received?.ToString() ?? "cancellation");
    return 0;
});
// The action handles SIGTERM and SIGINT itself (above); System.CommandLine's own handling would end the process with a
// non-zero code if stopping took more than two seconds.
return await ComponentMain.RunAsync("minikube-kubelet", root, args, new InvocationConfiguration { ProcessTerminationTimeout = null });
