using MiniKube.Api;
using MiniKube.Testing;

namespace MiniKube.Cli.Tests;

/// <summary><c>get svc|endpoints|endpointslices</c>, <c>describe svc</c> and <c>expose</c> against a real API server.</summary>
public sealed class ServiceCommandTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private static readonly TimeSpan TenMinutes = TimeSpan.FromMinutes(10);

    private static Service NodePortService(string ns, string ip, int nodePort) => new()
    {
        Metadata = new ObjectMeta { Name = "web", Namespace = ns },
        Spec = new ServiceSpec
        {
            Type = ServiceType.NodePort,
            ClusterIP = ip,
            Selector = new Dictionary<string, string> { ["app"] = "web" },
            Ports = [new ServicePort { Name = "http", Port = 80, TargetPort = IntOrString.FromInt(8080), NodePort = nodePort }],
        },
    };

    [Fact]
    public async Task Get_svc_prints_type_ip_and_node_ports_and_wide_adds_the_selector()
    {
        var ns = await fixture.NewNamespaceAsync();
        var web = await fixture.Client.CreateAsync(NodePortService(ns, "10.96.0.50", 30080));
        var headless = await fixture.Client.CreateAsync(new Service
        {
            Metadata = new ObjectMeta { Name = "db", Namespace = ns },
            Spec = new ServiceSpec { ClusterIP = "None", Selector = new Dictionary<string, string> { ["app"] = "db" }, Ports = [new ServicePort { Port = 5432 }] },
        });
        var clock = Clocks.After(TenMinutes, web, headless);

        var table = await fixture.Cli(clock).RunAsync("get", "svc", "-n", ns);
        var wide = await fixture.Cli(clock).RunAsync("get", "services", "web", "-n", ns, "-o", "wide");

        Assert.Equal(new CliResult(0,
            "NAME   TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)        AGE\n" +
            "db     ClusterIP   None         <none>        5432/TCP       10m\n" +
            "web    NodePort    10.96.0.50   <none>        80:30080/TCP   10m\n", ""), table);
        Assert.Equal(new CliResult(0,
            "NAME   TYPE       CLUSTER-IP   EXTERNAL-IP   PORT(S)        AGE   SELECTOR\n" +
            "web    NodePort   10.96.0.50   <none>        80:30080/TCP   10m   app=web\n", ""), wide);
    }

    [Fact]
    public async Task Get_endpoints_and_endpointslices_print_addresses_and_ports()
    {
        var ns = await fixture.NewNamespaceAsync();
        var endpoints = await fixture.Client.CreateAsync(new Endpoints
        {
            Metadata = new ObjectMeta { Name = "web", Namespace = ns },
            Subsets = [new EndpointSubset
            {
                Addresses = [.. Enumerable.Range(1, 4).Select(i => new EndpointAddress { Ip = "10.244.0." + i })],
                NotReadyAddresses = [new EndpointAddress { Ip = "10.244.0.9" }],
                Ports = [new EndpointPort { Port = 8080 }],
            }],
        });
        var slice = await fixture.Client.CreateAsync(new EndpointSlice
        {
            Metadata = new ObjectMeta { Name = "web-abcde", Namespace = ns, Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = "web" } },
            AddressType = AddressTypes.IPv4,
            Endpoints = [new Endpoint { Addresses = ["10.244.0.1"] }, new Endpoint { Addresses = ["10.244.0.2"] }],
            Ports = [new EndpointSlicePort { Name = "http", Port = 8080, Protocol = "TCP" }, new EndpointSlicePort { Name = "metrics", Port = 9090, Protocol = "TCP" }],
        });
        var empty = await fixture.Client.CreateAsync(new EndpointSlice
        {
            Metadata = new ObjectMeta { Name = "web-empty", Namespace = ns },
            AddressType = AddressTypes.IPv4,
        });
        var clock = Clocks.After(TenMinutes, endpoints, slice, empty);

        Assert.Equal(new CliResult(0,
            "NAME   ENDPOINTS                                                     AGE\n" +
            "web    10.244.0.1:8080,10.244.0.2:8080,10.244.0.3:8080 + 1 more...   10m\n", ""),
            await fixture.Cli(clock).RunAsync("get", "ep", "-n", ns));
        Assert.Equal(new CliResult(0,
            "NAME        ADDRESSTYPE   PORTS       ENDPOINTS               AGE\n" +
            "web-abcde   IPv4          8080,9090   10.244.0.1,10.244.0.2   10m\n" +
            "web-empty   IPv4          <unset>     <unset>                 10m\n", ""),
            await fixture.Cli(clock).RunAsync("get", "endpointslices", "-n", ns));
    }

    [Fact]
    public async Task Describe_svc_shows_node_port_endpoints_and_events()
    {
        var ns = await fixture.NewNamespaceAsync();
        await fixture.Client.CreateAsync(NodePortService(ns, "10.96.0.51", 30081));
        await fixture.Client.CreateAsync(new Endpoints
        {
            Metadata = new ObjectMeta { Name = "web", Namespace = ns },
            Subsets = [new EndpointSubset { Addresses = [new EndpointAddress { Ip = "10.244.0.5" }], Ports = [new EndpointPort { Name = "http", Port = 8080 }] }],
        });

        var result = await fixture.Cli().RunAsync("describe", "svc", "web", "-n", ns);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Type:                     NodePort\n", result.Out, StringComparison.Ordinal);
        Assert.Contains("IP:                       10.96.0.51\n", result.Out, StringComparison.Ordinal);
        Assert.Contains("Port:                     http  80/TCP\nTargetPort:               8080/TCP\nNodePort:                 http  30081/TCP\n" +
            "Endpoints:                10.244.0.5:8080\n", result.Out, StringComparison.Ordinal);
        Assert.Contains("External Traffic Policy:  Cluster\n", result.Out, StringComparison.Ordinal);
        Assert.EndsWith("Events:                   <none>\n", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Expose_deployment_takes_its_selector_and_labels_and_expose_pod_takes_the_pods_labels()
    {
        var ns = await fixture.NewNamespaceAsync();
        var manifest =
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels: {team: a}\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: web}\n" +
            "  template:\n    metadata:\n      labels: {app: web, extra: x}\n    spec:\n      containers:\n      - name: httpd\n        image: busybox\n        ports:\n" +
            "        - {name: http, containerPort: 8080}\n";
        Assert.Equal(0, (await fixture.Cli().RunWithInputAsync(manifest, "create", "-f", "-", "-n", ns)).ExitCode);
        await fixture.Client.CreateAsync(TestObjects.Pod("solo", ns, new Dictionary<string, string> { ["app"] = "solo" }));
        await fixture.Client.CreateAsync(TestObjects.Pod("bare", ns));
        var cli = fixture.Cli();

        Assert.Equal(new CliResult(0, "service/web exposed\n", ""),
            await cli.RunAsync("expose", "deployment", "web", "--port", "80", "--target-port", "http", "--type", "NodePort", "-n", ns));
        var web = await fixture.Client.GetAsync<Service>("web", ns);
        Assert.Equal(ServiceType.NodePort, web.Spec!.Type);
        Assert.Equal(new Dictionary<string, string> { ["app"] = "web" }, web.Spec.Selector);
        Assert.Equal(new Dictionary<string, string> { ["team"] = "a" }, web.Metadata.Labels);
        var port = Assert.Single(web.Spec.Ports!);
        Assert.Equal((80, "http", Api.Protocol.Tcp), (port.Port, port.TargetPort!.Value.StringValue, port.Protocol));
        Assert.InRange(port.NodePort!.Value, 30000, 32767);

        // Without --port the container ports are exposed.
        Assert.Equal(new CliResult(0, "service/web-auto exposed\n", ""), await cli.RunAsync("expose", "deploy/web", "--name", "web-auto", "-n", ns));
        var auto = Assert.Single((await fixture.Client.GetAsync<Service>("web-auto", ns)).Spec!.Ports!);
        Assert.Equal((8080, 8080), (auto.Port, auto.TargetPort!.Value.IntValue));

        Assert.Equal(new CliResult(0, "service/solo exposed\n", ""), await cli.RunAsync("expose", "pod", "solo", "--port", "53", "--protocol", "UDP", "-n", ns));
        var solo = await fixture.Client.GetAsync<Service>("solo", ns);
        Assert.Equal(new Dictionary<string, string> { ["app"] = "solo" }, solo.Spec!.Selector);
        Assert.Equal(Api.Protocol.Udp, solo.Spec.Ports![0].Protocol);

        var bare = await cli.RunAsync("expose", "pod", "bare", "--port", "80", "-n", ns);
        Assert.Equal(1, bare.ExitCode);
        Assert.Contains("couldn't retrieve selectors via --selector flag or introspection", bare.Err, StringComparison.Ordinal);
        var taken = await cli.RunAsync("expose", "pod", "solo", "--name", "solo2", "--port", "80", "--type", "NodePort", "-n", ns);
        Assert.Equal(0, taken.ExitCode);
        var nodePort = (await fixture.Client.GetAsync<Service>("solo2", ns)).Spec!.Ports![0].NodePort;
        var refused = await cli.RunWithInputAsync(
            $"apiVersion: v1\nkind: Service\nmetadata:\n  name: clash\nspec:\n  type: NodePort\n  selector: {{app: x}}\n  ports:\n  - port: 80\n    nodePort: {nodePort}\n",
            "create", "-f", "-", "-n", ns);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains($"spec.ports[0].nodePort: Invalid value: {nodePort}: provided port is already allocated", refused.Err, StringComparison.Ordinal);
        var badType = await cli.RunAsync("expose", "pod", "solo", "--port", "80", "--type", "Magic", "-n", ns);
        Assert.Equal((1, "error: invalid --type \"Magic\": must be one of ClusterIP, NodePort, LoadBalancer\n"), (badType.ExitCode, badType.Err));
    }

    [Fact]
    public async Task Expose_has_help()
    {
        var help = await fixture.Cli().RunAsync("expose", "--help");

        Assert.Equal(0, help.ExitCode);
        Assert.Contains("--target-port", help.Out, StringComparison.Ordinal);
        Assert.Contains("--type", help.Out, StringComparison.Ordinal);
        Assert.Contains("Expose a resource as a new Kubernetes service.", help.Out, StringComparison.Ordinal);
    }
}
