using MiniKube.Api;
using MiniKube.Kubelet;
using MiniKube.Testing;

namespace MiniKube.Kubelet.Tests;

/// <summary>
/// hostNetwork and privileged made true in Docker: a hostNetwork pod is on the node's network (its interfaces, its IP,
/// its hostname), a privileged container may create a link and mount a filesystem, an unprivileged one may not.
/// </summary>
public sealed class HostNetworkAndPrivilegedTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>
{
    // Both act only inside the container's own namespaces: the bridge is in the pod's network namespace, the tmpfs in its
    // mount namespace.
    private const string TryPrivileged = "ip link add psa0 type bridge && echo link-ok; mkdir -p /m && mount -t tmpfs none /m && echo mount-ok; echo done; sleep 3600";

    [DockerFact]
    public async Task A_privileged_container_can_add_a_link_and_mount_and_an_unprivileged_one_cannot()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        await PodSecurityNamespaces.AllowPrivilegedAsync(env.Client);
        var name = KubeletEnvironment.Unique("priv");
        var pod = TestObjects.PodWith(name,
            TestObjects.Shell("privileged", TryPrivileged) with { SecurityContext = new SecurityContext { Privileged = true } },
            TestObjects.Shell("plain", TryPrivileged));

        await env.CreatePodAsync(pod);
        Pod running;
        try
        {
            running = await env.WaitForPodAsync(name, p => p.Status?.ContainerStatuses?.Count == 2 && p.Status.ContainerStatuses.All(s => s.State?.Running is not null),
                "both containers running");
        }
        catch (TimeoutException ex)
        {
            var last = await env.GetPodAsync(name);
            var states = string.Join("; ", (last.Status?.ContainerStatuses ?? []).Select(s => $"{s.Name}: {s.State?.Waiting?.Reason} {s.State?.Waiting?.Message}{s.State?.Terminated?.Reason}"));
            var events = string.Join("; ", (await env.EventsForAsync(last)).Select(e => $"{e.Reason}: {e.Message}"));
            throw new TimeoutException($"{ex.Message}\ncontainers: {states}\nevents: {events}", ex);
        }
        var privilegedId = KubeletEnvironment.ContainerId(running, "privileged");
        var plainId = KubeletEnvironment.ContainerId(running, "plain");
        var privileged = await Eventually.WaitAsync(() => env.DockerLogsAsync(privilegedId), l => l.Contains("done", StringComparison.Ordinal),
            TimeSpan.FromSeconds(15), "the privileged container's script finished");
        var plain = await Eventually.WaitAsync(() => env.DockerLogsAsync(plainId), l => l.Contains("done", StringComparison.Ordinal),
            TimeSpan.FromSeconds(15), "the plain container's script finished");

        Assert.Contains("link-ok", privileged, StringComparison.Ordinal);
        Assert.Contains("mount-ok", privileged, StringComparison.Ordinal);
        Assert.DoesNotContain("link-ok", plain, StringComparison.Ordinal);
        Assert.DoesNotContain("mount-ok", plain, StringComparison.Ordinal);
        var host = (await DockerCli.InspectAsync(privilegedId)).GetProperty("HostConfig");
        if (PrivilegedMode.MissingHere.Count == 0)
        {
            Assert.True(host.GetProperty("Privileged").GetBoolean());
        }
        else
        {
            // This machine's bounding set lacks capabilities, so Docker's flag cannot be granted (docs/kubelet.md).
            Assert.Contains("ALL", host.GetProperty("CapAdd").EnumerateArray().Select(c => c.GetString()));
            Assert.Equal(PrivilegedMode.MissingHere, host.GetProperty("CapDrop").EnumerateArray().Select(c => c.GetString()!).ToList());
        }
        Assert.False((await DockerCli.InspectAsync(plainId)).GetProperty("HostConfig").GetProperty("Privileged").GetBoolean());
    }

    [DockerFact]
    public async Task A_hostNetwork_pod_sees_the_node_interfaces_and_gets_the_node_IP_and_hostname()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        await PodSecurityNamespaces.AllowPrivilegedAsync(env.Client);
        var name = KubeletEnvironment.Unique("hostnet");
        const string Script = "echo host=$(hostname); cat /proc/net/dev; echo done; sleep 3600";
        var pod = TestObjects.PodWith(name, TestObjects.Shell("app", Script));
        pod = pod with { Spec = pod.Spec! with { HostNetwork = true } };
        var bridged = TestObjects.PodWith(name + "-b", TestObjects.Shell("app", Script));

        await env.CreatePodAsync(pod);
        await env.CreatePodAsync(bridged);
        var running = await env.WaitForPodAsync(name, p => p.Status?.PodIP is not null && p.Status.Phase == PodPhase.Running, "the hostNetwork pod running with an IP");
        var bridgedRunning = await env.WaitForPodAsync(bridged.Metadata.Name!, p => p.Status?.PodIP is not null && p.Status.Phase == PodPhase.Running, "the bridged pod running");
        var logs = await Eventually.WaitAsync(() => env.DockerLogsAsync(KubeletEnvironment.ContainerId(running, "app")), l => l.Contains("done", StringComparison.Ordinal),
            TimeSpan.FromSeconds(15), "the hostNetwork pod's script finished");
        var bridgedLogs = await Eventually.WaitAsync(() => env.DockerLogsAsync(KubeletEnvironment.ContainerId(bridgedRunning, "app")),
            l => l.Contains("done", StringComparison.Ordinal), TimeSpan.FromSeconds(15), "the bridged pod's script finished");

        Assert.Equal(running.Status!.HostIP, running.Status.PodIP);
        Assert.Equal([running.Status.HostIP!], running.Status.PodIPs!.Select(p => p.Ip));
        Assert.NotEqual(bridgedRunning.Status!.HostIP, bridgedRunning.Status.PodIP);
        // docker0 is the node's (Docker's default bridge): only a pod on the node's network has it.
        Assert.Contains("docker0:", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("docker0:", bridgedLogs, StringComparison.Ordinal);
        Assert.Contains($"host={Environment.MachineName}\n", logs, StringComparison.Ordinal);
        var sandbox = (await DockerCli.ListContainersAsync($"{ContainerLabels.PodUid}={running.Metadata.Uid}"))
            .Select(id => DockerCli.InspectAsync(id).GetAwaiter().GetResult())
            .Single(c => c.GetProperty("Config").GetProperty("Labels").GetProperty(ContainerLabels.ContainerType).GetString() == ContainerLabels.TypeSandbox);
        Assert.Equal("host", sandbox.GetProperty("HostConfig").GetProperty("NetworkMode").GetString());
    }
}
