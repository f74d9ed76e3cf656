using MiniKube.Api;
using MiniKube.Kubelet;
using MiniKube.Testing;

namespace MiniKube.Kubelet.Tests;

public sealed class PodLifecycleTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>
{
    [DockerFact]
    public async Task Containers_of_a_pod_share_localhost_and_the_pod_gets_the_sandbox_ip()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        var name = KubeletEnvironment.Unique("web");
        var pod = TestObjects.PodWith(name,
            TestObjects.Shell("server", "echo hello-from-server > /tmp/index.html && exec httpd -f -p 8080 -h /tmp"),
            TestObjects.Shell("client", "for i in $(seq 1 50); do timeout 5 wget -qO- http://127.0.0.1:8080/ && exit 0; sleep 0.2; done; exit 1"))
            .WithPolicy(RestartPolicy.OnFailure);
        await env.CreatePodAsync(pod);

        var done = await env.WaitForPodAsync(name, p => KubeletEnvironment.StatusOf(p, "client")?.State?.Terminated is not null, "client finished");
        var client = KubeletEnvironment.StatusOf(done, "client")!;
        Assert.Equal(0, client.State!.Terminated!.ExitCode);
        Assert.Equal("Completed", client.State.Terminated.Reason);
        Assert.Contains("hello-from-server", await env.DockerLogsAsync(KubeletEnvironment.ContainerId(done, "client")));
        Assert.NotNull(KubeletEnvironment.StatusOf(done, "server")!.State!.Running);
        Assert.Equal(PodPhase.Running, done.Status!.Phase);
        Assert.Equal("127.0.0.1", done.Status.HostIP);

        var sandbox = (await DockerCli.ListContainersAsync($"{ContainerLabels.PodUid}={done.Metadata.Uid}"))
            .Select(id => DockerCli.InspectAsync(id).GetAwaiter().GetResult())
            .Single(c => c.GetProperty("Config").GetProperty("Labels").GetProperty(ContainerLabels.ContainerType).GetString() == ContainerLabels.TypeSandbox);
        Assert.Equal(sandbox.GetProperty("NetworkSettings").GetProperty("Networks").GetProperty("bridge").GetProperty("IPAddress").GetString(), done.Status.PodIP);
        Assert.Equal(name, sandbox.GetProperty("Config").GetProperty("Hostname").GetString());
        var app = await DockerCli.InspectAsync(KubeletEnvironment.ContainerId(done, "server"));
        Assert.Equal("container:" + sandbox.GetProperty("Id").GetString(), app.GetProperty("HostConfig").GetProperty("NetworkMode").GetString());
        Assert.True(app.GetProperty("HostConfig").GetProperty("Init").GetBoolean());
        Assert.Equal(env.Node, app.GetProperty("Config").GetProperty("Labels").GetProperty(ContainerLabels.Node).GetString());
    }

    [DockerFact]
    public async Task Pod_becomes_Running_with_conditions_and_events()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        var name = KubeletEnvironment.Unique("run");
        await env.CreatePodAsync(TestObjects.PodWith(name, TestObjects.Shell("app", "sleep 3600")));
        var pod = await env.WaitForPodAsync(name, p => p.Status?.Phase == PodPhase.Running
            && p.Status.Conditions?.Any(c => c.Type == PodConditionType.Ready && c.Status == ConditionStatus.True) == true, "Running and Ready");
        var status = KubeletEnvironment.StatusOf(pod, "app")!;
        Assert.True(status.Ready);
        Assert.True(status.Started);
        Assert.Equal(0, status.RestartCount);
        Assert.StartsWith("docker://", status.ContainerID, StringComparison.Ordinal);
        Assert.StartsWith("docker://sha256:", status.ImageID, StringComparison.Ordinal);
        Assert.NotNull(status.State!.Running!.StartedAt);
        foreach (var type in new[] { PodConditionType.Initialized, PodConditionType.ContainersReady, PodConditionType.Ready, PodConditionType.PodScheduled })
        {
            Assert.Equal(ConditionStatus.True, pod.Status!.Conditions!.Single(c => c.Type == type).Status);
        }
        Assert.Equal("BestEffort", pod.Status!.QosClass);
        Assert.NotNull(pod.Status.StartTime);

        var events = await Eventually.WaitAsync(() => env.EventsForAsync(pod), e => e.Any(x => x.Reason == "Started"), TimeSpan.FromSeconds(10), "Started event");
        Assert.Contains(events, e => e.Reason == "Pulled" && e.Message == $"Container image \"{TestObjects.Busybox}\" already present on machine");
        Assert.Contains(events, e => e.Reason == "Created" && e.Message == "Created container app");
        Assert.Contains(events, e => e.Reason == "Started" && e.Message == "Started container app" && e.Source?.Component == "kubelet" && e.Source.Host == env.Node);
    }

    [DockerFact]
    public async Task Env_values_field_refs_and_expansion_reach_the_container()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        var name = KubeletEnvironment.Unique("env");
        static EnvVarSource FieldRef(string path) => new EnvVarSource { FieldRef = new ObjectFieldSelector { FieldPath = path } };
        var container = TestObjects.Shell("app", "env | sort; echo ARGS:$0") with
        {
            Env =
            [
                new EnvVar { Name = "GREETING", Value = "hello" },
                new EnvVar { Name = "EXPANDED", Value = "$(GREETING)-world" },
                new EnvVar { Name = "POD_NAME", ValueFrom = FieldRef("metadata.name") },
                new EnvVar { Name = "POD_NAMESPACE", ValueFrom = FieldRef("metadata.namespace") },
                new EnvVar { Name = "POD_UID", ValueFrom = FieldRef("metadata.uid") },
                new EnvVar { Name = "POD_APP", ValueFrom = FieldRef("metadata.labels['app']") },
                new EnvVar { Name = "NODE_NAME", ValueFrom = FieldRef("spec.nodeName") },
                new EnvVar { Name = "POD_IP", ValueFrom = FieldRef("status.podIP") },
                new EnvVar { Name = "HOST_IP", ValueFrom = FieldRef("status.hostIP") },
            ],
            WorkingDir = "/tmp",
        };
        await env.CreatePodAsync(TestObjects.PodWith(name, container).WithPolicy(RestartPolicy.Never));
        var pod = await env.WaitForPhaseAsync(name, PodPhase.Succeeded);
        var logs = await env.DockerLogsAsync(KubeletEnvironment.ContainerId(pod, "app"));
        Assert.Contains("GREETING=hello\n", logs, StringComparison.Ordinal);
        Assert.Contains("EXPANDED=hello-world\n", logs, StringComparison.Ordinal);
        Assert.Contains($"POD_NAME={name}\n", logs, StringComparison.Ordinal);
        Assert.Contains("POD_NAMESPACE=default\n", logs, StringComparison.Ordinal);
        Assert.Contains($"POD_UID={pod.Metadata.Uid}\n", logs, StringComparison.Ordinal);
        Assert.Contains($"POD_APP={name}\n", logs, StringComparison.Ordinal);
        Assert.Contains($"NODE_NAME={env.Node}\n", logs, StringComparison.Ordinal);
        Assert.Contains($"POD_IP={pod.Status!.PodIP}\n", logs, StringComparison.Ordinal);
        Assert.Contains("HOST_IP=127.0.0.1\n", logs, StringComparison.Ordinal);
        Assert.Contains("PWD=/tmp\n", logs, StringComparison.Ordinal);
        Assert.Equal("Completed", KubeletEnvironment.StatusOf(pod, "app")!.State!.Terminated!.Reason);
    }

    [DockerFact]
    public async Task Command_replaces_the_entrypoint_and_args_replace_cmd()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        var name = KubeletEnvironment.Unique("args");
        var container = new Container { Name = "app", Image = TestObjects.Busybox, Command = ["echo"], Args = ["one", "two"] };
        await env.CreatePodAsync(TestObjects.PodWith(name, container).WithPolicy(RestartPolicy.Never));
        var pod = await env.WaitForPhaseAsync(name, PodPhase.Succeeded);
        Assert.Equal("one two\n", await env.DockerLogsAsync(KubeletEnvironment.ContainerId(pod, "app")));
    }

    [DockerFact]
    public async Task EmptyDir_is_shared_between_containers_and_removed_with_the_pod()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        var name = KubeletEnvironment.Unique("vol");
        var pod = TestObjects.PodWith(name,
            TestObjects.Shell("writer", "echo shared-data > /data/file; sleep 3600") with { VolumeMounts = [new VolumeMount { Name = "scratch", MountPath = "/data" }] },
            TestObjects.Shell("reader", "until cat /cache/file; do sleep 0.2; done; sleep 3600") with
            {
                VolumeMounts = [new VolumeMount { Name = "scratch", MountPath = "/cache", ReadOnly = true }],
            }) with
        { };
        pod = pod with { Spec = pod.Spec! with { Volumes = [new Volume { Name = "scratch", EmptyDir = new EmptyDirVolumeSource() }] } };
        var created = await env.CreatePodAsync(pod);
        var running = await env.WaitForPhaseAsync(name, PodPhase.Running);
        var readerId = KubeletEnvironment.ContainerId(running, "reader");
        await Eventually.WaitAsync(async () => (await env.DockerLogsAsync(readerId)).Contains("shared-data", StringComparison.Ordinal),
            TimeSpan.FromSeconds(15), "reader sees the writer's file");
        var hostDir = Path.Combine(env.Options.RootDir, env.Node, "pods", created.Metadata.Uid!, "volumes", "scratch");
        Assert.True(File.Exists(Path.Combine(hostDir, "file")));
        var reader = await DockerCli.InspectAsync(readerId);
        Assert.Contains(reader.GetProperty("HostConfig").GetProperty("Binds").EnumerateArray(), b => b.GetString() == hostDir + ":/cache:ro");

        await env.DeletePodAsync(name, grace: 1);
        await Eventually.WaitAsync(async () => !Directory.Exists(hostDir) && (await env.ContainersOfPodAsync(created.Metadata.Uid!)).Count == 0,
            TimeSpan.FromSeconds(20), "volume directory and containers removed");
    }

    [DockerFact]
    public async Task Resource_limits_and_requests_land_in_the_host_config()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        var name = KubeletEnvironment.Unique("res");
        var container = TestObjects.Shell("app", "sleep 3600") with
        {
            Resources = new ResourceRequirements
            {
                Limits = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("0.5"), ["memory"] = Quantity.Parse("128Mi") },
                Requests = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("250m"), ["memory"] = Quantity.Parse("64Mi") },
            },
        };
        await env.CreatePodAsync(TestObjects.PodWith(name, container));
        var pod = await env.WaitForPhaseAsync(name, PodPhase.Running);
        var hostConfig = (await DockerCli.InspectAsync(KubeletEnvironment.ContainerId(pod, "app"))).GetProperty("HostConfig");
        Assert.Equal(500000000, hostConfig.GetProperty("NanoCpus").GetInt64());
        Assert.Equal(134217728, hostConfig.GetProperty("Memory").GetInt64());
        Assert.Equal(256, hostConfig.GetProperty("CpuShares").GetInt64());
        Assert.Equal("Burstable", pod.Status!.QosClass);
    }

    [DockerFact]
    public async Task HostPort_is_published_on_loopback()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        var name = KubeletEnvironment.Unique("hp");
        var port = FreePort.Get();
        var container = TestObjects.Shell("web", "echo via-host-port > /tmp/index.html && exec httpd -f -p 8080 -h /tmp") with
        {
            Ports = [new ContainerPortSpec { ContainerPort = 8080, HostPort = port }],
        };
        await PodSecurityNamespaces.AllowPrivilegedAsync(env.Client);
        await env.CreatePodAsync(TestObjects.PodWith(name, container));
        await env.WaitForPhaseAsync(name, PodPhase.Running);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        var body = await Eventually.WaitAsync(async () => await http.GetStringAsync($"http://127.0.0.1:{port}/"), b => b.Contains("via-host-port", StringComparison.Ordinal),
            TimeSpan.FromSeconds(15), "page through the host port");
        Assert.Contains("via-host-port", body, StringComparison.Ordinal);
    }

    [DockerFact]
    public async Task Deleted_pod_leaves_no_containers()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        var name = KubeletEnvironment.Unique("gone");
        var created = await env.CreatePodAsync(TestObjects.PodWith(name, TestObjects.Shell("a", "sleep 3600"), TestObjects.Shell("b", "sleep 3600")));
        await env.WaitForPhaseAsync(name, PodPhase.Running);
        Assert.Equal(3, (await env.ContainersOfPodAsync(created.Metadata.Uid!)).Count);
        await env.DeletePodAsync(name);
        await Eventually.WaitAsync(async () =>
        {
            try
            {
                await env.GetPodAsync(name);
                return false;
            }
            catch (ApiException ex) when (ex.IsNotFound)
            {
                return true;
            }
        }, TimeSpan.FromSeconds(20), "pod object deleted by the kubelet");
        Assert.Empty(await env.ContainersOfPodAsync(created.Metadata.Uid!));
    }

}
