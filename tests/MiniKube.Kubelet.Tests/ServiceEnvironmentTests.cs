using MiniKube.Api;
using MiniKube.Kubelet;

namespace MiniKube.Kubelet.Tests;

/// <summary>The Service environment variables (one class, no API server): names, ports, enableServiceLinks, precedence, order.</summary>
public sealed class ServiceEnvironmentTests
{
    private static Service Svc(string ns, string name, string? clusterIP, params ServicePort[] ports) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns },
        Spec = new ServiceSpec { ClusterIP = clusterIP, Ports = ports },
    };

    private static readonly Service Kubernetes = Svc("default", "kubernetes", "10.96.0.1", new ServicePort { Name = "https", Port = 443, Protocol = "TCP" });

    private static readonly Service[] Cluster =
    [
        Kubernetes,
        Svc("shop", "web-front", "10.96.5.5", new ServicePort { Name = "http", Port = 80, Protocol = "TCP" }, new ServicePort { Name = "dns-udp", Port = 53, Protocol = "UDP" }),
        Svc("shop", "headless", "None", new ServicePort { Port = 80 }),
        Svc("shop", "external", null),
        Svc("other", "elsewhere", "10.96.7.7", new ServicePort { Port = 8080 }),
    ];

    [Fact]
    public void The_kubernetes_service_and_the_namespace_services_get_Kubernetes_names()
    {
        var vars = ServiceEnvironment.Build("shop", enableServiceLinks: true, Cluster).ToDictionary(v => v.Name, v => v.Value);

        Assert.Equal(new Dictionary<string, string>
        {
            ["KUBERNETES_SERVICE_HOST"] = "10.96.0.1",
            ["KUBERNETES_SERVICE_PORT"] = "443",
            ["KUBERNETES_SERVICE_PORT_HTTPS"] = "443",
            ["KUBERNETES_PORT"] = "tcp://10.96.0.1:443",
            ["KUBERNETES_PORT_443_TCP"] = "tcp://10.96.0.1:443",
            ["KUBERNETES_PORT_443_TCP_PROTO"] = "tcp",
            ["KUBERNETES_PORT_443_TCP_PORT"] = "443",
            ["KUBERNETES_PORT_443_TCP_ADDR"] = "10.96.0.1",
            ["WEB_FRONT_SERVICE_HOST"] = "10.96.5.5",
            ["WEB_FRONT_SERVICE_PORT"] = "80",
            ["WEB_FRONT_SERVICE_PORT_HTTP"] = "80",
            ["WEB_FRONT_SERVICE_PORT_DNS_UDP"] = "53",
            ["WEB_FRONT_PORT"] = "tcp://10.96.5.5:80",
            ["WEB_FRONT_PORT_80_TCP"] = "tcp://10.96.5.5:80",
            ["WEB_FRONT_PORT_80_TCP_PROTO"] = "tcp",
            ["WEB_FRONT_PORT_80_TCP_PORT"] = "80",
            ["WEB_FRONT_PORT_80_TCP_ADDR"] = "10.96.5.5",
            ["WEB_FRONT_PORT_53_UDP"] = "udp://10.96.5.5:53",
            ["WEB_FRONT_PORT_53_UDP_PROTO"] = "udp",
            ["WEB_FRONT_PORT_53_UDP_PORT"] = "53",
            ["WEB_FRONT_PORT_53_UDP_ADDR"] = "10.96.5.5",
        }, vars);
    }

    [Fact]
    public void Without_service_links_only_the_kubernetes_service_is_there()
    {
        var names = ServiceEnvironment.Build("shop", enableServiceLinks: false, Cluster).Select(v => v.Name).ToList();
        Assert.All(names, n => Assert.StartsWith("KUBERNETES_", n, StringComparison.Ordinal));
        Assert.Equal(8, names.Count);
    }

    [Fact]
    public void A_kubernetes_service_of_the_pods_namespace_wins_over_defaults_and_order_is_by_name_whatever_the_input_order()
    {
        Service[] withOwn = [.. Cluster, Svc("shop", "kubernetes", "10.96.9.9", new ServicePort { Port = 6443 })];
        var a = ServiceEnvironment.Build("shop", true, withOwn);
        var b = ServiceEnvironment.Build("shop", true, withOwn.Reverse());
        Assert.Equal(a, b);
        Assert.Equal(a.Select(v => v.Name).Order(StringComparer.Ordinal), a.Select(v => v.Name));
        Assert.Contains(("KUBERNETES_SERVICE_HOST", "10.96.9.9"), a);
        // Without links the pod's own Service is not used, so default/kubernetes is.
        Assert.Contains(("KUBERNETES_SERVICE_HOST", "10.96.0.1"), ServiceEnvironment.Build("shop", false, withOwn));
    }

    [Fact]
    public async Task Explicit_env_wins_and_expansion_sees_service_variables()
    {
        var builder = new ContainerConfigBuilder(null, "n1", new ServiceEnvironment(_ => Task.FromResult<IReadOnlyList<Service>>(Cluster)));
        var pod = new Pod
        {
            Metadata = new ObjectMeta { Name = "p", Namespace = "shop", Uid = "u1" },
            Spec = new PodSpec { Containers = [] },
        };
        var container = new Container
        {
            Name = "c",
            Image = "minikube/busybox:1.0",
            Command = ["echo", "$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)"],
            Env =
            [
                new EnvVar { Name = "WEB_FRONT_SERVICE_HOST", Value = "mine" },
                new EnvVar { Name = "API", Value = "https://$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT_HTTPS)" },
            ],
        };
        var sandbox = new RuntimeContainer { Id = "sandbox", PodUid = "u1", IsSandbox = true };
        var spec = await builder.BuildAsync(pod with { Spec = pod.Spec with { Containers = [container] } }, container, sandbox,
            new Dictionary<string, string>(), 0, CancellationToken.None);

        var env = spec.Env!.ToList();
        Assert.Equal(["WEB_FRONT_SERVICE_HOST=mine", "API=https://10.96.0.1:443"], env.Take(2));
        Assert.Single(env, e => e.StartsWith("WEB_FRONT_SERVICE_HOST=", StringComparison.Ordinal));
        Assert.Contains("KUBERNETES_SERVICE_HOST=10.96.0.1", env);
        Assert.Equal(["echo", "10.96.0.1:443"], spec.Entrypoint!);
    }
}
