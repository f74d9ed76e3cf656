using System.Globalization;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Kubelet;
using MiniKube.Testing;

namespace MiniKube.Kubelet.Tests;

public sealed class RestartAndProbeTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>
{
    [DockerFact]
    public async Task Killed_container_is_restarted_with_restartCount_and_lastState()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        var name = KubeletEnvironment.Unique("kill");
        await env.CreatePodAsync(TestObjects.PodWith(name, TestObjects.Shell("app", "sleep 3600")));
        var running = await env.WaitForPhaseAsync(name, PodPhase.Running);
        var first = KubeletEnvironment.ContainerId(running, "app");

        await DockerCli.KillAsync(first);

        var restarted = await env.WaitForPodAsync(name, p => KubeletEnvironment.StatusOf(p, "app") is { RestartCount: 1, State.Running: not null },
            "restarted once", TimeSpan.FromSeconds(20));
        var status = KubeletEnvironment.StatusOf(restarted, "app")!;
        Assert.NotEqual(first, KubeletEnvironment.ContainerId(restarted, "app"));
        Assert.Equal(137, status.LastState!.Terminated!.ExitCode);
        Assert.Equal("Error", status.LastState.Terminated.Reason);
        Assert.Equal("docker://" + first, status.LastState.Terminated.ContainerID);
        Assert.Equal(PodPhase.Running, restarted.Status!.Phase);
    }

    [DockerFact]
    public async Task Never_and_OnFailure_give_Kubernetes_phases()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        var neverOk = KubeletEnvironment.Unique("never-ok");
        var neverFail = KubeletEnvironment.Unique("never-fail");
        var onFailureOk = KubeletEnvironment.Unique("onfail-ok");
        var onFailureFail = KubeletEnvironment.Unique("onfail-fail");
        await env.CreatePodAsync(TestObjects.PodWith(neverOk, TestObjects.Shell("app", "exit 0")).WithPolicy(RestartPolicy.Never));
        await env.CreatePodAsync(TestObjects.PodWith(neverFail, TestObjects.Shell("app", "exit 3")).WithPolicy(RestartPolicy.Never));
        await env.CreatePodAsync(TestObjects.PodWith(onFailureOk, TestObjects.Shell("app", "exit 0")).WithPolicy(RestartPolicy.OnFailure));
        await env.CreatePodAsync(TestObjects.PodWith(onFailureFail, TestObjects.Shell("app", "exit 1")).WithPolicy(RestartPolicy.OnFailure));

        var succeeded = await env.WaitForPhaseAsync(neverOk, PodPhase.Succeeded);
        Assert.Equal("Completed", KubeletEnvironment.StatusOf(succeeded, "app")!.State!.Terminated!.Reason);
        Assert.Equal("PodCompleted", succeeded.Status!.Conditions!.Single(c => c.Type == PodConditionType.Ready).Reason);

        var failed = await env.WaitForPhaseAsync(neverFail, PodPhase.Failed);
        var terminated = KubeletEnvironment.StatusOf(failed, "app")!.State!.Terminated!;
        Assert.Equal(3, terminated.ExitCode);
        Assert.Equal("Error", terminated.Reason);
        Assert.NotNull(terminated.FinishedAt);
        Assert.Equal(0, KubeletEnvironment.StatusOf(failed, "app")!.RestartCount);

        await env.WaitForPhaseAsync(onFailureOk, PodPhase.Succeeded);
        var restarting = await env.WaitForPodAsync(onFailureFail, p => KubeletEnvironment.StatusOf(p, "app")?.RestartCount >= 1, "OnFailure restarts a failed container");
        Assert.Equal(PodPhase.Running, restarting.Status!.Phase);
    }

    [DockerFact]
    public async Task Crashing_container_backs_off_with_CrashLoopBackOff()
    {
        var backoff = TimeSpan.FromSeconds(3);
        await using var env = await KubeletEnvironment.StartAsync(api.Server, o => o with { CrashLoopInitialBackoff = backoff });
        var name = KubeletEnvironment.Unique("crash");
        var created = await env.CreatePodAsync(TestObjects.PodWith(name, TestObjects.Shell("app", "echo crashing; exit 1")));
        var uid = created.Metadata.Uid!;

        var looping = await env.WaitForPodAsync(name, p => KubeletEnvironment.StatusOf(p, "app")?.State?.Waiting?.Reason == "CrashLoopBackOff",
            "CrashLoopBackOff", TimeSpan.FromSeconds(30));
        var waiting = KubeletEnvironment.StatusOf(looping, "app")!;
        Assert.Equal($"back-off 3s restarting failed container=app pod={name}_default({uid})", waiting.State!.Waiting!.Message);
        Assert.Equal(1, waiting.LastState!.Terminated!.ExitCode);
        Assert.Equal(PodPhase.Running, looping.Status!.Phase);
        Assert.Equal(ConditionStatus.False, looping.Status.Conditions!.Single(c => c.Type == PodConditionType.Ready).Status);

        // The second restart (attempt 2) waits at least the back-off after attempt 1 died; the first came at once.
        await env.WaitForPodAsync(name, p => KubeletEnvironment.StatusOf(p, "app")?.RestartCount >= 2, "second restart", TimeSpan.FromSeconds(30));
        var attempts = new Dictionary<int, (DateTimeOffset Started, DateTimeOffset Finished)>();
        foreach (var id in await env.ContainersOfPodAsync(uid))
        {
            var c = await DockerCli.InspectAsync(id);
            var labels = c.GetProperty("Config").GetProperty("Labels");
            if (!labels.TryGetProperty(ContainerLabels.RestartCount, out var rc))
            {
                continue;
            }
            var state = c.GetProperty("State");
            attempts[int.Parse(rc.GetString()!, CultureInfo.InvariantCulture)] = (
                DateTimeOffset.Parse(state.GetProperty("StartedAt").GetString()!, CultureInfo.InvariantCulture),
                DateTimeOffset.Parse(state.GetProperty("FinishedAt").GetString()!, CultureInfo.InvariantCulture));
        }
        Assert.True(attempts.ContainsKey(1) && attempts.ContainsKey(2), "attempts 1 and 2 are kept: " + string.Join(',', attempts.Keys));
        var gap = attempts[2].Started - attempts[1].Finished;
        Assert.True(gap >= backoff - TimeSpan.FromMilliseconds(100), $"second restart came {gap.TotalSeconds:0.00}s after the crash, back-off is {backoff.TotalSeconds}s");

        var previousLogs = new System.Text.StringBuilder();
        await foreach (var chunk in env.Client.StreamLogsAsync("default", name, "app", previous: true))
        {
            previousLogs.Append(chunk);
        }
        Assert.Equal("crashing\n", previousLogs.ToString());

        var events = await env.EventsForAsync(looping);
        Assert.Contains(events, e => e.Reason == "BackOff" && e.Type == EventType.Warning
            && e.Message == $"Back-off restarting failed container app in pod {name}_default({uid})");
    }

    [DockerFact]
    public async Task Failing_liveness_probe_restarts_the_container_with_events()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        var name = KubeletEnvironment.Unique("live");
        var container = TestObjects.Shell("app", "touch /tmp/healthy; sleep 2; rm /tmp/healthy; sleep 3600") with
        {
            LivenessProbe = new Probe { Exec = new ExecAction { Command = ["cat", "/tmp/healthy"] }, PeriodSeconds = 1, FailureThreshold = 2 },
        };
        await env.CreatePodAsync(TestObjects.PodWith(name, container));
        var restarted = await env.WaitForPodAsync(name, p => KubeletEnvironment.StatusOf(p, "app")?.RestartCount >= 1, "liveness restart", TimeSpan.FromSeconds(30));
        var events = await Eventually.WaitAsync(() => env.EventsForAsync(restarted), e => e.Any(x => x.Reason == "Killing"), TimeSpan.FromSeconds(10), "Killing event");
        Assert.Contains(events, e => e.Reason == "Unhealthy" && e.Type == EventType.Warning
            && e.Message!.StartsWith("Liveness probe failed: cat: can't open '/tmp/healthy'", StringComparison.Ordinal));
        Assert.Contains(events, e => e.Reason == "Killing" && e.Message == "Container app failed liveness probe, will be restarted");
    }

    [DockerFact]
    public async Task Readiness_probe_drives_ready_and_the_Ready_condition()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        var name = KubeletEnvironment.Unique("ready");
        var container = TestObjects.Shell("app", "sleep 3600") with
        {
            ReadinessProbe = new Probe { Exec = new ExecAction { Command = ["cat", "/tmp/ready"] }, PeriodSeconds = 1, FailureThreshold = 1 },
        };
        await env.CreatePodAsync(TestObjects.PodWith(name, container));
        var notReady = await env.WaitForPodAsync(name, p => p.Status?.Phase == PodPhase.Running, "Running");
        Assert.False(KubeletEnvironment.StatusOf(notReady, "app")!.Ready);
        var condition = notReady.Status!.Conditions!.Single(c => c.Type == PodConditionType.Ready);
        Assert.Equal(ConditionStatus.False, condition.Status);
        Assert.Equal("ContainersNotReady", condition.Reason);
        Assert.Equal("containers with unready status: [app]", condition.Message);

        var id = KubeletEnvironment.ContainerId(notReady, "app");
        (await DockerCli.RunAsync("exec", id, "touch", "/tmp/ready")).EnsureSuccess();
        var ready = await env.WaitForPodAsync(name, p => p.Status?.Conditions?.Any(c => c.Type == PodConditionType.Ready && c.Status == ConditionStatus.True) == true,
            "Ready");
        Assert.True(KubeletEnvironment.StatusOf(ready, "app")!.Ready);

        (await DockerCli.RunAsync("exec", id, "rm", "/tmp/ready")).EnsureSuccess();
        var again = await env.WaitForPodAsync(name, p => p.Status?.Conditions?.Any(c => c.Type == PodConditionType.Ready && c.Status == ConditionStatus.False) == true,
            "not Ready again");
        Assert.Equal(0, KubeletEnvironment.StatusOf(again, "app")!.RestartCount);
    }

    [DockerFact]
    public async Task Startup_probe_holds_back_readiness_until_it_succeeds()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        var name = KubeletEnvironment.Unique("startup");
        var container = TestObjects.Shell("app", "sleep 3600") with
        {
            StartupProbe = new Probe { Exec = new ExecAction { Command = ["cat", "/tmp/started"] }, PeriodSeconds = 1, FailureThreshold = 60 },
        };
        await env.CreatePodAsync(TestObjects.PodWith(name, container));
        var pending = await env.WaitForPhaseAsync(name, PodPhase.Running);
        Assert.False(KubeletEnvironment.StatusOf(pending, "app")!.Started);
        Assert.False(KubeletEnvironment.StatusOf(pending, "app")!.Ready);
        (await DockerCli.RunAsync("exec", KubeletEnvironment.ContainerId(pending, "app"), "touch", "/tmp/started")).EnsureSuccess();
        var started = await env.WaitForPodAsync(name, p => KubeletEnvironment.StatusOf(p, "app") is { Started: true, Ready: true }, "started and ready");
        Assert.Equal(0, KubeletEnvironment.StatusOf(started, "app")!.RestartCount);
    }

    [DockerFact]
    public async Task Http_and_tcp_readiness_probes_reach_the_pod_ip()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        var name = KubeletEnvironment.Unique("httpprobe");
        var container = TestObjects.Shell("web", "mkdir -p /tmp/www && echo ok > /tmp/www/healthz && exec httpd -f -p 8080 -h /tmp/www") with
        {
            Ports = [new ContainerPortSpec { Name = "http", ContainerPort = 8080 }],
            ReadinessProbe = new Probe { HttpGet = new HttpGetAction { Path = "/healthz", Port = "http" }, PeriodSeconds = 1 },
            LivenessProbe = new Probe { TcpSocket = new TcpSocketAction { Port = 8080 }, PeriodSeconds = 1 },
        };
        await env.CreatePodAsync(TestObjects.PodWith(name, container));
        var ready = await env.WaitForPodAsync(name, p => KubeletEnvironment.StatusOf(p, "web")?.Ready == true, "ready through HTTP");
        Assert.Equal(0, KubeletEnvironment.StatusOf(ready, "web")!.RestartCount);
    }
}

public sealed class InitContainerTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>
{
    [DockerFact]
    public async Task Init_containers_run_in_order_to_completion_before_the_app()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        var name = KubeletEnvironment.Unique("init");
        var mount = new VolumeMount { Name = "work", MountPath = "/work" };
        var pod = TestObjects.PodWith(name, TestObjects.Shell("app", "cat /work/order; sleep 3600") with { VolumeMounts = [mount] });
        pod = pod with
        {
            Spec = pod.Spec! with
            {
                InitContainers =
                [
                    TestObjects.Shell("first", "sleep 1; echo init-one > /work/order") with { VolumeMounts = [mount] },
                    TestObjects.Shell("second", "echo init-two >> /work/order") with { VolumeMounts = [mount] },
                ],
                Volumes = [new Volume { Name = "work", EmptyDir = new EmptyDirVolumeSource() }],
            },
        };
        await env.CreatePodAsync(pod);
        var initializing = await env.WaitForPodAsync(name, p => p.Status?.InitContainerStatuses?.FirstOrDefault()?.State?.Running is not null,
            "first init container running");
        Assert.Equal(PodPhase.Pending, initializing.Status!.Phase);
        var initialized = initializing.Status.Conditions!.Single(c => c.Type == PodConditionType.Initialized);
        Assert.Equal((ConditionStatus.False, "ContainersNotInitialized"), (initialized.Status, initialized.Reason));
        Assert.Equal("PodInitializing", KubeletEnvironment.StatusOf(initializing, "app")!.State!.Waiting!.Reason);

        var running = await env.WaitForPhaseAsync(name, PodPhase.Running);
        Assert.All(running.Status!.InitContainerStatuses!, s => Assert.Equal(("Completed", true), (s.State!.Terminated!.Reason, s.Ready)));
        Assert.Equal(ConditionStatus.True, running.Status.Conditions!.Single(c => c.Type == PodConditionType.Initialized).Status);
        var appId = KubeletEnvironment.ContainerId(running, "app");
        await Eventually.WaitAsync(async () => (await env.DockerLogsAsync(appId)) == "init-one\ninit-two\n", TimeSpan.FromSeconds(10), "app sees both init outputs");
    }

    [DockerFact]
    public async Task A_failing_init_container_fails_a_Never_pod_and_is_retried_otherwise()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        var never = KubeletEnvironment.Unique("initfail-never");
        var always = KubeletEnvironment.Unique("initfail-always");
        foreach (var (name, policy) in new[] { (never, RestartPolicy.Never), (always, RestartPolicy.Always) })
        {
            var pod = TestObjects.PodWith(name, TestObjects.Shell("app", "sleep 3600")).WithPolicy(policy);
            await env.CreatePodAsync(pod with { Spec = pod.Spec! with { InitContainers = [TestObjects.Shell("setup", "exit 2")] } });
        }
        var failed = await env.WaitForPhaseAsync(never, PodPhase.Failed);
        Assert.Equal(2, failed.Status!.InitContainerStatuses!.Single().State!.Terminated!.ExitCode);
        Assert.Null(KubeletEnvironment.StatusOf(failed, "app")!.ContainerID);

        var retried = await env.WaitForPodAsync(always, p => p.Status?.InitContainerStatuses?.Single().RestartCount >= 1, "init container retried");
        Assert.Equal(PodPhase.Pending, retried.Status!.Phase);
        Assert.Null(KubeletEnvironment.StatusOf(retried, "app")!.ContainerID);
    }
}

public sealed class SandboxAndOomTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>
{
    [DockerFact]
    public async Task A_dead_sandbox_is_replaced_and_the_containers_restarted_in_it()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        var name = KubeletEnvironment.Unique("sandbox");
        var created = await env.CreatePodAsync(TestObjects.PodWith(name, TestObjects.Shell("app", "sleep 3600")));
        await env.WaitForPhaseAsync(name, PodPhase.Running);
        var uid = created.Metadata.Uid!;
        var sandbox = (await DockerCli.ListContainersAsync($"{ContainerLabels.PodUid}={uid}")).Single(id =>
            DockerCli.InspectAsync(id).GetAwaiter().GetResult().GetProperty("Config").GetProperty("Labels")
                .GetProperty(ContainerLabels.ContainerType).GetString() == ContainerLabels.TypeSandbox);

        await DockerCli.KillAsync(sandbox);

        var recovered = await env.WaitForPodAsync(name, p => KubeletEnvironment.StatusOf(p, "app") is { RestartCount: 1, State.Running: not null },
            "app restarted in a new sandbox", TimeSpan.FromSeconds(30));
        var app = await DockerCli.InspectAsync(KubeletEnvironment.ContainerId(recovered, "app"));
        var networkMode = app.GetProperty("HostConfig").GetProperty("NetworkMode").GetString()!;
        Assert.NotEqual("container:" + sandbox, networkMode);
        Assert.DoesNotContain(sandbox, await env.ContainersOfPodAsync(uid));
        Assert.False(string.IsNullOrEmpty(recovered.Status!.PodIP));
    }

    [DockerFact]
    public async Task Exceeding_the_memory_limit_is_reported_as_OOMKilled()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        var name = KubeletEnvironment.Unique("oom");
        var container = TestObjects.Shell("app", "dd if=/dev/zero of=/dev/null bs=64M count=1") with
        {
            Resources = new ResourceRequirements { Limits = new Dictionary<string, Quantity> { ["memory"] = Quantity.Parse("16Mi") } },
        };
        await env.CreatePodAsync(TestObjects.PodWith(name, container).WithPolicy(RestartPolicy.Never));
        var failed = await env.WaitForPhaseAsync(name, PodPhase.Failed);
        var terminated = KubeletEnvironment.StatusOf(failed, "app")!.State!.Terminated!;
        Assert.Equal(("OOMKilled", 137), (terminated.Reason, terminated.ExitCode));
    }
}

public sealed class LifecycleHookTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>
{
    [DockerFact]
    public async Task PostStart_runs_after_the_start_and_preStop_before_SIGTERM()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        var name = KubeletEnvironment.Unique("hooks");
        var hostDir = Path.Combine(env.Options.RootDir, "hostpath-" + name);
        Directory.CreateDirectory(hostDir);
        var container = TestObjects.Shell("app", "until [ -f /tmp/poststart ]; do sleep 0.1; done; echo saw-poststart; sleep 3600") with
        {
            VolumeMounts = [new VolumeMount { Name = "out", MountPath = "/out" }],
            Lifecycle = new Lifecycle
            {
                PostStart = new LifecycleHandler { Exec = new ExecAction { Command = ["touch", "/tmp/poststart"] } },
                PreStop = new LifecycleHandler { Exec = new ExecAction { Command = ["sh", "-c", "echo bye > /out/prestop"] } },
            },
        };
        var pod = TestObjects.PodWith(name, container);
        pod = pod with { Spec = pod.Spec! with { Volumes = [new Volume { Name = "out", HostPath = new HostPathVolumeSource { Path = hostDir } }] } };
        await PodSecurityNamespaces.AllowPrivilegedAsync(env.Client);
        var created = await env.CreatePodAsync(pod);
        var running = await env.WaitForPhaseAsync(name, PodPhase.Running);
        var id = KubeletEnvironment.ContainerId(running, "app");
        await Eventually.WaitAsync(async () => (await env.DockerLogsAsync(id)).Contains("saw-poststart", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), "the app saw the postStart hook's file");

        await env.DeletePodAsync(name);
        await Eventually.WaitAsync(async () => (await env.ContainersOfPodAsync(created.Metadata.Uid!)).Count == 0, TimeSpan.FromSeconds(20), "pod removed");
        Assert.Equal("bye\n", await File.ReadAllTextAsync(Path.Combine(hostDir, "prestop")));
    }

    [DockerFact]
    public async Task A_failing_postStart_hook_kills_the_container_with_an_event()
    {
        await using var env = await KubeletEnvironment.StartAsync(api.Server);
        var name = KubeletEnvironment.Unique("badhook");
        var container = TestObjects.Shell("app", "sleep 3600") with
        {
            Lifecycle = new Lifecycle { PostStart = new LifecycleHandler { Exec = new ExecAction { Command = ["sh", "-c", "exit 7"] } } },
        };
        await env.CreatePodAsync(TestObjects.PodWith(name, container).WithPolicy(RestartPolicy.Never));
        var failed = await env.WaitForPhaseAsync(name, PodPhase.Failed);
        var events = await Eventually.WaitAsync(() => env.EventsForAsync(failed), e => e.Any(x => x.Reason == "FailedPostStartHook"),
            TimeSpan.FromSeconds(10), "FailedPostStartHook event");
        Assert.Contains(events, e => e.Reason == "FailedPostStartHook" && e.Message!.Contains("exited with 7", StringComparison.Ordinal));
    }
}
