using MiniKube.ApiServer;
using MiniKube.Testing;
using Serilog.Events;

namespace MiniKube.ApiServer.Tests;

public sealed class ApiServerCommandLineTests
{
    private static (ApiServerOptions? Options, IReadOnlyList<string> Problems) Parse(params string[] args)
    {
        var parse = ApiServerCommandLine.CreateRootCommand().Parse(args);
        Assert.Empty(parse.Errors);
        return ApiServerCommandLine.ToOptions(parse);
    }

    private static object Values(ApiServerOptions o) => new
    {
        EtcdServers = string.Join(",", o.EtcdServers), o.EtcdPrefix, o.BindAddress, o.Port, o.GrpcPort, o.WatchCacheCapacity, o.EtcdStartupTimeout, o.EventTtl,
        o.DefaultNotReadyTolerationSeconds, o.DefaultUnreachableTolerationSeconds, o.ServiceClusterIPRange, o.ServiceNodePortRange,
        o.MetricResolution, o.KubeletRequestTimeout,
    };

    [Fact]
    public void Defaults_are_the_options_defaults()
    {
        var (options, problems) = Parse();
        Assert.Empty(problems);
        Assert.Equal(Values(new ApiServerOptions()), Values(options!));
        Assert.Equal(("http://127.0.0.1:2379", 8080, 8081, "10.96.0.0/16"), (options!.EtcdServers.Single(), options.Port, options.GrpcPort, options.ServiceClusterIPRange));
        Assert.Equal(LogEventLevel.Information, ApiServerCommandLine.GetLogLevel(ApiServerCommandLine.CreateRootCommand().Parse([])));
    }

    [Fact]
    public void Every_flag_reaches_the_options()
    {
        var (options, problems) = Parse("--etcd-servers", "http://127.0.0.1:1, http://127.0.0.1:2", "--etcd-prefix", "/mk", "--bind-address", "0.0.0.0",
            "--port", "0", "--grpc-port", "9001", "--watch-cache-size", "500", "--etcd-startup-timeout", "30", "--event-ttl", "60",
            "--default-not-ready-toleration-seconds", "10", "--default-unreachable-toleration-seconds", "20",
            "--service-cluster-ip-range", "10.100.0.0/16", "--service-node-port-range", "31000-31100",
            "--metric-resolution", "2s", "--kubelet-request-timeout", "500ms", "--log-level", "Warning");
        Assert.Empty(problems);
        Assert.Equal(Values(new ApiServerOptions
        {
            EtcdServers = ["http://127.0.0.1:1", "http://127.0.0.1:2"],
            EtcdPrefix = "/mk",
            BindAddress = "0.0.0.0",
            Port = 0,
            GrpcPort = 9001,
            WatchCacheCapacity = 500,
            EtcdStartupTimeout = TimeSpan.FromSeconds(30),
            EventTtl = TimeSpan.FromSeconds(60),
            DefaultNotReadyTolerationSeconds = 10,
            DefaultUnreachableTolerationSeconds = 20,
            ServiceClusterIPRange = "10.100.0.0/16",
            ServiceNodePortRange = "31000-31100",
            MetricResolution = TimeSpan.FromSeconds(2),
            KubeletRequestTimeout = TimeSpan.FromMilliseconds(500),
        }), Values(options!));
        Assert.Equal(LogEventLevel.Warning, ApiServerCommandLine.GetLogLevel(ApiServerCommandLine.CreateRootCommand().Parse(["--log-level", "Warning"])));
        var (advertised, none) = (Parse("--advertise-address", "172.17.0.1").Options!, Parse("--endpoint-reconciler-type", "none").Options!);
        Assert.Equal(("172.17.0.1", "172.17.0.1", true), (advertised.AdvertiseAddress, advertised.EffectiveAdvertiseAddress, advertised.ListensOnAdvertiseAddress));
        Assert.Equal((EndpointReconcilerTypes.Lease, EndpointReconcilerTypes.None), (advertised.EndpointReconcilerType, none.EndpointReconcilerType));
        // Without one: the bind address, and no second listener.
        Assert.Equal(("127.0.0.1", false), (none.EffectiveAdvertiseAddress, none.ListensOnAdvertiseAddress));
        // Kubernetes' name for the watch cache size works too.
        Assert.Equal(700, Parse("--default-watch-cache-size", "700").Options!.WatchCacheCapacity);
    }

    [Theory]
    [InlineData("--metric-resolution=15", "--metric-resolution \"15\" is not a duration such as 500ms, 10s or 5m")]
    [InlineData("--kubelet-request-timeout=0s", "--kubelet-request-timeout must be positive (e.g. --kubelet-request-timeout 10s)")]
    [InlineData("--etcd-servers=127.0.0.1:2379", "--etcd-servers: \"127.0.0.1:2379\" is not a URL such as http://127.0.0.1:2379")]
    [InlineData("--bind-address=localhost", "--bind-address: \"localhost\" is not an IP address")]
    [InlineData("--grpc-port=8080", "--port and --grpc-port must differ: gRPC needs an HTTP/2-only port of its own")]
    [InlineData("--watch-cache-size=10", "--watch-cache-size must be at least 100")]
    [InlineData("--log-level=loud", "--log-level \"loud\" is not one of Verbose, Debug, Information, Warning, Error")]
    [InlineData("--advertise-address=docker0", "--advertise-address: \"docker0\" is not an IPv4 address of this host (e.g. the Docker bridge's gateway, 172.17.0.1)")]
    [InlineData("--advertise-address=0.0.0.0", "--advertise-address: \"0.0.0.0\" is not an IPv4 address of this host (e.g. the Docker bridge's gateway, 172.17.0.1)")]
    [InlineData("--endpoint-reconciler-type=master-count", "--endpoint-reconciler-type: \"master-count\" is not one of lease, none")]
    public void A_bad_value_is_one_problem_naming_the_flag(string flag, string problem)
    {
        var (options, problems) = Parse(flag);
        Assert.Null(options);
        Assert.Equal(problem, Assert.Single(problems));
    }

    [Fact]
    public void The_etcd_client_flags_reach_the_options_and_are_checked()
    {
        var existing = typeof(ApiServerCommandLineTests).Assembly.Location;
        var (options, problems) = Parse("--etcd-servers", "https://127.0.0.1:2379", "--etcd-cafile", existing, "--etcd-certfile", existing, "--etcd-keyfile", existing);
        Assert.Empty(problems);
        Assert.Equal((existing, existing, existing), (options!.EtcdCAFile, options.EtcdCertFile, options.EtcdKeyFile));
        // https without --etcd-cafile trusts the system's roots, as Kubernetes does.
        Assert.Empty(Parse("--etcd-servers", "https://127.0.0.1:2379").Problems);

        Assert.Equal("--etcd-certfile: file \"/nonexistent/etcd.crt\" does not exist",
            Assert.Single(Parse("--etcd-servers", "https://127.0.0.1:2379", "--etcd-certfile", "/nonexistent/etcd.crt", "--etcd-keyfile", existing).Problems));
        Assert.Equal("--etcd-certfile and --etcd-keyfile go together: set both to show etcd a client certificate, or neither",
            Assert.Single(Parse("--etcd-servers", "https://127.0.0.1:2379", "--etcd-certfile", existing).Problems));
        Assert.Equal("--etcd-servers: \"http://127.0.0.1:2379\" is plaintext, but --etcd-cafile/--etcd-certfile/--etcd-keyfile are set: use https URLs",
            Assert.Single(Parse("--etcd-cafile", existing).Problems));
    }

    [Fact]
    public async Task The_process_exits_2_with_one_line_on_bad_flags()
    {
        var (code, stderr) = await ComponentProcess.RunToExitAsync("minikube-apiserver", ["--metric-resolution", "often"], TimeSpan.FromSeconds(60));
        Assert.Equal(2, code);
        Assert.Equal("minikube-apiserver: --metric-resolution \"often\" is not a duration such as 500ms, 10s or 5m", stderr.Trim());

        (code, stderr) = await ComponentProcess.RunToExitAsync("minikube-apiserver", ["--port"], TimeSpan.FromSeconds(60));
        Assert.Equal(2, code);
        Assert.StartsWith("minikube-apiserver: ", stderr.Trim(), StringComparison.Ordinal);
        Assert.EndsWith("(see --help)", stderr.Trim(), StringComparison.Ordinal);
    }
}
