using MiniKube.Api;
using MiniKube.Kubelet;
using MiniKube.Testing;

namespace MiniKube.Kubelet.Tests;

/// <summary>In-place pod resize against real Docker: container update without a restart, RestartContainer, admission.</summary>
public sealed class InPlaceResizeTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>
{
    private static Container Sized(string name, string cpuRequest, string cpuLimit, string memoryRequest, string memoryLimit, string? memoryPolicy = null) =>
        TestObjects.Shell(name, "sleep 3600") with
        {
            Resources = new ResourceRequirements
            {
                Requests = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse(cpuRequest), ["memory"] = Quantity.Parse(memoryRequest) },
                Limits = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse(cpuLimit), ["memory"] = Quantity.Parse(memoryLimit) },
            },
            ResizePolicy = memoryPolicy is null ? null : [new ContainerResizePolicy { ResourceName = "memory", RestartPolicy = memoryPolicy }],
        };

    private static string Patch(string container, string cpuRequest, string cpuLimit, string memoryRequest, string memoryLimit) =>
        "{\"spec\":{\"containers\":[{\"name\":\"" + container + "\",\"resources\":{\"requests\":{\"cpu\":\"" + cpuRequest + "\",\"memory\":\"" + memoryRequest
        + "\"},\"limits\":{\"cpu\":\"" + cpuLimit + "\",\"memory\":\"" + memoryLimit + "\"}}}]}}";

    private static async Task<Pod> RunningAsync(KubeletEnvironment env, Pod pod)
    {
        await env.CreatePodAsync(pod);
        return await env.WaitForPodAsync(pod.Metadata.Name!, p => p.Status?.Phase == PodPhase.Running
            && p.Status.ContainerStatuses?.All(s => s.State?.Running is not null) == true, "running");
    }

    private static bool HasCondition(Pod p, string type, string? reason = null) =>
        p.Status?.Conditions?.Any(c => c.Type == type && c.Status == ConditionStatus.True && (reason is null || c.Reason == reason)) == true;

    [DockerFact]
    public async Task A_cpu_resize_updates_the_running_container_in_place()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        var name = KubeletEnvironment.Unique("rs-cpu");
        var pod = await RunningAsync(env, TestObjects.PodWith(name, Sized("app", "100m", "200m", "32Mi", "64Mi")));
        var id = KubeletEnvironment.ContainerId(pod, "app");
        Assert.Equal("200m", KubeletEnvironment.StatusOf(pod, "app")!.Resources!.Limits!["cpu"].ToString());

        await env.Client.ResizePodAsync("default", name, Patch("app", "300m", "500m", "32Mi", "64Mi"));

        var resized = await env.WaitForPodAsync(name, p => KubeletEnvironment.StatusOf(p, "app")?.Resources?.Limits?["cpu"].ToString() == "500m", "actual cpu limit 500m");
        var status = KubeletEnvironment.StatusOf(resized, "app")!;
        Assert.Equal("300m", status.Resources!.Requests!["cpu"].ToString());
        Assert.Equal("300m", status.AllocatedResources!["cpu"].ToString());
        Assert.Equal((id, 0), (KubeletEnvironment.ContainerId(resized, "app"), status.RestartCount));
        var host = (await DockerCli.InspectAsync(id)).GetProperty("HostConfig");
        Assert.Equal(500_000_000, host.GetProperty("NanoCpus").GetInt64());
        Assert.Equal(307, host.GetProperty("CpuShares").GetInt64());
        Assert.False(HasCondition(resized, PodConditionType.PodResizeInProgress));
        Assert.Equal(resized.Metadata.Generation, resized.Status!.ObservedGeneration);
    }

    [DockerFact]
    public async Task A_memory_resize_with_RestartContainer_restarts_only_that_container()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        var name = KubeletEnvironment.Unique("rs-mem");
        var pod = await RunningAsync(env, TestObjects.PodWith(name,
            Sized("restarts", "100m", "200m", "32Mi", "64Mi", ResizeRestartPolicy.RestartContainer), Sized("stays", "100m", "200m", "32Mi", "64Mi")));
        var stays = KubeletEnvironment.ContainerId(pod, "stays");

        await env.Client.ResizePodAsync("default", name, "{\"spec\":{\"containers\":["
            + "{\"name\":\"restarts\",\"resources\":{\"requests\":{\"cpu\":\"100m\",\"memory\":\"48Mi\"},\"limits\":{\"cpu\":\"200m\",\"memory\":\"96Mi\"}},"
            + "\"resizePolicy\":[{\"resourceName\":\"memory\",\"restartPolicy\":\"RestartContainer\"}]},"
            + "{\"name\":\"stays\",\"resources\":{\"requests\":{\"cpu\":\"100m\",\"memory\":\"32Mi\"},\"limits\":{\"cpu\":\"200m\",\"memory\":\"64Mi\"}}}]}}");

        var resized = await env.WaitForPodAsync(name, p => KubeletEnvironment.StatusOf(p, "restarts") is { RestartCount: 1, State.Running: not null } s
            && s.Resources?.Limits?["memory"].ToString() == "96Mi", "restarts restarted with 96Mi");
        var restarted = KubeletEnvironment.ContainerId(resized, "restarts");
        Assert.Equal(96L * 1024 * 1024, (await DockerCli.InspectAsync(restarted)).GetProperty("HostConfig").GetProperty("Memory").GetInt64());
        Assert.Equal((stays, 0), (KubeletEnvironment.ContainerId(resized, "stays"), KubeletEnvironment.StatusOf(resized, "stays")!.RestartCount));
    }

    [DockerFact]
    public async Task A_resize_beyond_the_node_is_Infeasible_and_one_that_needs_room_is_Deferred_until_a_pod_leaves()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server, o => o with { Cpu = "1" });
        var big = KubeletEnvironment.Unique("rs-big");
        var small = KubeletEnvironment.Unique("rs-small");
        var bigPod = await RunningAsync(env, TestObjects.PodWith(big, Sized("app", "600m", "600m", "16Mi", "32Mi")));
        var pod = await RunningAsync(env, TestObjects.PodWith(small, Sized("app", "200m", "200m", "16Mi", "32Mi")));
        var id = KubeletEnvironment.ContainerId(pod, "app");

        await env.Client.ResizePodAsync("default", small, Patch("app", "2", "2", "16Mi", "32Mi"));
        var infeasible = await env.WaitForPodAsync(small, p => HasCondition(p, PodConditionType.PodResizePending, PodResizeReason.Infeasible), "Infeasible");
        Assert.Equal("Node didn't have enough capacity: cpu, requested: 2000, capacity: 1000",
            infeasible.Status!.Conditions!.Single(c => c.Type == PodConditionType.PodResizePending).Message);
        Assert.Equal("200m", KubeletEnvironment.StatusOf(infeasible, "app")!.AllocatedResources!["cpu"].ToString());

        await env.Client.ResizePodAsync("default", small, Patch("app", "600m", "600m", "16Mi", "32Mi"));
        var deferred = await env.WaitForPodAsync(small, p => HasCondition(p, PodConditionType.PodResizePending, PodResizeReason.Deferred), "Deferred");
        Assert.Equal("Node didn't have enough resource: cpu, requested: 600, used: 600, capacity: 1000",
            deferred.Status!.Conditions!.Single(c => c.Type == PodConditionType.PodResizePending).Message);
        Assert.Equal(200_000_000, (await DockerCli.InspectAsync(id)).GetProperty("HostConfig").GetProperty("NanoCpus").GetInt64());

        await env.DeletePodAsync(big, grace: 0);
        var applied = await env.WaitForPodAsync(small, p => KubeletEnvironment.StatusOf(p, "app")?.Resources?.Limits?["cpu"].ToString() == "600m"
            && !HasCondition(p, PodConditionType.PodResizePending), "resize applied once the big pod left");
        Assert.Equal(id, KubeletEnvironment.ContainerId(applied, "app"));
        Assert.Equal(600_000_000, (await DockerCli.InspectAsync(id)).GetProperty("HostConfig").GetProperty("NanoCpus").GetInt64());
        // The kubelet's removal of the big pod's containers must be over before the clean-up removes the rest.
        await Eventually.WaitAsync(() => env.ContainersOfPodAsync(bigPod.Metadata.Uid!), ids => ids.Count == 0, TimeSpan.FromSeconds(30), "big pod's containers removed");
    }
    [DockerFact]
    public async Task A_kubelet_restart_in_the_middle_of_a_resize_loses_nothing()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        var name = KubeletEnvironment.Unique("rs-restart");
        var pod = await RunningAsync(env, TestObjects.PodWith(name, Sized("app", "100m", "200m", "32Mi", "64Mi")));
        var id = KubeletEnvironment.ContainerId(pod, "app");

        // The kubelet applies the resize in Docker, then dies before its status saying so reaches the API server.
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        env.Agent.Syncer.StatusWriter.BeforeWrite = async (p, status, ct) =>
        {
            if (p.Metadata.Name == name && status.ContainerStatuses?.Any(s => s.Resources?.Limits?.GetValueOrDefault("cpu").ToString() == "500m") == true)
            {
                held.TrySetResult();
                await Task.Delay(Timeout.Infinite, ct);
            }
        };
        await env.Client.ResizePodAsync("default", name, Patch("app", "300m", "500m", "32Mi", "64Mi"));
        await held.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(500_000_000, (await DockerCli.InspectAsync(id)).GetProperty("HostConfig").GetProperty("NanoCpus").GetInt64());
        await env.StopKubeletAsync();
        var stale = await env.GetPodAsync(name);
        Assert.Equal("200m", KubeletEnvironment.StatusOf(stale, "app")!.Resources!.Limits!["cpu"].ToString());
        Assert.NotEqual(stale.Metadata.Generation, stale.Status!.ObservedGeneration);

        // While no kubelet runs, a second resize (cpu and memory) is accepted by the API server.
        await env.Client.ResizePodAsync("default", name, Patch("app", "400m", "700m", "48Mi", "96Mi"));

        // The restarted kubelet reads the container's settings from Docker, applies what is left and reports the truth.
        await env.StartKubeletAsync();
        var converged = await env.WaitForPodAsync(name, p => KubeletEnvironment.StatusOf(p, "app") is { } s
            && s.Resources?.Limits?.GetValueOrDefault("cpu").ToString() == "700m" && s.Resources.Limits.GetValueOrDefault("memory").ToString() == "96Mi"
            && p.Status!.ObservedGeneration == p.Metadata.Generation && !HasCondition(p, PodConditionType.PodResizeInProgress),
            "actual cpu limit 700m and memory limit 96Mi reported by the restarted kubelet", TimeSpan.FromSeconds(60));
        var status = KubeletEnvironment.StatusOf(converged, "app")!;
        Assert.Equal((id, 0, true), (KubeletEnvironment.ContainerId(converged, "app"), status.RestartCount, status.State?.Running is not null));
        Assert.Equal(("400m", "48Mi"), (status.AllocatedResources!["cpu"].ToString(), status.AllocatedResources["memory"].ToString()));
        Assert.Equal(("400m", "48Mi"), (status.Resources!.Requests!["cpu"].ToString(), status.Resources.Requests["memory"].ToString()));
        Assert.False(HasCondition(converged, PodConditionType.PodResizePending));
        var host = (await DockerCli.InspectAsync(id)).GetProperty("HostConfig");
        Assert.Equal((700_000_000L, 409L, 96L * 1024 * 1024), (host.GetProperty("NanoCpus").GetInt64(), host.GetProperty("CpuShares").GetInt64(), host.GetProperty("Memory").GetInt64()));
        // No container was replaced: the pod still has its sandbox and the one app container.
        Assert.Equal(2, (await env.ContainersOfPodAsync(converged.Metadata.Uid!)).Count);
    }

    [DockerFact]
    public async Task A_container_changed_behind_the_kubelets_back_is_brought_back_to_the_spec()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        var name = KubeletEnvironment.Unique("rs-drift");
        var pod = await RunningAsync(env, TestObjects.PodWith(name, Sized("app", "100m", "200m", "32Mi", "64Mi")));
        var id = KubeletEnvironment.ContainerId(pod, "app");

        // Docker's "update" event tells the kubelet its cached settings are stale; it re-reads them and re-applies the spec.
        var update = await DockerCli.RunAsync("update", "--cpus", "0.9", id);
        Assert.Equal(0, update.ExitCode);

        await Eventually.WaitAsync(async () => (await DockerCli.InspectAsync(id)).GetProperty("HostConfig").GetProperty("NanoCpus").GetInt64(),
            nano => nano == 200_000_000, TimeSpan.FromSeconds(30), "the kubelet restored NanoCpus 200000000 (cpu limit 200m)");
        var after = await env.WaitForPodAsync(name, p => KubeletEnvironment.StatusOf(p, "app")?.Resources?.Limits?.GetValueOrDefault("cpu").ToString() == "200m",
            "actual cpu limit 200m");
        Assert.Equal((id, 0), (KubeletEnvironment.ContainerId(after, "app"), KubeletEnvironment.StatusOf(after, "app")!.RestartCount));
    }
}
