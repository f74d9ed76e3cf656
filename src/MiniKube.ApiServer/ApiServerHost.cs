using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using MiniKube.ApiServer.Authorization;
using MiniKube.ApiServer.Rest;
using MiniKube.Hosting;
using MiniKube.Security;
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
    private readonly ListenOptions?[] _listeners = new ListenOptions?[3];

    private ApiServerHost(ApiServerOptions options, LogEventLevel minimumLevel, Authenticators security, EtcdStorageOptions etcdOptions,
        ServiceAccountSigning signing)
    {
        var authenticator = security.Chain;
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
                UseTls(listen, security);
                _listeners[0] = listen;
            });
            kestrel.Listen(address, options.GrpcPort, listen =>
            {
                // With TLS, ALPN offers h2 only: gRPC needs HTTP/2.
                listen.Protocols = HttpProtocols.Http2;
                UseTls(listen, security);
                _listeners[1] = listen;
            });
            if (options.ListensOnAdvertiseAddress)
            {
                // The REST port again, on the address pods reach through the kubernetes Service (the Docker bridge's gateway),
                // so the API server needs neither 0.0.0.0 nor route_localnet (see docs/security.md).
                kestrel.Listen(IPAddress.Parse(options.AdvertiseAddress!), options.Port, listen =>
                {
                    listen.Protocols = HttpProtocols.Http1;
                    UseTls(listen, security);
                    _listeners[2] = listen;
                });
            }
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
            kestrel.Limits.MaxRequestBodySize = RequestLimits.MaxRequestBodyBytes;
        });

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(signing);
        services.AddSingleton<TokenRequests>();
        services.AddSingleton<CachedServiceAccountObjects>();
        // Loaded here, not lazily: a configuration that stopped being readable since Validate fails the start, not a request.
        var encryption = options.EncryptionProviderConfig is { } encryptionConfig ? EncryptionConfiguration.Load(encryptionConfig) : null;
        services.AddSingleton<IObjectStore>(_ =>
        {
            var etcd = new EtcdObjectStore(etcdOptions);
            return encryption is null ? etcd : new EncryptingObjectStore(etcd, encryption, options.EtcdPrefix);
        });
        services.AddSingleton<ObjectCodec>();
        services.AddSingleton<WatchCacheSet>();
        services.AddHostedService(sp => sp.GetRequiredService<WatchCacheSet>());
        services.AddHttpContextAccessor();
        services.AddSingleton<PodSecurityAdmission>();
        services.AddSingleton<NodeRestriction>();
        services.AddSingleton<ObjectApi>();
        services.AddSingleton<WatchStreams>();
        services.AddSingleton<KubeletClient>();
        services.AddSingleton<KubeletProxy>();
        services.AddRest();
        services.AddHostedService<SystemNamespaces>();
        services.AddSingleton<AdvertisedEndpoint>();
        services.AddSingleton<EndpointLeases>();
        services.AddSingleton<KubernetesServiceController>();
        services.AddHostedService(sp => sp.GetRequiredService<KubernetesServiceController>());
        services.AddSingleton<ResourceMetricsStore>();
        services.AddSingleton<ResourceMetricsScraper>();
        services.AddHostedService(sp => sp.GetRequiredService<ResourceMetricsScraper>());
        services.AddSingleton<IResourceMetrics, ResourceMetrics>();
        services.AddSingleton<CustomMetricsScraper>();
        services.AddHostedService(sp => sp.GetRequiredService<CustomMetricsScraper>());
        services.AddSingleton<ICustomMetrics, CustomMetricsApi>();
        services.AddSingleton<IScaleSubresource, ScaleSubresource>();
        services.AddSingleton<GrpcErrors>();
        services.AddSingleton<Security.RbacAuthorizer>();
        services.AddSingleton<Security.NodeGraph>();
        services.AddSingleton<Security.NodeAuthorizer>();
        services.AddSingleton<NodeGraphFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<NodeGraphFeed>());
        services.AddSingleton<ApiAuthorization>();
        services.AddSingleton<RbacPolicyFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<RbacPolicyFeed>());
        services.AddSingleton<RbacBootstrap>();
        services.AddHostedService(sp => sp.GetRequiredService<RbacBootstrap>());
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
                // Inside GrpcErrors: sees the API's own exceptions (denials included), before they become gRPC statuses.
                grpc.Interceptors.Add<AuditInterceptor>();
            }
            // Inside GrpcErrors, so a denial leaves as PermissionDenied with the Forbidden Status.
            grpc.Interceptors.Add<GrpcAuthorization>();
            grpc.MaxReceiveMessageSize = RequestLimits.MaxRequestBodyBytes;
            grpc.MaxSendMessageSize = 256 * 1024 * 1024;
        });

        // Always there: TokenReview asks it even when requests themselves are not authenticated. Service account tokens come
        // last, as in Kubernetes; they authenticate requests only while authentication is on (a server without a token file
        // or client CA serves every request, tokens or not).
        services.AddSingleton(sp => new UnionAuthenticator([authenticator,
            new Security.ServiceAccounts.ServiceAccountTokenAuthenticator(signing.Tokens, sp.GetRequiredService<CachedServiceAccountObjects>(), signing.Clock)]));
        if (authenticator.Count > 0)
        {
            services.AddSingleton<RequestAuthentication>();
        }

        _app = builder.Build();
        if (signing.Generated)
        {
            ServiceAccountSigning.LogGeneratedKey(_app.Services.GetRequiredService<ILogger<ServiceAccountSigning>>());
        }
        if (authenticator.Count > 0)
        {
            var authentication = _app.Services.GetRequiredService<RequestAuthentication>();
            _app.Use(authentication.InvokeAsync);
        }
        if (audit)
        {
            // After authentication (the user is known), before authorization (denials are logged too).
            _app.UseMiddleware<AuditMiddleware>();
        }
        // After authentication (which sets RequestUser), before any endpoint.
        RestAuthorization.Use(_app);
        _app.MapGrpcService<ObjectsService>();
        _app.MapGrpcService<PodProxyService>();
        _app.UseWebSockets();
        _app.MapGrpcService<MetricsService>();
        _app.MapGrpcService<CustomMetricsService>();
        _app.MapGrpcService<ScalesService>();
        HealthEndpoints.Map(_app);
        Rest.RestEndpoints.Map(_app);
        Rest.SelfSubjectReviewEndpoint.Map(_app);
    }

    /// <summary>
    /// TLS with the serving certificate when one is configured. Client certificates are asked for, not required (tokens still
    /// work), and one that does not chain to the client CA ends the handshake, so it never reaches a handler.
    /// </summary>
    private static void UseTls(ListenOptions listen, Authenticators security)
    {
        if (security.ServingCertificate is not { } serving)
        {
            return;
        }
        listen.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = serving,
            ClientCertificateMode = security.ClientCertificates is null ? ClientCertificateMode.NoCertificate : ClientCertificateMode.AllowCertificate,
            ClientCertificateValidation = (certificate, _, _) => security.ClientCertificates?.Verify(certificate) is null,
        });
    }

    public ApiServerOptions Options { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The gRPC address clients use (the actual port when 0 was asked for); valid after start.</summary>
    public string GrpcAddress => $"{Scheme}://{Host}:{((IPEndPoint)_listeners[1]!.EndPoint).Port}";

    /// <summary>The HTTP/1.1 address (health, /version); valid after start.</summary>
    public string HttpAddress => $"{Scheme}://{Host}:{((IPEndPoint)_listeners[0]!.EndPoint).Port}";

    /// <summary>The endpoint this server publishes for the <c>default/kubernetes</c> Service; valid after start.</summary>
    internal ApiServerEndpoint KubernetesEndpoint =>
        new(Options.EffectiveAdvertiseAddress, ((IPEndPoint)(_listeners[2] ?? _listeners[0])!.EndPoint).Port);

    private string Scheme => Options.ServesTls ? "https" : "http";

    private string Host => Options.BindAddress is "0.0.0.0" ? "127.0.0.1" : Options.BindAddress.Contains(':') ? $"[{Options.BindAddress}]" : Options.BindAddress;

    /// <exception cref="AuthenticationConfigException">A token, CA or etcd client file cannot be used (the message says where).</exception>
    /// <param name="tokenClock">
    /// The clock service account tokens are issued and checked by (the rest of the server uses the system clock); tests pass a
    /// fake one to see a token expire.
    /// </param>
    public static ApiServerHost Create(ApiServerOptions options, LogEventLevel minimumLevel = LogEventLevel.Information, TimeProvider? tokenClock = null)
    {
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }
        return new ApiServerHost(options, minimumLevel, Authenticators.From(options), EtcdClientTls.StorageOptions(options),
            ServiceAccountSigning.From(options, tokenClock ?? TimeProvider.System));
    }

    /// <summary>Checks etcd answers, starts serving, and waits until the watch caches and system namespaces are ready.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await EtcdProbe.WaitReachableAsync(_app.Services.GetRequiredService<IObjectStore>(), Options, cancellationToken).ConfigureAwait(false);
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app.Services.GetRequiredService<AdvertisedEndpoint>().Set(KubernetesEndpoint);
        await _app.Services.GetRequiredService<WatchCacheSet>().AllSynced.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        await _app.Services.GetServices<IHostedService>().OfType<SystemNamespaces>().Single().Ready.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken)
            .ConfigureAwait(false);
        await _app.Services.GetRequiredService<RbacBootstrap>().Ready.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        await _app.Services.GetRequiredService<KubernetesServiceController>().Ready.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        await _app.Services.GetRequiredService<NodeGraphFeed>().Synced.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
