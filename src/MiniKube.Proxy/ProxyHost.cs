using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Proxy;

public sealed class ProxyStartException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// One minikube-proxy: informers on Services and EndpointSlices feed the <see cref="Proxier"/> through a
/// <see cref="SyncRunner"/>, and the cluster DNS server answers from the same caches. On start it routes the service CIDR
/// to the empty bridge, publishes kube-system/kube-dns and waits for the first full sync. Stopping leaves the rules in place
/// (as kube-proxy does); <see cref="CleanupAsync"/> removes them.
/// </summary>
public sealed partial class ProxyHost : IAsyncDisposable, IServiceLookup
{
    private const string ServiceIndex = "service";
    private readonly ProxyOptions _options;
    private readonly ILogger _logger;
    private readonly MiniKubeClient _client;
    private readonly InformerFactory _informers;
    private readonly Informer<Service> _services;
    private readonly Informer<EndpointSlice> _slices;
    private readonly ServiceBridge _bridge;
    private readonly SyncRunner _runner;
    private readonly DnsAnswerCache _answers = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _firstSync = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ClusterDnsServer? _dns;
    private Task? _loop;

    private ProxyHost(ProxyOptions options, ILoggerFactory loggers, TimeProvider time)
    {
        _options = options;
        _logger = loggers.CreateLogger<ProxyHost>();
        _client = new MiniKubeClient(options.Server, options.Credentials);
        _informers = new InformerFactory(_client, time, loggers);
        _services = _informers.For<Service>();
        _slices = _informers.For<EndpointSlice>();
        _slices.Cache.AddIndexer(ServiceIndex, s => s.Metadata.Labels?.GetValueOrDefault(WellKnownLabels.ServiceName) is { Length: > 0 } name
            ? [ObjectKeys.For(s.Metadata.Namespace, name)]
            : []);
        Rules = new ProxyRules(options.ChainPrefix, options.ServiceClusterIPRange);
        _bridge = new ServiceBridge(options.BridgeName, options.ServiceClusterIPRange, options.ChainPrefix);
        Proxier = new Proxier(Rules, new Iptables(), _bridge, this, () => _services.Cache.List(),
            options.ServiceClusterIPRange, loggers.CreateLogger<Proxier>());
        Proxier.Synced += _ => _firstSync.TrySetResult();
        _runner = new SyncRunner(options.MinSyncPeriod, options.SyncPeriod, Proxier.SyncAsync, time, loggers.CreateLogger<SyncRunner>());
        _services.AddHandler(ServiceChanged, (_, svc) => ServiceChanged(svc), ServiceChanged);
        _slices.AddHandler(SliceChanged, (old, slice) =>
        {
            SliceChanged(old);
            SliceChanged(slice);
        }, SliceChanged);
        Resolver = new ClusterDnsResolver(this, options.ClusterDomain);
        DnsLoggers = loggers;
    }

    private ILoggerFactory DnsLoggers { get; }

    private void ServiceChanged(Service svc)
    {
        Proxier.Changed(svc.Metadata.Namespace ?? "", svc.Metadata.Name ?? "");
        _answers.Invalidate();
        _runner.Request();
    }

    private void SliceChanged(EndpointSlice slice)
    {
        if (slice.Metadata.Labels?.GetValueOrDefault(WellKnownLabels.ServiceName) is { Length: > 0 } service)
        {
            Proxier.Changed(slice.Metadata.Namespace ?? "", service);
            _answers.Invalidate();
            _runner.Request();
        }
    }

    public ProxyRules Rules { get; }

    public Proxier Proxier { get; }

    public ClusterDnsResolver Resolver { get; }

    /// <summary>Where the DNS server listens (null before start or with DNS off).</summary>
    public IPEndPoint? DnsEndpoint => _dns?.Endpoint;

    public static ProxyHost Create(ProxyOptions options, ILoggerFactory loggers, TimeProvider? time = null) =>
        new(options, loggers, time ?? TimeProvider.System);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _bridge.EnsureAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (HostCommandException ex)
        {
            throw new ProxyStartException($"cannot route {_options.ServiceClusterIPRange} to bridge {_options.BridgeName} (root needed): {ex.Message}", ex);
        }
        _informers.Start();
        using (var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            wait.CancelAfter(TimeSpan.FromSeconds(60));
            try
            {
                await _informers.WaitForSyncAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new ProxyStartException($"could not list Services and EndpointSlices from {_options.Server} within 60 s");
            }
        }
        if (_options.EnableDns)
        {
            var address = _options.DnsBindAddress ?? BridgeAddress(_options.DockerBridge)
                ?? throw new ProxyStartException($"no IPv4 address on {_options.DockerBridge} to serve DNS on: set --dns-bind-address");
            var endpoint = new IPEndPoint(address, _options.DnsPort == 0 ? FreeUdpPort(address) : _options.DnsPort);
            var dns = new ClusterDnsServer(Resolver, endpoint, _answers, DnsLoggers.CreateLogger<ClusterDnsServer>());
            try
            {
                dns.Start();
            }
            catch (SocketException ex)
            {
                dns.Dispose();
                throw new ProxyStartException($"cannot serve DNS on {endpoint}: {ex.Message}", ex);
            }
            _dns = dns;
            await new KubeDnsPublisher(_client, _options, endpoint, _logger).PublishAsync(cancellationToken).ConfigureAwait(false);
        }
        _loop = Task.Run(() => _runner.RunAsync(_stop.Token), CancellationToken.None);
        try
        {
            await _firstSync.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw new ProxyStartException("the first iptables sync did not succeed within 60 s (see the warnings above)", ex);
        }
        LogRunning(_logger, _options.NodeName, _options.ServiceClusterIPRange.ToString(), _options.ChainPrefix, DnsEndpoint?.ToString() ?? "off");
    }

    /// <summary>Asks for a sync now (tests, after changing the world behind the proxy's back).</summary>
    public void RequestSync() => _runner.Request();

    public Service? GetService(string ns, string name) => _services.Cache.Get(ns, name);

    public IReadOnlyList<EndpointSlice> SlicesOf(string ns, string name) => _slices.Cache.ByIndex(ServiceIndex, ObjectKeys.For(ns, name));

    /// <summary>Removes everything a proxy with these options installs: jump rules, chains, the bridge and its route, route_localnet.</summary>
    public static async Task<int> CleanupAsync(ProxyOptions options, CancellationToken cancellationToken = default)
    {
        var rules = new ProxyRules(options.ChainPrefix, options.ServiceClusterIPRange);
        var removed = await Proxier.CleanupAsync(rules, new Iptables(), cancellationToken).ConfigureAwait(false);
        await new ServiceBridge(options.BridgeName, options.ServiceClusterIPRange, options.ChainPrefix).RemoveAsync(cancellationToken).ConfigureAwait(false);
        return removed;
    }

    private static int FreeUdpPort(IPAddress address)
    {
        using var probe = new UdpClient(new IPEndPoint(address, 0));
        return ((IPEndPoint)probe.Client.LocalEndPoint!).Port;
    }

    /// <summary>The first IPv4 address of <paramref name="name"/> (the Docker bridge's gateway), or null.</summary>
    public static IPAddress? BridgeAddress(string name) => NetworkInterface.GetAllNetworkInterfaces()
        .Where(i => i.Name == name)
        .SelectMany(i => i.GetIPProperties().UnicastAddresses)
        .Select(a => a.Address)
        .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
        _dns?.Dispose();
        await _informers.DisposeAsync().ConfigureAwait(false);
        _client.Dispose();
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "minikube-proxy running for node {Node}: service CIDR {Range}, chains {Prefix}-*, DNS {Dns}")]
    private static partial void LogRunning(ILogger logger, string node, string range, string prefix, string dns);
}
