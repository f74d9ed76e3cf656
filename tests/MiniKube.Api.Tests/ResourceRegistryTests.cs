namespace MiniKube.Api.Tests;

public sealed class ResourceRegistryTests
{
    [Theory]
    [InlineData("po", "Pod")]
    [InlineData("Pods", "Pod")]
    [InlineData("pod", "Pod")]
    [InlineData("deploy", "Deployment")]
    [InlineData("hpa", "HorizontalPodAutoscaler")]
    [InlineData("svc", "Service")]
    [InlineData("ep", "Endpoints")]
    [InlineData("no", "Node")]
    [InlineData("ns", "Namespace")]
    [InlineData("ev", "Event")]
    [InlineData("cm", "ConfigMap")]
    [InlineData("rs", "ReplicaSet")]
    [InlineData("ds", "DaemonSet")]
    [InlineData("jobs", "Job")]
    [InlineData("leases", "Lease")]
    [InlineData("SECRET", "Secret")]
    public void Resolve_accepts_what_kubectl_users_type(string name, string kind) =>
        Assert.Equal(kind, ResourceRegistry.Resolve(name)?.Kind);

    [Fact]
    public void Resolve_returns_null_for_unknown_names() => Assert.Null(ResourceRegistry.Resolve("widgets"));

    [Theory]
    [InlineData(typeof(Pod), "v1", "pods", true)]
    [InlineData(typeof(Node), "v1", "nodes", false)]
    [InlineData(typeof(Namespace), "v1", "namespaces", false)]
    [InlineData(typeof(Deployment), "apps/v1", "deployments", true)]
    [InlineData(typeof(Job), "batch/v1", "jobs", true)]
    [InlineData(typeof(Lease), "coordination.k8s.io/v1", "leases", true)]
    [InlineData(typeof(HorizontalPodAutoscaler), "autoscaling/v2", "horizontalpodautoscalers", true)]
    [InlineData(typeof(EndpointSlice), "discovery.k8s.io/v1", "endpointslices", true)]
    [InlineData(typeof(VerticalPodAutoscaler), "autoscaling.k8s.io/v1", "verticalpodautoscalers", true)]
    [InlineData(typeof(Role), "rbac.authorization.k8s.io/v1", "roles", true)]
    [InlineData(typeof(ClusterRole), "rbac.authorization.k8s.io/v1", "clusterroles", false)]
    [InlineData(typeof(RoleBinding), "rbac.authorization.k8s.io/v1", "rolebindings", true)]
    [InlineData(typeof(ClusterRoleBinding), "rbac.authorization.k8s.io/v1", "clusterrolebindings", false)]
    public void Registration_matches_kubernetes(Type type, string apiVersion, string plural, bool namespaced)
    {
        var info = ResourceRegistry.ByType(type);

        Assert.Equal(apiVersion, info.ApiVersion);
        Assert.Equal(plural, info.Plural);
        Assert.Equal(namespaced, info.Namespaced);
        Assert.Same(info, ResourceRegistry.ByPlural(plural));
        Assert.Same(info, ResourceRegistry.ByKind(apiVersion, info.Kind));
    }

    [Fact]
    public void Every_kind_constructs_with_its_own_apiVersion_and_kind()
    {
        foreach (var info in ResourceRegistry.All)
        {
            var obj = (KubeObject)Activator.CreateInstance(info.Type)!;
            Assert.Equal(info.ApiVersion, obj.ApiVersion);
            Assert.Equal(info.Kind, obj.Kind);
        }
        Assert.Equal(23, ResourceRegistry.All.Count);
    }

    [Fact]
    public void Status_subresource_flags()
    {
        var withStatus = ResourceRegistry.All.Where(r => r.HasStatus).Select(r => r.Kind).Order().ToArray();

        Assert.Equal(
            ["DaemonSet", "Deployment", "HorizontalPodAutoscaler", "Job", "Namespace", "Node", "Pod", "ReplicaSet", "Service", "VerticalPodAutoscaler"],
            withStatus);
    }

    [Fact]
    public void ByKind_checks_the_group()
    {
        Assert.Null(ResourceRegistry.ByKind("v1", "Deployment"));
        Assert.Equal(typeof(Deployment), ResourceRegistry.ByKind(null, "Deployment")?.Type);
    }

    [Fact]
    public void Pod_fields_for_field_selectors()
    {
        var pod = new Pod
        {
            Metadata = new ObjectMeta { Name = "web", Namespace = "default" },
            Spec = new PodSpec { NodeName = "n1", RestartPolicy = "Always" },
            Status = new PodStatus { Phase = PodPhase.Running, PodIP = "10.0.0.5" },
        };

        var fields = ResourceRegistry.For<Pod>().Fields(pod);

        Assert.Equal("web", fields["metadata.name"]);
        Assert.Equal("default", fields["metadata.namespace"]);
        Assert.Equal("n1", fields["spec.nodeName"]);
        Assert.Equal("Always", fields["spec.restartPolicy"]);
        Assert.Equal("", fields["spec.schedulerName"]);
        Assert.Equal("Running", fields["status.phase"]);
        Assert.Equal("10.0.0.5", fields["status.podIP"]);
        Assert.Equal("", fields["status.nominatedNodeName"]);
    }

    [Fact]
    public void Other_kinds_expose_their_selectable_fields()
    {
        var node = ResourceRegistry.For<Node>().Fields(new Node { Spec = new NodeSpec { Unschedulable = true } });
        var secret = ResourceRegistry.For<Secret>().Fields(new Secret { Type = SecretType.Opaque });
        var ns = ResourceRegistry.For<Namespace>().Fields(new Namespace());
        var ev = ResourceRegistry.For<Event>().Fields(new Event
        {
            InvolvedObject = new ObjectReference { Kind = "Pod", Name = "web", Uid = "u1" },
            Reason = "Scheduled",
            Type = EventType.Normal,
            Source = new EventSource { Component = "default-scheduler" },
        });
        var cm = ResourceRegistry.For<ConfigMap>().Fields(new ConfigMap { Metadata = new ObjectMeta { Name = "c" } });

        Assert.Equal("true", node["spec.unschedulable"]);
        Assert.Equal("Opaque", secret["type"]);
        Assert.Equal("", ns["status.phase"]);
        Assert.Equal("Pod", ev["involvedObject.kind"]);
        Assert.Equal("web", ev["involvedObject.name"]);
        Assert.Equal("u1", ev["involvedObject.uid"]);
        Assert.Equal("", ev["involvedObject.namespace"]);
        Assert.Equal("Scheduled", ev["reason"]);
        Assert.Equal("Normal", ev["type"]);
        Assert.Equal("default-scheduler", ev["source"]);
        Assert.Equal("c", cm["metadata.name"]);
        Assert.Equal("", cm["metadata.namespace"]);
    }
}
