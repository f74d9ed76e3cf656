using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using MiniKube.Client;
using MiniKube.Dashboard.Components;
using MiniKube.Dashboard.State;
using MiniKube.Hosting;
using Serilog;
using Serilog.Events;

namespace MiniKube.Dashboard;

/// <summary>
/// The dashboard's web host: Blazor with interactive server rendering on one HTTP/1.1 address, the live cluster view
/// (<see cref="ClusterStore"/>) shared by every circuit, and the actions. Tests host it in-process.
/// </summary>
public sealed class DashboardHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DashboardHost(DashboardOptions options)
    {
        Options = options;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(DashboardHost).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
        });
        var level = ComponentLogging.TryParseLevel(options.LogLevel, out var l) ? l : LogEventLevel.Information;
        builder.Host.UseSerilog((_, config) => ComponentLogging.Configure(config, level));
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(options.ListenAddress, options.ListenPort));
        // The UI's own files (CSS, the terminal script) are served from the build output like any static web asset.
        builder.WebHost.UseStaticWebAssets();

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(_ => new MiniKubeClient(options.Server, options.Credentials));
        services.AddSingleton<ClusterStore>();
        services.AddSingleton<IClusterView>(sp => sp.GetRequiredService<ClusterStore>());
        services.AddSingleton<DashboardActions>();
        services.AddHostedService<ClusterStoreService>();
        services.AddSingleton<MetricsHistory>();
        services.AddHostedService<MetricsHistoryService>();
        // Circuits and antiforgery tokens need keys; kept in memory (nothing written under HOME), so a restart ends open pages' sessions.
        services.AddSingleton<IDataProtectionProvider, EphemeralDataProtectionProvider>();
        services.AddRazorComponents().AddInteractiveServerComponents();

        _app = builder.Build();
        _app.UseAntiforgery();
        _app.MapStaticAssets();
        _app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        _app.MapGet("/healthz", () => "ok");
    }

    public DashboardOptions Options { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The URL the UI answers on (with the actual port when 0 was asked for); valid after start.</summary>
    public string Url
    {
        get
        {
            var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
            return addresses?.FirstOrDefault()?.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)
                ?? throw new InvalidOperationException("the dashboard is not started");
        }
    }

    public static DashboardHost Create(DashboardOptions options) => new(options);

    public Task StartAsync(CancellationToken cancellationToken = default) => _app.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    /// <summary>Starts the informers with the host and stops them with it.</summary>
    private sealed class ClusterStoreService(ClusterStore store) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            store.Start();
            return Task.CompletedTask;
        }

        public async Task StopAsync(CancellationToken cancellationToken) => await store.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Starts the metrics polling with the host and stops it with it.</summary>
    private sealed class MetricsHistoryService(MetricsHistory history) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            history.Start();
            return Task.CompletedTask;
        }

        public async Task StopAsync(CancellationToken cancellationToken) => await history.DisposeAsync().ConfigureAwait(false);
    }
}
