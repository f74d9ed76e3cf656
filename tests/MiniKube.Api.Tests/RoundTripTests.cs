using System.Text;

namespace MiniKube.Api.Tests;

public sealed class RoundTripTests
{
    /// <summary>YAML → object → JSON → object → YAML → object: every step must agree.</summary>
    private static T RoundTrip<T>(string yaml) where T : KubeObject
    {
        var decoded = Assert.IsType<T>(Assert.Single(KubeSerializer.DecodeManifests(yaml)));
        var json = KubeSerializer.ToJson(decoded);
        var fromJson = Assert.IsType<T>(KubeSerializer.DecodeObject(Encoding.UTF8.GetBytes(json)));
        Assert.Equal(json, KubeSerializer.ToJson(fromJson));

        var yamlAgain = KubeSerializer.ToYaml(fromJson);
        var fromYaml = Assert.IsType<T>(Assert.Single(KubeSerializer.DecodeManifests(yamlAgain)));
        Assert.Equal(json, KubeSerializer.ToJson(fromYaml));
        Assert.Equal(yamlAgain, KubeSerializer.ToYaml(fromYaml));
        return fromYaml;
    }

    [Fact]
    public void Pod_with_probes_env_resources_and_volumes()
    {
        var pod = RoundTrip<Pod>(Manifests.Pod);

        Assert.Equal("v1", pod.ApiVersion);
        Assert.Equal("web", pod.Metadata.Labels!["app.kubernetes.io/name"]);
        Assert.Equal("a: colon", pod.Metadata.Annotations!["description"]);
        var spec = pod.Spec!;
        Assert.Equal(30, spec.TerminationGracePeriodSeconds);
        Assert.Equal("ssd", spec.NodeSelector!["disktype"]);
        Assert.Equal(3600, spec.Tolerations![0].TolerationSeconds);
        var term = spec.Affinity!.NodeAffinity!.RequiredDuringSchedulingIgnoredDuringExecution!.NodeSelectorTerms[0];
        Assert.Equal(["antarctica-east1", "antarctica-west1"], term.MatchExpressions![0].Values!);
        Assert.Equal(100, spec.Affinity.PodAntiAffinity!.PreferredDuringSchedulingIgnoredDuringExecution![0].Weight);
        Assert.Equal("DoNotSchedule", spec.TopologySpreadConstraints![0].WhenUnsatisfiable);
        Assert.Equal("sh", spec.InitContainers![0].Command![0]);

        var c = spec.Containers[0];
        Assert.Equal(["--port=80", "--verbose"], c.Args!);
        Assert.Equal(80, c.Ports![0].ContainerPort);
        Assert.Equal("spec.nodeName", c.Env![0].ValueFrom!.FieldRef!.FieldPath);
        Assert.Equal(Quantity.Parse("1m"), c.Env[1].ValueFrom!.ResourceFieldRef!.Divisor);
        Assert.Equal("special.how", c.Env[2].ValueFrom!.ConfigMapKeyRef!.Key);
        Assert.Equal("80", c.Env[4].Value);
        Assert.Equal("special-config", c.EnvFrom![0].ConfigMapRef!.Name);
        Assert.Equal(Quantity.Parse("0.25"), c.Resources!.Requests!["cpu"]);
        Assert.Equal("1", c.Resources.Limits!["cpu"].ToString());
        Assert.Equal(128L * 1024 * 1024, c.Resources.Limits["memory"].Value);
        Assert.Equal(IntOrString.FromInt(8080), c.LivenessProbe!.HttpGet!.Port);
        Assert.Equal("Awesome", c.LivenessProbe.HttpGet.HttpHeaders![0].Value);
        Assert.Equal(IntOrString.FromString("http"), c.ReadinessProbe!.TcpSocket!.Port);
        Assert.Equal(30, c.StartupProbe!.FailureThreshold);
        Assert.Equal("/bin/sh", c.Lifecycle!.PreStop!.Exec!.Command![0]);
        Assert.False(c.SecurityContext!.AllowPrivilegeEscalation);
        Assert.Equal(["NET_ADMIN", "SYS_TIME"], c.SecurityContext.Capabilities!.Add!);
        Assert.True(c.VolumeMounts![1].ReadOnly);

        Assert.Equal("500Mi", spec.Volumes![0].EmptyDir!.SizeLimit.ToString());
        Assert.Equal("game.properties", spec.Volumes[1].ConfigMap!.Items![0].Key);
        Assert.Equal("Directory", spec.Volumes[2].HostPath!.Type);
        // Kubernetes' YAML reader takes 0400 as octal.
        Assert.Equal(256, spec.Volumes[3].Secret!.DefaultMode);
    }

    [Fact]
    public void Pod_json_uses_kubernetes_names_and_order()
    {
        var pod = RoundTrip<Pod>(Manifests.Pod);
        var json = KubeSerializer.ToJson(pod);

        Assert.StartsWith("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"default",""", json);
        Assert.True(json.IndexOf("\"spec\":", StringComparison.Ordinal) < json.LastIndexOf("\"volumes\"", StringComparison.Ordinal));
        Assert.Contains("\"cpu\":\"250m\"", json);
        Assert.Contains("\"cpu\":\"1\"", json);
        Assert.DoesNotContain("null", json);
        Assert.DoesNotContain("\"status\"", json);
    }

    [Fact]
    public void Deployment_with_percentage_surge()
    {
        var deployment = RoundTrip<Deployment>(Manifests.Deployment);

        var rolling = deployment.Spec!.Strategy!.RollingUpdate!;
        Assert.Equal(IntOrString.FromString("25%"), rolling.MaxSurge);
        Assert.Equal(IntOrString.FromInt(0), rolling.MaxUnavailable);
        Assert.Equal(1, rolling.MaxSurge!.Value.GetScaledValue(3, roundUp: true));
        Assert.Equal(3, deployment.Spec.Replicas);
        Assert.Equal("nginx", deployment.Spec.Selector!.MatchLabels!["app"]);
        Assert.Equal("nginx", deployment.Spec.Template.Metadata!.Labels!["app"]);
        Assert.Contains("maxSurge: 25%", KubeSerializer.ToYaml(deployment));
    }

    [Fact]
    public void Services_with_numeric_and_named_target_ports()
    {
        var services = KubeSerializer.DecodeManifests(Manifests.Services).Cast<Service>().ToList();

        Assert.Equal(2, services.Count);
        Assert.Equal(IntOrString.FromInt(9376), services[0].Spec!.Ports![0].TargetPort);
        Assert.Equal(IntOrString.FromString("http-web-svc"), services[1].Spec!.Ports![0].TargetPort);
        Assert.Equal(30007, services[1].Spec!.Ports![0].NodePort);
        foreach (var service in services)
        {
            var again = KubeSerializer.DecodeObject(KubeSerializer.ToJsonBytes(service));
            Assert.Equal(KubeSerializer.ToJson(service), KubeSerializer.ToJson(again));
        }
        Assert.Contains("targetPort: 9376", KubeSerializer.ToYaml(services[0]));
        Assert.Contains("targetPort: http-web-svc", KubeSerializer.ToYaml(services[1]));
    }

    [Fact]
    public void ConfigMap_with_multiline_values()
    {
        var cm = RoundTrip<ConfigMap>(Manifests.ConfigMap);

        Assert.Equal("3", cm.Data!["player_initial_lives"]);
        Assert.Equal("enemy.types=aliens,monsters\nplayer.maximum-lives=5\n", cm.Data["game.properties"]);
        var yaml = KubeSerializer.ToYaml(cm);
        Assert.Contains("player_initial_lives: '3'", yaml);
        Assert.Contains("game.properties: |\n    enemy.types=aliens,monsters\n", yaml);
    }

    [Fact]
    public void Secret_data_is_base64_on_the_wire()
    {
        var secret = RoundTrip<Secret>(Manifests.Secret);

        Assert.Equal("admin", Encoding.UTF8.GetString(secret.Data!["username"]));
        Assert.Equal("1f2d1e2e67df", Encoding.UTF8.GetString(secret.Data["password"]));
        Assert.Equal("apiUrl: https://my.api.com/api/v1", secret.StringData!["config.yaml"]);
        Assert.Contains("\"username\":\"YWRtaW4=\"", KubeSerializer.ToJson(secret));
        Assert.Contains("config.yaml: 'apiUrl: https://my.api.com/api/v1'", KubeSerializer.ToYaml(secret));
    }

    [Fact]
    public void Node_status_with_capital_P_kubelet_port()
    {
        var node = RoundTrip<Node>(Manifests.Node);

        var status = node.Status!;
        Assert.Equal(10250, status.DaemonEndpoints!.KubeletEndpoint!.Port);
        Assert.Equal(Quantity.Parse("2"), status.Capacity!["cpu"]);
        Assert.Equal(1900, status.Allocatable!["cpu"].MilliValue);
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.Zero), status.Conditions![0].LastHeartbeatTime);
        Assert.Equal("True", status.Conditions[0].Status);
        Assert.Equal("172.17.0.2", status.Addresses![0].Address);
        Assert.Equal(4261574, status.Images![0].SizeBytes);
        Assert.Equal("NoSchedule", node.Spec!.Taints![0].Effect);

        var json = KubeSerializer.ToJson(node);
        Assert.Contains("\"kubeletEndpoint\":{\"Port\":10250}", json);
        Assert.Contains("\"lastHeartbeatTime\":\"2024-05-01T10:00:00Z\"", json);
        Assert.Contains("status: 'True'", KubeSerializer.ToYaml(node));
    }

    [Fact]
    public void Lease_keeps_microseconds()
    {
        var lease = RoundTrip<Lease>(Manifests.Lease);

        var expected = new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.Zero).AddTicks(1234560);
        Assert.Equal(expected, lease.Spec!.AcquireTime);
        var json = KubeSerializer.ToJson(lease);
        Assert.Contains("\"acquireTime\":\"2024-05-01T10:00:00.123456Z\"", json);
        Assert.Contains("\"renewTime\":\"2024-05-01T10:00:05.654321Z\"", json);
    }

    [Fact]
    public void Time_fields_are_written_in_utc_whole_seconds()
    {
        var pod = new Pod
        {
            Metadata = new ObjectMeta { Name = "p", CreationTimestamp = new DateTimeOffset(2024, 5, 1, 12, 0, 0, 789, TimeSpan.FromHours(2)) },
        };

        var json = KubeSerializer.ToJson(pod);

        Assert.Equal("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","creationTimestamp":"2024-05-01T10:00:00Z"}}""", json);
    }

    [Fact]
    public void Event_time_is_micro_and_timestamps_are_seconds()
    {
        var ev = new Event
        {
            Metadata = new ObjectMeta { Name = "e", Namespace = "default" },
            InvolvedObject = new ObjectReference { Kind = "Pod", Name = "web" },
            FirstTimestamp = new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.Zero),
            EventTime = new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.Zero).AddTicks(10),
            Count = 1,
        };

        var json = KubeSerializer.ToJson(ev);
        var back = KubeSerializer.FromJson<Event>(json);

        Assert.Contains("\"eventTime\":\"2024-05-01T10:00:00.000001Z\"", json);
        Assert.Contains("\"firstTimestamp\":\"2024-05-01T10:00:00Z\"", json);
        Assert.Equal(ev.EventTime, back.EventTime);
    }

    [Theory]
    [InlineData(Manifests.Job, typeof(Job))]
    [InlineData(Manifests.Hpa, typeof(HorizontalPodAutoscaler))]
    [InlineData(Manifests.DaemonSet, typeof(DaemonSet))]
    public void Other_kinds_round_trip(string yaml, Type type)
    {
        var obj = Assert.Single(KubeSerializer.DecodeManifests(yaml));
        Assert.IsType(type, obj);

        var json = KubeSerializer.ToJson(obj);
        var again = KubeSerializer.DecodeManifests(KubeSerializer.ToYaml(KubeSerializer.DecodeObject(Encoding.UTF8.GetBytes(json))));

        Assert.Equal(json, KubeSerializer.ToJson(Assert.Single(again)));
    }

    [Fact]
    public void Multi_document_files_skip_empty_documents_and_expand_lists()
    {
        var text = "---\n" + Manifests.ConfigMap + "\n---\n---\n# only a comment\n---\n" + """
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: Namespace
              metadata:
                name: team-a
            - apiVersion: batch/v1
              kind: Job
              metadata:
                name: j
              spec:
                template:
                  spec:
                    containers:
                    - name: c
                      image: busybox
            """ + "\n---\n" + Manifests.Lease;

        var objects = KubeSerializer.DecodeManifests(text);

        Assert.Collection(objects,
            o => Assert.IsType<ConfigMap>(o),
            o => Assert.Equal("team-a", Assert.IsType<Namespace>(o).Metadata.Name),
            o => Assert.IsType<Job>(o),
            o => Assert.IsType<Lease>(o));
    }

    [Fact]
    public void Json_manifests_are_accepted()
    {
        var objects = KubeSerializer.DecodeManifests("""
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
             "spec": {"containers": [{"name": "c", "image": "busybox"}]}}
            """);

        Assert.Equal("busybox", Assert.IsType<Pod>(Assert.Single(objects)).Spec!.Containers[0].Image);
    }

    [Fact]
    public void Lists_serialize_with_list_kind()
    {
        var list = KubeList.Of([new Pod { Metadata = new ObjectMeta { Name = "a" } }], resourceVersion: "42");

        var json = KubeSerializer.ToJson(list);
        var back = KubeSerializer.FromJson<KubeList<Pod>>(json);

        Assert.Equal("""{"apiVersion":"v1","kind":"PodList","metadata":{"resourceVersion":"42"},"items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"}}]}""", json);
        Assert.Equal("a", Assert.Single(back.Items).Metadata.Name);
    }

    [Fact]
    public void Status_and_binding_serialize()
    {
        var status = new Status
        {
            Outcome = "Failure",
            Message = "pods \"x\" not found",
            Reason = "NotFound",
            Details = new StatusDetails { Name = "x", Kind = "pods" },
            Code = 404,
        };
        var binding = new Binding
        {
            Metadata = new ObjectMeta { Name = "web", Namespace = "default" },
            Target = new ObjectReference { ApiVersion = "v1", Kind = "Node", Name = "n1" },
        };

        Assert.Equal(
            """{"apiVersion":"v1","kind":"Status","metadata":{},"status":"Failure","message":"pods \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"pods"},"code":404}""",
            KubeSerializer.ToJson(status));
        var back = Assert.IsType<Binding>(KubeSerializer.DecodeObject(KubeSerializer.ToJsonBytes(binding)));
        Assert.Equal("n1", back.Target.Name);
        Assert.Equal(404, KubeSerializer.FromJson<Status>(KubeSerializer.ToJsonBytes(status)).Code);
    }

    [Fact]
    public void Indented_json_is_still_the_same_document()
    {
        var cm = new ConfigMap { Metadata = new ObjectMeta { Name = "c" }, Data = new Dictionary<string, string> { ["k"] = "<v&>" } };

        var indented = KubeSerializer.ToJson(cm, indented: true);

        Assert.Contains("\n  \"kind\": \"ConfigMap\"", indented);
        Assert.Contains("\"k\": \"<v&>\"", indented);
        Assert.Equal(KubeSerializer.ToJson(cm), KubeSerializer.ToJson(KubeSerializer.FromJson<ConfigMap>(indented)));
    }
}
