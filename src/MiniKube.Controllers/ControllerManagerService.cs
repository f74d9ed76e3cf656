using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MiniKube.Controllers;

/// <summary>Hosts a <see cref="ControllerManager"/>; losing leadership stops the host with exit code 1, as Kubernetes' manager exits.</summary>
public sealed class ControllerManagerService(ControllerManager manager, IHostApplicationLifetime lifetime) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await manager.RunAsync(stoppingToken).ConfigureAwait(false);
        if (manager.LostLeadership)
        {
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
    }
}

public static class ControllerManagerServiceCollectionExtensions
{
    /// <summary>Adds minikube-controller-manager; the options are validated here, with messages that name the flag to fix.</summary>
    public static IServiceCollection AddControllerManager(this IServiceCollection services, ControllerManagerOptions options)
    {
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new ControllerManager(options, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddHostedService<ControllerManagerService>();
        return services;
    }
}
