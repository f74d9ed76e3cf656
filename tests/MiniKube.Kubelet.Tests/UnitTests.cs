using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using MiniKube.Api;
using MiniKube.Kubelet;

namespace MiniKube.Kubelet.Tests;

public sealed class PodStatusBuilderTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private static ContainerStatus Running(string name) => new() { Name = name, State = new ContainerState { Running = new ContainerStateRunning() } };

    private static ContainerStatus Exited(string name, int code) => new()
    {
        Name = name,
        State = new ContainerState { Terminated = new ContainerStateTerminated { ExitCode = code } },
    };

    private static ContainerStatus Waiting(string name, bool ranBefore = false) => new()
    {
        Name = name,
        State = new ContainerState { Waiting = new ContainerStateWaiting { Reason = "CrashLoopBackOff" } },
        LastState = ranBefore ? new ContainerState { Terminated = new ContainerStateTerminated { ExitCode = 1 } } : new ContainerState(),
    };

    [Theory]
    [InlineData(RestartPolicy.Never, 0, PodPhase.Succeeded)]
    [InlineData(RestartPolicy.Never, 2, PodPhase.Failed)]
    [InlineData(RestartPolicy.OnFailure, 0, PodPhase.Succeeded)]
    [InlineData(RestartPolicy.OnFailure, 2, PodPhase.Running)]
    [InlineData(RestartPolicy.Always, 0, PodPhase.Running)]
    public void Phase_of_finished_containers_follows_the_restart_policy(string policy, int exitCode, string phase)
    {
        var spec = new PodSpec { RestartPolicy = policy };
        Assert.Equal(phase, PodStatusBuilder.Phase(spec, [Exited("a", 0), Exited("b", exitCode)], PodPhase.Running));
    }

    [Fact]
    public void Phase_is_Pending_while_a_container_never_ran_and_Running_in_crash_loop()
    {
        var spec = new PodSpec();
        Assert.Equal(PodPhase.Pending, PodStatusBuilder.Phase(spec, [Running("a"), Waiting("b")], null));
        Assert.Equal(PodPhase.Running, PodStatusBuilder.Phase(spec, [Running("a"), Waiting("b", ranBefore: true)], null));
        Assert.Equal(PodPhase.Running, PodStatusBuilder.Phase(spec, [Running("a"), Running("b")], null));
        Assert.Equal(PodPhase.Failed, PodStatusBuilder.Phase(spec, [Running("a")], PodPhase.Failed));
    }

    [Fact]
    public void Conditions_keep_their_transition_time_until_their_status_changes()
    {
        var earlier = Now.AddMinutes(-5);
        var pod = new Pod
        {
            Metadata = new ObjectMeta { Name = "p", Uid = "u" },
            Spec = new PodSpec { Containers = [new Container { Name = "app", Image = "i" }] },
            Status = new PodStatus
            {
                Conditions =
                [
                    new PodCondition { Type = PodConditionType.PodScheduled, Status = ConditionStatus.True, LastTransitionTime = earlier },
                    new PodCondition { Type = PodConditionType.Ready, Status = ConditionStatus.False, LastTransitionTime = earlier },
                    new PodCondition { Type = PodConditionType.Initialized, Status = ConditionStatus.True, LastTransitionTime = earlier },
                ],
            },
        };
        var sandbox = new RuntimeContainer { Id = "s", PodUid = "u", IsSandbox = true, State = RuntimeContainerState.Running, IpAddress = "172.17.0.9" };
        var app = new RuntimeContainer { Id = "c", PodUid = "u", ContainerName = "app", State = RuntimeContainerState.Running, StartedAt = earlier, ImageId = "sha256:x" };
        var status = PodStatusBuilder.Build(pod, sandbox, [sandbox, app], new Dictionary<string, WaitingReason>(), (_, _) => new ProbeState(true, true), Now);

        Assert.Equal(PodPhase.Running, status.Phase);
        Assert.Equal("172.17.0.9", status.PodIP);
        Assert.Equal(earlier, status.Conditions!.Single(c => c.Type == PodConditionType.PodScheduled).LastTransitionTime);
        Assert.Equal(earlier, status.Conditions!.Single(c => c.Type == PodConditionType.Initialized).LastTransitionTime);
        var ready = status.Conditions!.Single(c => c.Type == PodConditionType.Ready);
        Assert.Equal((ConditionStatus.True, Now), (ready.Status, ready.LastTransitionTime));
        var container = Assert.Single(status.ContainerStatuses!);
        Assert.Equal(("docker://c", "docker://sha256:x", true, true), (container.ContainerID, container.ImageID, container.Ready, container.Started));
    }

    [Fact]
    public void Waiting_reason_comes_with_the_last_termination()
    {
        var pod = new Pod { Metadata = new ObjectMeta { Uid = "u" }, Spec = new PodSpec { Containers = [new Container { Name = "app" }] } };
        var dead = new RuntimeContainer
        {
            Id = "c1", PodUid = "u", ContainerName = "app", State = RuntimeContainerState.Exited, ExitCode = 137, OomKilled = true, RestartCount = 3,
            StartedAt = Now.AddSeconds(-10), FinishedAt = Now.AddSeconds(-1),
        };
        var waiting = new Dictionary<string, WaitingReason> { ["app"] = new("CrashLoopBackOff", "back-off 40s …") };
        var status = PodStatusBuilder.Build(pod, null, [dead], waiting, (_, _) => new ProbeState(true, true), Now);
        var c = Assert.Single(status.ContainerStatuses!);
        Assert.Equal("CrashLoopBackOff", c.State!.Waiting!.Reason);
        Assert.Equal(("OOMKilled", 137), (c.LastState!.Terminated!.Reason, c.LastState.Terminated.ExitCode));
        Assert.Equal(3, c.RestartCount);
        Assert.False(c.Ready);
    }

    [Fact]
    public void Qos_class_follows_requests_and_limits()
    {
        static Container With(Dictionary<string, Quantity>? limits, Dictionary<string, Quantity>? requests) =>
            new() { Name = "c", Resources = new ResourceRequirements { Limits = limits, Requests = requests } };
        var both = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("1"), ["memory"] = Quantity.Parse("1Gi") };
        Assert.Equal("BestEffort", PodStatusBuilder.QosClass(new PodSpec { Containers = [new Container { Name = "c" }] }));
        Assert.Equal("Guaranteed", PodStatusBuilder.QosClass(new PodSpec { Containers = [With(both, null)] }));
        Assert.Equal("Burstable", PodStatusBuilder.QosClass(new PodSpec { Containers = [With(null, both)] }));
    }
}

public sealed class BackOffTests
{
    [Fact]
    public void Delay_starts_at_the_initial_value_doubles_caps_and_resets_after_a_quiet_period()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var backOff = new BackOff(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(40), time);
        Assert.False(backOff.IsInBackOffSince("k", time.GetUtcNow(), out _));
        backOff.Next("k", time.GetUtcNow());
        Assert.True(backOff.IsInBackOffSince("k", time.GetUtcNow(), out var remaining));
        Assert.Equal(TimeSpan.FromSeconds(10), remaining);
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.False(backOff.IsInBackOffSince("k", time.GetUtcNow() - TimeSpan.FromSeconds(10), out _));
        backOff.Next("k", time.GetUtcNow());
        Assert.Equal(TimeSpan.FromSeconds(20), backOff.Get("k"));
        backOff.Next("k", time.GetUtcNow());
        backOff.Next("k", time.GetUtcNow());
        Assert.Equal(TimeSpan.FromSeconds(40), backOff.Get("k"));
        time.Advance(TimeSpan.FromSeconds(81));
        backOff.Next("k", time.GetUtcNow());
        Assert.Equal(TimeSpan.FromSeconds(10), backOff.Get("k"));
    }

    [Theory]
    [InlineData(10, "10s")]
    [InlineData(300, "5m0s")]
    [InlineData(90, "1m30s")]
    public void Durations_are_written_like_Go(int seconds, string text) => Assert.Equal(text, PodSyncer.FormatDuration(TimeSpan.FromSeconds(seconds)));
}

public sealed class ContainerConfigTests
{
    [Fact]
    public void Resources_map_to_docker_units()
    {
        var (nano, memory, shares) = ContainerConfigBuilder.Resources(new ResourceRequirements
        {
            Limits = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("0.5"), ["memory"] = Quantity.Parse("128Mi") },
            Requests = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("100m") },
        });
        Assert.Equal((500000000L, 134217728L, 102L), (nano!.Value, memory!.Value, shares));
        Assert.Equal((null, null, 2L), ContainerConfigBuilder.Resources(null));
        Assert.Equal(1024L, ContainerConfigBuilder.Resources(new ResourceRequirements { Limits = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("1") } }).CpuShares);
    }

    [Theory]
    [InlineData("$(A)-$(B)", "1-two")]
    [InlineData("$$(A)", "$(A)")]
    [InlineData("$(MISSING)", "$(MISSING)")]
    [InlineData("plain", "plain")]
    public void Variables_expand_like_Kubernetes(string input, string expected) =>
        Assert.Equal(expected, ContainerConfigBuilder.Expand(input, new Dictionary<string, string> { ["A"] = "1", ["B"] = "two" }));

    [Theory]
    [InlineData("minikube/busybox", null, PullPolicy.Always)]
    [InlineData("minikube/busybox:latest", null, PullPolicy.Always)]
    [InlineData("minikube/busybox:1.0", null, PullPolicy.IfNotPresent)]
    [InlineData("localhost:5000/busybox", null, PullPolicy.Always)]
    [InlineData("minikube/busybox:1.0", PullPolicy.Never, PullPolicy.Never)]
    public void Default_pull_policy_is_Kubernetes(string image, string? policy, string expected) =>
        Assert.Equal(expected, ImageManager.EffectivePolicy(new Container { Name = "c", Image = image, ImagePullPolicy = policy }));

    [Theory]
    [InlineData("busybox", "busybox", "latest")]
    [InlineData("minikube/busybox:1.0", "minikube/busybox", "1.0")]
    [InlineData("localhost:5000/x", "localhost:5000/x", "latest")]
    [InlineData("x@sha256:abc", "x", "sha256:abc")]
    public void Image_references_split_into_repository_and_tag(string image, string repository, string tag) =>
        Assert.Equal((repository, tag), DockerRuntime.SplitImage(image));
}

public sealed class CommandLineTests
{
    private static (KubeletOptions? Options, IReadOnlyList<string> Problems) Parse(params string[] args) =>
        KubeletCommandLine.ToOptions(KubeletCommandLine.CreateRootCommand().Parse(args));

    [Fact]
    public void Flags_become_options()
    {
        var (options, problems) = Parse("--server", "http://127.0.0.1:9999", "--node-name", "n1", "--cpu", "4", "--memory", "8Gi", "--max-pods", "20",
            "--node-labels", "zone=a,disk=ssd", "--register-with-taints", "gpu=yes:NoSchedule,spot:PreferNoSchedule", "--port", "0",
            "--crashloop-initial-backoff", "500ms", "--crashloop-max-backoff", "1m30s");
        Assert.Empty(problems);
        Assert.Equal(("http://127.0.0.1:9999", "n1", "4", "8Gi", 20, 0), (options!.Server, options.NodeName, options.Cpu, options.Memory, options.MaxPods, options.Port));
        Assert.Equal("ssd", options.NodeLabels["disk"]);
        Assert.Equal([("gpu", "yes", "NoSchedule"), ("spot", (string?)null, "PreferNoSchedule")], options.Taints.Select(t => (t.Key, t.Value, t.Effect)));
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.CrashLoopInitialBackoff);
        Assert.Equal(TimeSpan.FromSeconds(90), options.CrashLoopMaxBackoff);
    }

    [Fact]
    public void Kubelet_api_security_flags_become_options_and_anonymous_is_off_once_a_credential_check_is_on()
    {
        var dir = Directory.CreateTempSubdirectory("minikube-kubelet-flags-").FullName;
        try
        {
            string Touch(string name)
            {
                var path = Path.Combine(dir, name);
                File.WriteAllText(path, "x");
                return path;
            }
            var (bare, _) = Parse("--node-name", "n1");
            var (secured, problems) = Parse("--node-name", "n1", "--tls-cert-file", Touch("k.crt"), "--tls-private-key-file", Touch("k.key"),
                "--client-ca-file", Touch("ca.crt"), "--authentication-token-webhook", "--authorization-mode", "Webhook");
            var (open, _) = Parse("--node-name", "n1", "--authentication-token-webhook", "--anonymous-auth=true");

            Assert.Equal((true, KubeletAuthorizationModes.AlwaysAllow), (bare!.AllowsAnonymous, bare.AuthorizationMode));
            Assert.Empty(problems);
            Assert.Equal((Path.Combine(dir, "k.crt"), Path.Combine(dir, "ca.crt"), true, false, KubeletAuthorizationModes.Webhook),
                (secured!.TlsCertFile, secured.ClientCAFile, secured.AuthenticationTokenWebhook, secured.AllowsAnonymous, secured.AuthorizationMode));
            Assert.True(open!.AllowsAnonymous);
            Assert.Equal(["--client-ca-file needs --tls-cert-file and --tls-private-key-file: client certificates travel only over TLS"],
                Parse("--node-name", "n1", "--client-ca-file", Touch("ca2.crt")).Problems);
            Assert.Equal(["--authorization-mode \"RBAC\" is not supported: use AlwaysAllow or Webhook"], Parse("--node-name", "n1", "--authorization-mode", "RBAC").Problems);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData(new string[0], 16)]
    [InlineData(new[] { "--runtime", "simulated" }, 0)]
    [InlineData(new[] { "--pod-workers", "4" }, 4)]
    [InlineData(new[] { "--runtime", "simulated", "--pod-workers", "8" }, 8)]
    [InlineData(new[] { "--pod-workers", "0" }, 0)]
    public void Pod_workers_default_to_16_with_docker_and_one_per_pod_with_the_simulated_runtime(string[] flags, int expected)
    {
        var (options, problems) = Parse(["--node-name", "n1", .. flags]);
        Assert.Empty(problems);
        Assert.Equal(expected, options!.EffectivePodWorkers);
    }

    [Theory]
    [InlineData("--runtime", "podman", "--runtime \"podman\" is not supported: use docker or simulated")]
    [InlineData("--register-with-taints", "a=b", "--register-with-taints item \"a=b\" is not key[=value]:Effect")]
    [InlineData("--memory", "lots", "--memory \"lots\" is not a positive quantity")]
    [InlineData("--sync-frequency", "soon", "--sync-frequency \"soon\" is not a duration")]
    [InlineData("--simulate-nodes", "3", "--simulate-nodes needs --runtime simulated")]
    [InlineData("--pod-workers", "-1", "--pod-workers must be 0 (one worker per pod) or more")]
    [InlineData("--image-pull-mode", "always", "--image-pull-mode \"always\" is not supported: use local or registry")]
    public void Misconfiguration_is_explained(string flag, string value, string expected)
    {
        var (options, problems) = Parse("--node-name", "n1", "--server", "http://127.0.0.1:1", flag, value);
        Assert.Null(options);
        Assert.StartsWith(expected, problems[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_process_exits_non_zero_with_one_line_when_misconfigured()
    {
        var dll = typeof(KubeletHost).Assembly.Location;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { dll, "--node-name", "n1", "--runtime", "podman" })
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, process.ExitCode);
        Assert.Equal("minikube-kubelet: --runtime \"podman\" is not supported: use docker or simulated", stderr.Trim());
    }
}
