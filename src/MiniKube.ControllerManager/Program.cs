using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MiniKube.Controllers;
using MiniKube.Hosting;

var root = ControllerManagerCommandLine.CreateRootCommand();
root.SetAction(async (parse, ct) =>
{
    var (options, problems) = ControllerManagerCommandLine.ToOptions(parse);
    if (options is null)
    {
        return ComponentMain.Misconfigured(ControllerManagerCommandLine.Name, problems);
    }
    var builder = Host.CreateApplicationBuilder();
    builder.Logging.ClearProviders();
    builder.Logging.AddProvider(ComponentLogging.CreateLoggerProvider(ControllerManagerCommandLine.GetLogLevel(parse)));
    builder.Services.AddControllerManager(options);
    using var host = builder.Build();
    await host.RunAsync(ct);
    // Losing leadership stops the host with exit code 1 (ControllerManagerService), as Kubernetes' manager exits.
    return Environment.ExitCode;
});
return await ComponentMain.RunAsync(ControllerManagerCommandLine.Name, root, args);
