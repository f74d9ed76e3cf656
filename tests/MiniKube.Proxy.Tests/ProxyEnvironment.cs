using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using MiniKube.Api;
using MiniKube.Testing;
using Serilog;

namespace MiniKube.Proxy.Tests;

/// <summary>Host-network tests change the shared iptables and routes: they run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HostNetworkCollection
{
    public const string Name = "host network";
}

/// <summary>A busybox httpd container a test started: it answers its own name.</summary>
public sealed record Backend(string Name, string Ip, int Port);

/// <summary>
/// One test's world: a real API server, an in-process proxy with chains, bridge and service sub-range of its own (so it
/// never touches another proxy's rules), and the containers it started. Disposing removes all of it even after a failure,
/// and <see cref="AssertHostRestoredAsync"/> checks that iptables outside our chains is as it was and nothing of ours is left.
/// </summary>
public sealed partial class ProxyEnvironment : IAsyncDisposable
{
    public const string ContainerLabel = "minikube.proxy.test";
    public const string Image = "minikube/busybox:1.0";

    private readonly List<string> _containers = [];
    private readonly string _snapshotBefore;

    private ProxyEnvironment(TestApiServer api, ProxyOptions options, string snapshot)
    {
        Api = api;
        Options = options;
        _snapshotBefore = snapshot;
    }

    public TestApiServer Api { get; }

    public ProxyOptions Options { get; private set; }

    public ProxyHost? Proxy { get; private set; }

    public ProxyRules Rules => new(Options.ChainPrefix, Options.ServiceClusterIPRange);

    /// <summary>Address <paramref name="host"/> (1-254) of this test's service sub-range.</summary>
    public string ServiceIP(int host) => Options.ServiceClusterIPRange.Network.ToString()[..^1] + host.ToString(CultureInfo.InvariantCulture);

    public static async Task<ProxyEnvironment> StartAsync(Func<ProxyOptions, ProxyOptions>? configure = null)
    {
        var id = Convert.ToHexString(Guid.NewGuid().ToByteArray().AsSpan(0, 3));
        var third = 200 + Random.Shared.Next(0, 55);
        var range = ServiceCidr.Parse($"10.96.{third}.0/24");
        var dockerGateway = ProxyHost.BridgeAddress("docker0") ?? throw new InvalidOperationException("docker0 has no IPv4 address");
        var options = new ProxyOptions
        {
            NodeName = "proxy-test",
            ServiceClusterIPRange = range,
            ClusterDnsIP = IPAddress.Parse($"10.96.{third}.10"),
            DnsBindAddress = dockerGateway,
            DnsPort = FreePort.Get(),
            ChainPrefix = "MKT" + id,
            BridgeName = "mkt" + id.ToLowerInvariant(),
            MinSyncPeriod = TimeSpan.FromMilliseconds(100),
        };
        options = configure?.Invoke(options) ?? options;
        var snapshot = await SnapshotAsync(options.ChainPrefix);
        var api = await TestApiServer.StartAsync();
        return new ProxyEnvironment(api, options with { Server = api.GrpcAddress }, snapshot);
    }

    /// <summary>Changes the options the next <see cref="StartProxyAsync"/> uses.</summary>
    public void Reconfigure(Func<ProxyOptions, ProxyOptions> change) => Options = change(Options);

    public async Task<ProxyHost> StartProxyAsync()
    {
        var proxy = ProxyHost.Create(Options, Loggers);
        Proxy = proxy;
        await proxy.StartAsync(CancellationToken.None);
        return proxy;
    }

    /// <summary>Stops the proxy as a kill would: its rules stay in place.</summary>
    public async Task StopProxyAsync()
    {
        if (Proxy is { } proxy)
        {
            Proxy = null;
            await proxy.DisposeAsync();
        }
    }

    /// <summary>The proxy's log on the console with MINIKUBE_TEST_VERBOSE set, else nowhere.</summary>
    private static readonly Microsoft.Extensions.Logging.ILoggerFactory Loggers =
        Environment.GetEnvironmentVariable("MINIKUBE_TEST_VERBOSE") is { Length: > 0 }
            ? new Serilog.Extensions.Logging.SerilogLoggerFactory(new Serilog.LoggerConfiguration().MinimumLevel.Verbose()
                .WriteTo.Console(standardErrorFromLevel: Serilog.Events.LogEventLevel.Verbose).CreateLogger())
            : NullLoggerFactory.Instance;

    public async Task<Backend> StartBackendAsync(string name, int port = 8080)
    {
        var container = $"mkt-{Options.ChainPrefix.ToLowerInvariant()}-{name}";
        _containers.Add(container);
        (await DockerCli.RunAsync("run", "-d", "--name", container, "--label", $"{ContainerLabel}={Options.ChainPrefix}", Image,
            "sh", "-c", $"mkdir -p /www && echo {name} > /www/index.html && exec httpd -f -p {port} -h /www")).EnsureSuccess();
        var ip = await ContainerIPAsync(container);
        var backend = new Backend(name, ip, port);
        await Eventually.WaitAsync(async () => await TryGetAsync($"http://{ip}:{port}/") == name, TimeSpan.FromSeconds(20), $"httpd in {container} answers");
        return backend;
    }

    /// <summary>A busybox container (a "pod") with the resolver settings a ClusterFirst pod gets.</summary>
    public async Task<string> StartClientAsync(string name)
    {
        var container = $"mkt-{Options.ChainPrefix.ToLowerInvariant()}-{name}";
        _containers.Add(container);
        var domain = Options.ClusterDomain;
        (await DockerCli.RunAsync("run", "-d", "--init", "--name", container, "--label", $"{ContainerLabel}={Options.ChainPrefix}",
            "--dns", Options.ClusterDnsIP.ToString(), "--dns-search", $"default.svc.{domain}", "--dns-search", $"svc.{domain}", "--dns-search", domain,
            "--dns-option", "ndots:5", Image, "sleep", "3600")).EnsureSuccess();
        return container;
    }

    /// <summary>Runs a shell script in a container; its output.</summary>
    public static async Task<string> ExecAsync(string container, string script) =>
        (await DockerCli.RunAsync(["exec", container, "sh", "-c", script], TimeSpan.FromSeconds(120))).EnsureSuccess().StandardOutput;

    public static async Task<string> ContainerIPAsync(string container)
    {
        var inspect = await DockerCli.InspectAsync(container);
        return inspect.GetProperty("NetworkSettings").GetProperty("IPAddress").GetString() ?? throw new InvalidOperationException($"{container} has no IP");
    }

    public Task<Service> CreateServiceAsync(string name, int ipHost, int port = 80, int? nodePort = null, string? affinity = null,
        int? affinityTimeout = null, string protocol = "TCP", string? ns = null) =>
        Api.Client.CreateAsync(new Service
        {
            Metadata = new ObjectMeta { Name = name, Namespace = ns ?? "default" },
            Spec = new ServiceSpec
            {
                Type = nodePort is null ? ServiceType.ClusterIP : ServiceType.NodePort,
                ClusterIP = ServiceIP(ipHost),
                SessionAffinity = affinity,
                SessionAffinityConfig = affinityTimeout is null ? null : new SessionAffinityConfig { ClientIP = new ClientIPConfig { TimeoutSeconds = affinityTimeout } },
                Ports = [new ServicePort { Name = "http", Port = port, Protocol = protocol, TargetPort = IntOrString.FromString("http"), NodePort = nodePort }],
            },
        });

    /// <summary>Writes the (selector-less) Service's EndpointSlice: these backends, ready unless listed in <paramref name="notReady"/>.</summary>
    public async Task SetEndpointsAsync(string service, IReadOnlyList<Backend> backends, IReadOnlyCollection<Backend>? notReady = null, string ns = "default")
    {
        var slice = new EndpointSlice
        {
            Metadata = new ObjectMeta { Name = service + "-manual", Namespace = ns, Labels = new Dictionary<string, string> { [WellKnownLabels.ServiceName] = service } },
            AddressType = AddressTypes.IPv4,
            Endpoints = [.. backends.Select(b => new Endpoint
            {
                Addresses = [b.Ip],
                Conditions = new EndpointConditions { Ready = notReady?.Contains(b) != true },
                Hostname = b.Name,
            })],
            Ports = [new EndpointSlicePort { Name = "http", Port = backends.Count > 0 ? backends[0].Port : 8080, Protocol = "TCP" }],
        };
        try
        {
            var existing = await Api.Client.GetAsync<EndpointSlice>(slice.Metadata.Name!, ns);
            await Api.Client.UpdateAsync(slice with { Metadata = slice.Metadata with { ResourceVersion = existing.Metadata.ResourceVersion } });
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            await Api.Client.CreateAsync(slice);
        }
    }

    /// <summary>Waits until the proxy has synced a model in which <paramref name="until"/> holds.</summary>
    public async Task WaitForSyncAsync(Func<IReadOnlyList<ServicePortModel>, bool> until, string what)
    {
        var proxy = Proxy ?? throw new InvalidOperationException("no proxy running");
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnSynced(SyncResult result)
        {
            if (until(result.Ports))
            {
                done.TrySetResult();
            }
        }
        proxy.Proxier.Synced += OnSynced;
        try
        {
            proxy.RequestSync();
            await done.Task.WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"the proxy did not sync {what} within 20 s");
        }
        finally
        {
            proxy.Proxier.Synced -= OnSynced;
        }
    }

    public Task WaitForEndpointsAsync(string service, int count) =>
        WaitForSyncAsync(ports => ports.Any(p => p.Name == service && p.Endpoints.Count == count), $"{service} with {count} endpoints");

    private static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero, ConnectTimeout = TimeSpan.FromSeconds(3) })
    {
        Timeout = TimeSpan.FromSeconds(5),
    };

    /// <summary>One GET on a new connection (a new conntrack entry, so a new pick); the body trimmed, or null on failure.</summary>
    public static async Task<string?> TryGetAsync(string url)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.ConnectionClose = true;
            using var response = await Http.SendAsync(request);
            return (await response.Content.ReadAsStringAsync()).Trim();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>Counts the answers of <paramref name="requests"/> GETs of <paramref name="url"/> by backend name.</summary>
    public static async Task<Dictionary<string, int>> CountAsync(string url, int requests)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < requests; i++)
        {
            var body = await TryGetAsync(url) ?? "(failed)";
            counts[body] = counts.GetValueOrDefault(body) + 1;
        }
        return counts;
    }

    /// <summary>Connects over TCP; the socket error (ConnectionRefused, TimedOut…) or Success, and how long it took.</summary>
    public static async Task<(SocketError Error, TimeSpan Took)> ConnectAsync(string ip, int port)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var client = new TcpClient();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await client.ConnectAsync(IPAddress.Parse(ip), port, deadline.Token);
            return (SocketError.Success, clock.Elapsed);
        }
        catch (SocketException ex)
        {
            return (ex.SocketErrorCode, clock.Elapsed);
        }
        catch (OperationCanceledException)
        {
            return (SocketError.TimedOut, clock.Elapsed);
        }
    }

    /// <summary>The chain and rule lines of our prefix in both tables.</summary>
    public async Task<string> OurRulesAsync()
    {
        var lines = new List<string>();
        foreach (var table in new[] { "filter", "nat" })
        {
            var save = (await HostCommand.RunAsync("iptables-save", ["-t", table])).EnsureSuccess().StandardOutput;
            lines.AddRange(save.Split('\n').Where(l => l.Contains(Options.ChainPrefix + "-", StringComparison.Ordinal)).Select(l => table + ": " + l));
        }
        return string.Join('\n', lines);
    }

    /// <summary>
    /// iptables-save of filter and nat without counters, comments, Docker's own chains and rules (Docker changes them as other
    /// tests publish ports) and other MiniKube proxies' chains (a cluster under test elsewhere on this machine).
    /// </summary>
    public static async Task<string> SnapshotAsync(string ownPrefix)
    {
        var lines = new List<string>();
        foreach (var table in new[] { "filter", "nat" })
        {
            var save = (await HostCommand.RunAsync("iptables-save", ["-t", table])).EnsureSuccess().StandardOutput;
            foreach (var raw in save.Split('\n'))
            {
                var line = Counters().Replace(raw, "");
                if (line.StartsWith('#') || line.Length == 0 || line.Contains("DOCKER", StringComparison.Ordinal)
                    || DockerHairpin().IsMatch(line) || (OtherProxy().IsMatch(line) && !line.Contains(ownPrefix + "-", StringComparison.Ordinal)))
                {
                    continue;
                }
                lines.Add(table + ": " + line);
            }
        }
        return string.Join('\n', lines);
    }

    /// <summary>Outside our chains iptables is as before; no chain, rule, bridge or route of ours is left.</summary>
    public async Task AssertHostRestoredAsync()
    {
        Assert.Equal(_snapshotBefore, await SnapshotAsync(Options.ChainPrefix));
        Assert.Equal("", await OurRulesAsync());
        var link = await HostCommand.RunAsync("ip", ["link", "show", "dev", Options.BridgeName]);
        Assert.False(link.Succeeded, $"bridge {Options.BridgeName} is still there");
        var route = (await HostCommand.RunAsync("ip", ["-4", "route", "show", "exact", Options.ServiceClusterIPRange.ToString()])).EnsureSuccess();
        Assert.Equal("", route.StandardOutput.Trim());
    }

    public async ValueTask DisposeAsync()
    {
        await StopProxyAsync();
        await ProxyHost.CleanupAsync(Options);
        foreach (var container in _containers)
        {
            await DockerCli.RunAsync("rm", "--force", container);
        }
        await Api.DisposeAsync();
    }

    [GeneratedRegex(@"\[\d+:\d+\]")]
    private static partial Regex Counters();

    /// <summary>Docker's MASQUERADE of a published port's own traffic (-s X/32 -d X/32).</summary>
    [GeneratedRegex(@"^-A POSTROUTING -s (\S+)/32 -d \1/32 -p \w+ -m \w+ --dport \d+ -j MASQUERADE$")]
    private static partial Regex DockerHairpin();

    [GeneratedRegex(@"\b(MINIKUBE|MKT[0-9A-F]{6}|MK[0-9A-F]{6}|MKB[0-9A-F]*)-")]
    private static partial Regex OtherProxy();
}
