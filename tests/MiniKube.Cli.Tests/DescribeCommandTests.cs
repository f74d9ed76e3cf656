using MiniKube.Api;
using MiniKube.Testing;

namespace MiniKube.Cli.Tests;

public sealed class DescribeCommandTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private static readonly DateTimeOffset Start = new(2024, 5, 1, 10, 0, 0, TimeSpan.Zero);

    private static Event EventFor(string ns, string kind, string name, string reason, string message, DateTimeOffset first, DateTimeOffset last, int count,
        string type = "Normal", string component = "default-scheduler") => new()
    {
        Metadata = new ObjectMeta { Name = $"{name}.{Unique.Id()}", Namespace = ns },
        InvolvedObject = new ObjectReference { Kind = kind, Name = name, Namespace = kind == "Node" ? null : ns },
        Reason = reason,
        Message = message,
        Type = type,
        Source = new EventSource { Component = component },
        FirstTimestamp = first,
        LastTimestamp = last,
        Count = count,
    };

    private async Task<Pod> RichPodAsync(string ns, string node = "node-a")
    {
        var pod = new Pod
        {
            Metadata = new ObjectMeta { Name = "web", Namespace = ns, Labels = new Dictionary<string, string> { ["app"] = "web", ["tier"] = "fe" } },
            Spec = new PodSpec
            {
                Containers =
                [
                    new Container
                    {
                        Name = "nginx",
                        Image = "nginx:1.25",
                        Ports = [new ContainerPortSpec { ContainerPort = 80 }],
                        Env = [new EnvVar { Name = "MODE", Value = "prod" }],
                        Resources = new ResourceRequirements
                        {
                            Requests = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("250m"), ["memory"] = Quantity.Parse("64Mi") },
                            Limits = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("500m") },
                        },
                        LivenessProbe = new Probe { HttpGet = new HttpGetAction { Path = "/healthz", Port = 80 }, PeriodSeconds = 5 },
                        VolumeMounts = [new VolumeMount { Name = "data", MountPath = "/data", ReadOnly = true }],
                    },
                ],
                Volumes = [new Volume { Name = "data", EmptyDir = new EmptyDirVolumeSource() }],
                NodeSelector = new Dictionary<string, string> { ["disk"] = "ssd" },
                Tolerations = [new Toleration { Key = "dedicated", Operator = "Equal", Value = "web", Effect = "NoSchedule" }],
            },
        };
        await fixture.Client.CreateAsync(pod);
        await fixture.Client.BindAsync(ns, "web", node);
        var bound = await fixture.Client.GetAsync<Pod>("web", ns);
        return await fixture.Client.UpdateStatusAsync(bound with
        {
            Status = new PodStatus
            {
                Phase = "Running",
                HostIP = "10.0.0.7",
                PodIP = "10.244.1.9",
                PodIPs = [new PodIP { Ip = "10.244.1.9" }],
                StartTime = Start,
                QosClass = "Burstable",
                Conditions =
                [
                    new PodCondition { Type = "PodScheduled", Status = "True" },
                    new PodCondition { Type = "Ready", Status = "True" },
                ],
                ContainerStatuses =
                [
                    new ContainerStatus
                    {
                        Name = "nginx",
                        Ready = true,
                        RestartCount = 1,
                        ContainerID = "docker://abc123",
                        Image = "nginx:1.25",
                        ImageID = "docker://sha256:feed",
                        State = new ContainerState { Running = new ContainerStateRunning { StartedAt = Start.AddSeconds(5) } },
                    },
                ],
            },
        });
    }

    [Fact]
    public async Task Describe_pod_prints_kubectl_sections_and_its_events()
    {
        var ns = await fixture.NewNamespaceAsync();
        await RichPodAsync(ns);
        var now = Start.AddHours(2);
        await fixture.Client.CreateAsync(EventFor(ns, "Pod", "web", "Scheduled", "Successfully assigned to node-a", Start, Start, 1));
        await fixture.Client.CreateAsync(EventFor(ns, "Pod", "web", "BackOff", "Back-off restarting failed container", Start.AddMinutes(1), now.AddMinutes(-3), 4,
            type: "Warning", component: "kubelet"));
        await fixture.Client.CreateAsync(EventFor(ns, "Pod", "other", "Scheduled", "not about web", Start, Start, 1));

        var result = await fixture.Cli(new FixedClock(now)).RunAsync("describe", "pod", "web", "-n", ns);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Err);
        Assert.Equal(
            $"Name:             web\n" +
            $"Namespace:        {ns}\n" +
            $"Priority:         0\n" +
            $"Service Account:  \n" +
            $"Node:             node-a/10.0.0.7\n" +
            $"Start Time:       Wed, 01 May 2024 10:00:00 +0000\n" +
            $"Labels:           app=web\n" +
            $"                  tier=fe\n" +
            $"Annotations:      <none>\n" +
            $"Status:           Running\n" +
            $"IP:               10.244.1.9\n" +
            $"IPs:\n" +
            $"  IP:  10.244.1.9\n" +
            $"Containers:\n" +
            $"  nginx:\n" +
            $"    Container ID:   docker://abc123\n" +
            $"    Image:          nginx:1.25\n" +
            $"    Image ID:       docker://sha256:feed\n" +
            $"    Port:           80/TCP\n" +
            $"    Host Port:      0/TCP\n" +
            $"    State:          Running\n" +
            $"      Started:      Wed, 01 May 2024 10:00:05 +0000\n" +
            $"    Ready:          True\n" +
            $"    Restart Count:  1\n" +
            $"    Resize Policy:  cpu=NotRequired, memory=NotRequired\n" +
            $"    Limits:\n" +
            $"      cpu:  500m\n" +
            $"    Requests:\n" +
            $"      cpu:     250m\n" +
            $"      memory:  64Mi\n" +
            $"    Liveness:  http-get http://:80/healthz delay=0s timeout=1s period=5s #success=1 #failure=3\n" +
            $"    Environment:\n" +
            $"      MODE:  prod\n" +
            $"    Mounts:\n" +
            $"      /data from data (ro)\n" +
            $"Conditions:\n" +
            $"  Type          Status\n" +
            $"  PodScheduled  True\n" +
            $"  Ready         True\n" +
            $"Volumes:\n" +
            $"  data:\n" +
            $"    Type:        EmptyDir (a temporary directory that shares a pod's lifetime)\n" +
            $"    Medium:      \n" +
            $"    SizeLimit:   <unset>\n" +
            $"QoS Class:       Burstable\n" +
            $"Node-Selectors:  disk=ssd\n" +
            $"Tolerations:     dedicated=web:NoSchedule\n" +
            $"                 node.kubernetes.io/not-ready:NoExecute op=Exists for 300s\n" +
            $"                 node.kubernetes.io/unreachable:NoExecute op=Exists for 300s\n" +
            $"Events:\n" +
            $"  Type     Reason     Age                From               Message\n" +
            $"  ----     ------     ----               ----               -------\n" +
            $"  Normal   Scheduled  120m               default-scheduler  Successfully assigned to node-a\n" +
            $"  Warning  BackOff    3m (x4 over 119m)  kubelet            Back-off restarting failed container\n",
            result.Out);
    }

    [Fact]
    public async Task Describe_node_prints_roles_taints_conditions_capacity_and_its_pods()
    {
        var ns = await fixture.NewNamespaceAsync();
        var nodeName = "node-" + Unique.Id();
        var node = await fixture.Client.CreateAsync(new Node
        {
            Metadata = new ObjectMeta { Name = nodeName, Labels = new Dictionary<string, string> { ["node-role.kubernetes.io/worker"] = "" } },
            Spec = new NodeSpec { Taints = [new Taint { Key = "dedicated", Value = "web", Effect = "NoSchedule" }] },
            Status = new NodeStatus
            {
                Conditions = [new NodeCondition { Type = "Ready", Status = "True", Reason = "KubeletReady", Message = "kubelet is posting ready status", LastHeartbeatTime = Start, LastTransitionTime = Start }],
                Addresses = [new NodeAddress { Type = "InternalIP", Address = "10.0.0.7" }, new NodeAddress { Type = "Hostname", Address = nodeName }],
                Capacity = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("2"), ["memory"] = Quantity.Parse("4Gi"), ["pods"] = Quantity.Parse("110") },
                Allocatable = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("2"), ["memory"] = Quantity.Parse("4Gi"), ["pods"] = Quantity.Parse("110") },
                NodeInfo = new NodeSystemInfo { KubeletVersion = "v1.32.0-minikube", OsImage = "Debian GNU/Linux 12", KernelVersion = "6.1.0", OperatingSystem = "linux", Architecture = "amd64", ContainerRuntimeVersion = "docker://20.10.24" },
            },
        });
        var pod = await RichPodAsync(ns, nodeName);
        var now = pod.Metadata.CreationTimestamp!.Value.AddMinutes(5);
        await fixture.Client.CreateAsync(EventFor(ns, "Node", nodeName, "NodeReady", $"Node {nodeName} status is now: NodeReady", now.AddMinutes(-1), now.AddMinutes(-1), 1, component: "kubelet"));

        var result = await fixture.Cli(new FixedClock(now)).RunAsync("describe", "node", nodeName);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            $"Name:               {nodeName}\n" +
            $"Roles:              worker\n" +
            $"Labels:             node-role.kubernetes.io/worker=\n" +
            $"Annotations:        <none>\n" +
            $"CreationTimestamp:  {MiniKube.Printing.Text.Timestamp(node.Metadata.CreationTimestamp)}\n" +
            $"Taints:             dedicated=web:NoSchedule\n" +
            $"Unschedulable:      false\n" +
            $"Conditions:\n" +
            $"  Type   Status  LastHeartbeatTime                LastTransitionTime               Reason        Message\n" +
            $"  ----   ------  -----------------                ------------------               ------        -------\n" +
            $"  Ready  True    Wed, 01 May 2024 10:00:00 +0000  Wed, 01 May 2024 10:00:00 +0000  KubeletReady  kubelet is posting ready status\n" +
            $"Addresses:\n" +
            $"  InternalIP:  10.0.0.7\n" +
            $"  Hostname:    {nodeName}\n" +
            $"Capacity:\n" +
            $"  cpu:     2\n" +
            $"  memory:  4Gi\n" +
            $"  pods:    110\n" +
            $"Allocatable:\n" +
            $"  cpu:     2\n" +
            $"  memory:  4Gi\n" +
            $"  pods:    110\n" +
            $"System Info:\n" +
            $"  Machine ID:                 \n" +
            $"  System UUID:                \n" +
            $"  Boot ID:                    \n" +
            $"  Kernel Version:             6.1.0\n" +
            $"  OS Image:                   Debian GNU/Linux 12\n" +
            $"  Operating System:           linux\n" +
            $"  Architecture:               amd64\n" +
            $"  Container Runtime Version:  docker://20.10.24\n" +
            $"  Kubelet Version:            v1.32.0-minikube\n" +
            $"  Kube-Proxy Version:         \n" +
            $"Non-terminated Pods:          (1 in total)\n" +
            $"  Namespace                   Name  CPU Requests  CPU Limits  Memory Requests  Memory Limits  Age\n" +
            $"  ---------                   ----  ------------  ----------  ---------------  -------------  ---\n" +
            $"  {ns.PadRight(28)}web   250m (12%)    500m (25%)  64Mi (1%)        0 (0%)         5m\n" +
            $"Allocated resources:\n" +
            $"  (Total limits may be over 100 percent, i.e., overcommitted.)\n" +
            $"  Resource  Requests    Limits\n" +
            $"  --------  --------    ------\n" +
            $"  cpu       250m (12%)  500m (25%)\n" +
            $"  memory    64Mi (1%)   0 (0%)\n" +
            $"Events:\n" +
            $"  Type    Reason     Age   From     Message\n" +
            $"  ----    ------     ----  ----     -------\n" +
            $"  Normal  NodeReady  60s   kubelet  Node {nodeName} status is now: NodeReady\n",
            result.Out);
    }

    [Fact]
    public async Task Describe_deployment_and_service()
    {
        var ns = await fixture.NewNamespaceAsync();
        var manifest =
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels: {app: web}\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {app: web}\n" +
            "  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: nginx\n        image: nginx:1.25\n        ports:\n        - containerPort: 80\n" +
            "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports:\n  - name: http\n    port: 80\n    targetPort: 8080\n";
        Assert.Equal(0, (await fixture.Cli().RunWithInputAsync(manifest, "create", "-f", "-", "-n", ns)).ExitCode);
        await fixture.Client.CreateAsync(new Endpoints
        {
            Metadata = new ObjectMeta { Name = "web", Namespace = ns },
            Subsets = [new EndpointSubset { Addresses = [new EndpointAddress { Ip = "10.244.0.5" }, new EndpointAddress { Ip = "10.244.0.6" }], Ports = [new EndpointPort { Name = "http", Port = 8080 }] }],
        });
        var deployment = await fixture.Client.GetAsync<Deployment>("web", ns);
        var ip = (await fixture.Client.GetAsync<Service>("web", ns)).Spec!.ClusterIP;

        var result = await fixture.Cli().RunAsync("describe", "deploy,svc", "-n", ns);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            $"Name:                   web\n" +
            $"Namespace:              {ns}\n" +
            $"CreationTimestamp:      {MiniKube.Printing.Text.Timestamp(deployment.Metadata.CreationTimestamp)}\n" +
            $"Labels:                 app=web\n" +
            $"Annotations:            <none>\n" +
            $"Selector:               app=web\n" +
            $"Replicas:               3 desired | 0 updated | 0 total | 0 available | 0 unavailable\n" +
            $"StrategyType:           RollingUpdate\n" +
            $"MinReadySeconds:        0\n" +
            $"RollingUpdateStrategy:  25% max unavailable, 25% max surge\n" +
            $"Pod Template:\n" +
            $"  Labels:  app=web\n" +
            $"  Containers:\n" +
            $"   nginx:\n" +
            $"    Image:        nginx:1.25\n" +
            $"    Port:         80/TCP\n" +
            $"    Host Port:    0/TCP\n" +
            $"    Environment:  <none>\n" +
            $"    Mounts:       <none>\n" +
            $"  Volumes:        <none>\n" +
            $"OldReplicaSets:   <none>\n" +
            $"NewReplicaSet:    <none>\n" +
            $"Events:           <none>\n" +
            $"\n" +
            $"\n" +
            $"Name:                     web\n" +
            $"Namespace:                {ns}\n" +
            $"Labels:                   <none>\n" +
            $"Annotations:              <none>\n" +
            $"Selector:                 app=web\n" +
            $"Type:                     ClusterIP\n" +
            $"IP Family Policy:         SingleStack\n" +
            $"IP Families:              IPv4\n" +
            $"IP:                       {ip}\n" +
            $"IPs:                      {ip}\n" +
            $"Port:                     http  80/TCP\n" +
            $"TargetPort:               8080/TCP\n" +
            $"Endpoints:                10.244.0.5:8080,10.244.0.6:8080\n" +
            $"Session Affinity:         None\n" +
            $"Internal Traffic Policy:  Cluster\n" +
            $"Events:                   <none>\n",
            result.Out);
    }

    [Fact]
    public async Task Other_kinds_are_described_as_yaml_with_events()
    {
        var ns = await fixture.NewNamespaceAsync();
        await fixture.Client.CreateAsync(TestObjects.ConfigMap("settings", ns, 1));

        var result = await fixture.Cli().RunAsync("describe", "configmap/settings", "-n", ns);

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith($"Name:         settings\nNamespace:    {ns}\nLabels:       <none>\nAnnotations:  <none>\napiVersion: v1\nkind: ConfigMap\n", result.Out);
        Assert.EndsWith("data:\n  k0: v0\nEvents:  <none>\n", result.Out);
        var yaml = result.Out[result.Out.IndexOf("apiVersion:", StringComparison.Ordinal)..result.Out.IndexOf("Events:", StringComparison.Ordinal)];
        Assert.Equal("settings", Assert.IsType<ConfigMap>(Assert.Single(KubeSerializer.DecodeManifests(yaml))).Metadata.Name);
    }

    [Fact]
    public async Task Names_match_by_prefix_and_a_missing_object_is_NotFound()
    {
        var ns = await fixture.NewNamespaceAsync();
        await fixture.Client.CreateAsync(TestObjects.ConfigMap("app-one", ns, 1));
        await fixture.Client.CreateAsync(TestObjects.ConfigMap("app-two", ns, 1));
        await fixture.Client.CreateAsync(TestObjects.ConfigMap("other", ns, 1));
        var cli = fixture.Cli();

        var prefix = await cli.RunAsync("describe", "cm", "app", "-n", ns);
        var missing = await cli.RunAsync("describe", "pod", "nope", "-n", ns);
        var none = await cli.RunAsync("describe", "pods", "-n", ns);

        Assert.Equal(0, prefix.ExitCode);
        Assert.Equal(["app-one", "app-two"], prefix.Out.Split('\n').Where(l => l.StartsWith("Name:", StringComparison.Ordinal)).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]));
        Assert.Contains("Events:  <none>\n\n\nName:         app-two\n", prefix.Out);
        Assert.Equal(new CliResult(1, "", "Error from server (NotFound): pods \"nope\" not found\n"), missing);
        Assert.Equal(new CliResult(0, "", $"No resources found in {ns} namespace.\n"), none);
    }
}
