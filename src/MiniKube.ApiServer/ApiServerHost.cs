using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using MiniKube.ApiServer.Rest;
using MiniKube.Hosting;
using MiniKube.Storage;
using Serilog;
using Serilog.Events;

namespace MiniKube.ApiServer;

/// <summary>
/// Builds the API server: one HTTP/1.1 port (health, /version, later REST) and one HTTP/2-only port for gRPC,
/// since Kestrel serves plaintext gRPC only on an HTTP/2-only endpoint.
/// </summary>
public sealed class ApiServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ListenOptions[] _listeners = new ListenOptions[2];

    private ApiServerHost(ApiServerOptions options, LogEventLevel minimumLevel)
    {
        Options = options;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Host.UseSerilog((_, config) => ComponentLogging.Configure(config, minimumLevel)
            // Request start/stop logs only; while any level of this category is on, hosting opens a logging scope per
            // request (an allocation and an async-local change on the hottest path).
            .MinimumLevel.Override("Microsoft.AspNetCore.Hosting.Diagnostics", LevelAlias.Off));
        var address = IPAddress.Parse(options.BindAddress);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(address, options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                _listeners[0] = listen;
            });
            kestrel.Listen(address, options.GrpcPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                _listeners[1] = listen;
            });
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
            kestrel.Limits.MaxRequestBodySize = RequestLimits.MaxRequestBodyBytes;
        });

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        // Loaded here, not lazily: a configuration that stopped being readable since Validate fails the start, not a request.
        var encryption = options.EncryptionProviderConfig is { } encryptionConfig ? EncryptionConfiguration.Load(encryptionConfig) : null;
        services.AddSingleton<IObjectStore>(_ =>
        {
            var etcd = new EtcdObjectStore(new EtcdStorageOptions
            {
                Endpoints = options.EtcdServers,
                Prefix = options.EtcdPrefix,
            });
            return encryption is null ? etcd : new EncryptingObjectStore(etcd, encryption, options.EtcdPrefix);
        });
        services.AddSingleton<ObjectCodec>();
        services.AddSingleton<WatchCacheSet>();
        services.AddHostedService(sp => sp.GetRequiredService<WatchCacheSet>());
        services.AddSingleton<ObjectApi>();
        services.AddSingleton<WatchStreams>();
        services.AddSingleton<KubeletProxy>();
        services.AddRest();
        services.AddHostedService<SystemNamespaces>();
        services.AddSingleton<ResourceMetricsStore>();
        services.AddSingleton<ResourceMetricsScraper>();
        services.AddHostedService(sp => sp.GetRequiredService<ResourceMetricsScraper>());
        services.AddSingleton<IResourceMetrics, ResourceMetrics>();
        services.AddSingleton<CustomMetricsScraper>();
        services.AddHostedService(sp => sp.GetRequiredService<CustomMetricsScraper>());
        services.AddSingleton<ICustomMetrics, CustomMetricsApi>();
        services.AddSingleton<IScaleSubresource, ScaleSubresource>();
        services.AddSingleton<GrpcErrors>();
        // Audit only with a log and a policy: Kubernetes logs nothing without a policy file.
        var audit = options is { AuditLogPath: not null, AuditPolicyFile: not null };
        if (audit)
        {
            var policy = AuditPolicy.Load(options.AuditPolicyFile!);
            services.AddSingleton(sp => new AuditLog(options, policy, sp.GetRequiredService<ILogger<AuditLog>>()));
            services.AddHostedService(sp => sp.GetRequiredService<AuditLog>());
        }
        services.AddGrpc(grpc =>
        {
            grpc.Interceptors.Add<GrpcErrors>();
            if (audit)
            {
                // Inside GrpcErrors: sees the API's own exceptions, before they become gRPC statuses.
                grpc.Interceptors.Add<AuditInterceptor>();
            }
            grpc.MaxReceiveMessageSize = RequestLimits.MaxRequestBodyBytes;
            grpc.MaxSendMessageSize = 256 * 1024 * 1024;
        });

        _app = builder.Build();
        if (audit)
        {
            _app.UseMiddleware<AuditMiddleware>();
        }
        _app.MapGrpcService<ObjectsService>();
        _app.MapGrpcService<PodProxyService>();
        _app.UseWebSockets();
        _app.MapGrpcService<MetricsService>();
        _app.MapGrpcService<CustomMetricsService>();
        _app.MapGrpcService<ScalesService>();
        HealthEndpoints.Map(_app);
        Rest.RestEndpoints.Map(_app);
    }

    public ApiServerOptions Options { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The gRPC address clients use (the actual port when 0 was asked for); valid after start.</summary>
    public string GrpcAddress => $"http://{Host}:{((IPEndPoint)_listeners[1].EndPoint).Port}";

    /// <summary>The HTTP/1.1 address (health, /version); valid after start.</summary>
    public string HttpAddress => $"http://{Host}:{((IPEndPoint)_listeners[0].EndPoint).Port}";

    private string Host => Options.BindAddress is "0.0.0.0" ? "127.0.0.1" : Options.BindAddress.Contains(':') ? $"[{Options.BindAddress}]" : Options.BindAddress;

    public static ApiServerHost Create(ApiServerOptions options, LogEventLevel minimumLevel = LogEventLevel.Information)
    {
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }
        return new ApiServerHost(options, minimumLevel);
    }

    /// <summary>Checks etcd answers, starts serving, and waits until the watch caches and system namespaces are ready.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await EtcdProbe.WaitReachableAsync(_app.Services.GetRequiredService<IObjectStore>(), Options, cancellationToken).ConfigureAwait(false);
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        await _app.Services.GetRequiredService<WatchCacheSet>().AllSynced.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        await _app.Services.GetServices<IHostedService>().OfType<SystemNamespaces>().Single().Ready.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken)
            .ConfigureAwait(false);
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
