using System.CommandLine;
using MiniKube.ApiServer;

var etcdServers = new Option<string>("--etcd-servers")
{
    Description = "Comma-separated etcd client URLs",
    DefaultValueFactory = _ => "http://127.0.0.1:2379",
};
var etcdPrefix = new Option<string>("--etcd-prefix") { Description = "Key prefix of every object in etcd", DefaultValueFactory = _ => "/registry" };
var bindAddress = new Option<string>("--bind-address") { Description = "Address to listen on", DefaultValueFactory = _ => "127.0.0.1" };
var port = new Option<int>("--port") { Description = "HTTP/1.1 port: /healthz, /readyz, /version (0 = any free port)", DefaultValueFactory = _ => 8080 };
var grpcPort = new Option<int>("--grpc-port") { Description = "gRPC (h2c) port (0 = any free port)", DefaultValueFactory = _ => 8081 };
var etcdStartupTimeout = new Option<int>("--etcd-startup-timeout") { Description = "Seconds to wait for etcd at start before failing", DefaultValueFactory = _ => 10 };
var eventTtl = new Option<int>("--event-ttl") { Description = "Seconds an Event is kept before it expires", DefaultValueFactory = _ => 3600 };
var notReadyToleration = new Option<long>("--default-not-ready-toleration-seconds")
{
    Description = "tolerationSeconds of the node.kubernetes.io/not-ready:NoExecute toleration added to every pod that has none",
    DefaultValueFactory = _ => 300,
};
var unreachableToleration = new Option<long>("--default-unreachable-toleration-seconds")
{
    Description = "tolerationSeconds of the node.kubernetes.io/unreachable:NoExecute toleration added to every pod that has none",
    DefaultValueFactory = _ => 300,
};
var serviceClusterIPRange = new Option<string>("--service-cluster-ip-range")
{
    Description = "IPv4 CIDR that Service ClusterIPs are allocated from",
    DefaultValueFactory = _ => ServiceIPRange.Default,
};
var serviceNodePortRange = new Option<string>("--service-node-port-range")
{
    Description = "Port range (MIN-MAX, inclusive) that Service NodePorts are allocated from",
    DefaultValueFactory = _ => NodePortRange.Default,
};
var metricResolution = new Option<string>("--metric-resolution")
{
    Description = "How often the resource metrics pipeline scrapes the kubelets (a duration such as 15s or 500ms)",
    DefaultValueFactory = _ => "15s",
};
var kubeletRequestTimeout = new Option<string>("--kubelet-request-timeout")
{
    Description = "How long one kubelet stats scrape may take before that node's metrics drop out (e.g. 10s)",
    DefaultValueFactory = _ => "10s",
};
var watchCacheSize = new Option<int>("--watch-cache-size") { Description = "Events each resource's watch cache keeps", DefaultValueFactory = _ => 10_000 };

var root = new RootCommand("minikube-apiserver: the MiniKube API server (objects in etcd, gRPC API and watches)")
{
    etcdServers, etcdPrefix, bindAddress, port, grpcPort, watchCacheSize, etcdStartupTimeout, eventTtl, notReadyToleration, unreachableToleration,
    serviceClusterIPRange, serviceNodePortRange,
    metricResolution, kubeletRequestTimeout,
};
root.SetAction(async (parse, ct) =>
{
    if (!MiniKube.Api.GoDuration.TryParse(parse.GetValue(metricResolution), out var resolution))
    {
        Console.Error.WriteLine($"minikube-apiserver: --metric-resolution: \"{parse.GetValue(metricResolution)}\" is not a duration such as 15s or 500ms");
        return 2;
    }
    if (!MiniKube.Api.GoDuration.TryParse(parse.GetValue(kubeletRequestTimeout), out var scrapeTimeout))
    {
        Console.Error.WriteLine($"minikube-apiserver: --kubelet-request-timeout: \"{parse.GetValue(kubeletRequestTimeout)}\" is not a duration such as 10s");
        return 2;
    }
    var options = new ApiServerOptions
    {
        MetricResolution = resolution,
        KubeletRequestTimeout = scrapeTimeout,
        EtcdServers = parse.GetValue(etcdServers)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        EtcdPrefix = parse.GetValue(etcdPrefix)!,
        BindAddress = parse.GetValue(bindAddress)!,
        Port = parse.GetValue(port),
        GrpcPort = parse.GetValue(grpcPort),
        WatchCacheCapacity = parse.GetValue(watchCacheSize),
        EtcdStartupTimeout = TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(etcdStartupTimeout))),
        EventTtl = TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(eventTtl))),
        DefaultNotReadyTolerationSeconds = parse.GetValue(notReadyToleration),
        DefaultUnreachableTolerationSeconds = parse.GetValue(unreachableToleration),
        ServiceClusterIPRange = parse.GetValue(serviceClusterIPRange)!,
        ServiceNodePortRange = parse.GetValue(serviceNodePortRange)!,
    };
    var problems = options.Validate();
    if (problems.Count > 0)
    {
        Console.Error.WriteLine("minikube-apiserver: " + problems[0]);
        return 2;
    }
    await using var host = ApiServerHost.Create(options);
    try
    {
        await host.StartAsync(ct);
    }
    catch (EtcdUnreachableException ex)
    {
        Console.Error.WriteLine("minikube-apiserver: " + ex.Message);
        return 1;
    }
    catch (IOException ex)
    {
        Console.Error.WriteLine($"minikube-apiserver: cannot listen on {options.BindAddress} ports {options.Port}/{options.GrpcPort}: {ex.Message}");
        return 1;
    }
    Console.Error.WriteLine($"minikube-apiserver: serving gRPC on {host.GrpcAddress}, HTTP on {host.HttpAddress}");
    await host.WaitForShutdownAsync(ct);
    return 0;
});
return await root.Parse(args).InvokeAsync();
