using MiniKube.Api;
using MiniKube.Testing;

namespace MiniKube.Cli.Tests;

/// <summary>
/// minictl's in-place resize commands against a real API server: <c>patch pod --subresource resize</c>, <c>set resources</c> on
/// workloads' pod templates, and the resize fields of <c>describe pod</c>. No kubelet runs here; statuses are written by the test.
/// </summary>
public sealed class ResizeCommandTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private static Dictionary<string, Quantity> Q(params (string Name, string Value)[] values) =>
        values.ToDictionary(v => v.Name, v => Quantity.Parse(v.Value), StringComparer.Ordinal);

    private async Task<string> BurstablePodAsync()
    {
        var ns = await fixture.NewNamespaceAsync();
        await fixture.Client.CreateAsync(TestObjects.Pod("web", ns) with
        {
            Spec = new PodSpec
            {
                Containers =
                [
                    new Container
                    {
                        Name = "app",
                        Image = "minikube/busybox:latest",
                        Resources = new ResourceRequirements { Requests = Q(("cpu", "100m"), ("memory", "32Mi")), Limits = Q(("cpu", "200m"), ("memory", "64Mi")) },
                    },
                    new Container { Name = "side", Image = "minikube/busybox:latest", Resources = new ResourceRequirements { Requests = Q(("cpu", "50m")) } },
                ],
            },
        });
        return ns;
    }

    private static string Text(IReadOnlyDictionary<string, Quantity>? m, string name) => m is not null && m.TryGetValue(name, out var q) ? q.ToString() : "<none>";

    [Fact]
    public async Task Patch_through_the_resize_subresource_changes_cpu_in_place_and_merges_containers_by_name()
    {
        var ns = await BurstablePodAsync();
        var cli = fixture.Cli();
        var before = await fixture.Client.GetAsync<Pod>("web", ns);
        // kubectl's own example: only cpu of one container named; a strategic patch keeps its memory and the other container.
        const string patch = """{"spec":{"containers":[{"name":"app","resources":{"requests":{"cpu":"300m"},"limits":{"cpu":"500m"}}}]}}""";

        var first = await cli.RunAsync("patch", "pod", "web", "-n", ns, "--subresource", "resize", "-p", patch);
        var again = await cli.RunAsync("patch", "pod/web", "-n", ns, "--subresource", "resize", "-p", patch);

        Assert.Equal(new CliResult(0, "pod/web patched\n", ""), first);
        Assert.Equal(new CliResult(0, "pod/web patched (no change)\n", ""), again);
        var pod = await fixture.Client.GetAsync<Pod>("web", ns);
        var app = pod.Spec!.Containers.Single(c => c.Name == "app").Resources!;
        Assert.Equal(("300m", "500m", "32Mi", "64Mi"), (Text(app.Requests, "cpu"), Text(app.Limits, "cpu"), Text(app.Requests, "memory"), Text(app.Limits, "memory")));
        Assert.Equal("50m", Text(pod.Spec.Containers.Single(c => c.Name == "side").Resources!.Requests, "cpu"));
        Assert.Equal(before.Metadata.Generation + 1, pod.Metadata.Generation);

        // A merge patch replaces the container's resources as given (all four here), through the same subresource.
        var merge = await cli.RunAsync("patch", "pod", "web", "-n", ns, "--subresource", "resize", "--type", "merge", "-p",
            """{"spec":{"containers":[{"name":"app","resources":{"requests":{"cpu":"150m","memory":"48Mi"},"limits":{"cpu":"250m","memory":"96Mi"}}}]}}""");
        Assert.Equal(new CliResult(0, "pod/web patched\n", ""), merge);
        app = (await fixture.Client.GetAsync<Pod>("web", ns)).Spec!.Containers.Single(c => c.Name == "app").Resources!;
        Assert.Equal(("150m", "250m", "48Mi", "96Mi"), (Text(app.Requests, "cpu"), Text(app.Limits, "cpu"), Text(app.Requests, "memory"), Text(app.Limits, "memory")));
    }

    [Fact]
    public async Task Resize_errors_are_one_line_and_exit_non_zero()
    {
        var ns = await BurstablePodAsync();
        await fixture.Client.CreateAsync(new Deployment
        {
            Metadata = new ObjectMeta { Name = "web", Namespace = ns },
            Spec = new DeploymentSpec
            {
                Selector = new LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
                Template = new PodTemplateSpec
                {
                    Metadata = new ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } },
                    Spec = new PodSpec { Containers = [new Container { Name = "app", Image = "busybox:1.0" }] },
                },
            },
        });
        var cli = fixture.Cli();

        // Requests equal to limits on every container would make the pod Guaranteed: Kubernetes' QoS message.
        var qos = await cli.RunAsync("patch", "pod", "web", "-n", ns, "--subresource", "resize", "-p",
            """{"spec":{"containers":[{"name":"app","resources":{"requests":{"cpu":"200m","memory":"64Mi"}}},{"name":"side","resources":{"requests":{"cpu":"50m","memory":"8Mi"},"limits":{"cpu":"50m","memory":"8Mi"}}}]}}""");
        Assert.Equal(new CliResult(1, "", "The Pod \"web\" is invalid: spec: Invalid value: \"Guaranteed\": Pod QoS is immutable\n"), qos);
        // The same change without the subresource is a forbidden pod update.
        var plain = await cli.RunAsync("patch", "pod", "web", "-n", ns, "-p", """{"spec":{"containers":[""" +
            """{"name":"app","image":"minikube/busybox:latest","resources":{"requests":{"cpu":"300m","memory":"32Mi"},"limits":{"cpu":"500m","memory":"64Mi"}}},""" +
            """{"name":"side","image":"minikube/busybox:latest","resources":{"requests":{"cpu":"50m"}}}]}}""");
        Assert.Equal(1, plain.ExitCode);
        Assert.StartsWith("The Pod \"web\" is invalid: spec: Forbidden: pod updates may not change fields other than", plain.Err, StringComparison.Ordinal);
        Assert.Equal(new CliResult(1, "", "error: --subresource resize: deployments.apps have no resize subresource; only pods do\n"),
            await cli.RunAsync("patch", "deployment", "web", "-n", ns, "--subresource", "resize", "-p", "{}"));
        Assert.Equal(new CliResult(1, "", "error: invalid subresource value: \"scale\". Must be one of [status resize]\n"),
            await cli.RunAsync("patch", "pod", "web", "-n", ns, "--subresource", "scale", "-p", "{}"));
        Assert.Equal(new CliResult(1, "", "Error from server (NotFound): pods \"ghost\" not found\n"),
            await cli.RunAsync("patch", "pod", "ghost", "-n", ns, "--subresource", "resize", "-p", "{}"));
        var help = await cli.RunAsync("patch", "--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("Supported: status, resize (pods)", help.Out, StringComparison.Ordinal);
    }

    private async Task<string> WorkloadsAsync()
    {
        var ns = await fixture.NewNamespaceAsync();
        var template = new PodTemplateSpec
        {
            Metadata = new ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } },
            Spec = new PodSpec
            {
                Containers =
                [
                    new Container { Name = "app", Image = "busybox:1.0", Resources = new ResourceRequirements { Limits = Q(("memory", "128Mi")) } },
                    new Container { Name = "log", Image = "busybox:1.0" },
                ],
            },
        };
        var selector = new LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } };
        await fixture.Client.CreateAsync(new Deployment { Metadata = new ObjectMeta { Name = "web", Namespace = ns }, Spec = new DeploymentSpec { Selector = selector, Template = template } });
        await fixture.Client.CreateAsync(new ReplicaSet { Metadata = new ObjectMeta { Name = "rs", Namespace = ns }, Spec = new ReplicaSetSpec { Selector = selector, Template = template } });
        return ns;
    }

    [Fact]
    public async Task Set_resources_edits_the_pod_template_of_deployments_and_replicasets()
    {
        var ns = await WorkloadsAsync();
        var cli = fixture.Cli();
        var before = await fixture.Client.GetAsync<Deployment>("web", ns);

        var set = await cli.RunAsync("set", "resources", "deployment/web", "-n", ns, "-c", "app", "--requests=cpu=100m,memory=64Mi", "--limits=cpu=200m");
        var again = await cli.RunAsync("set", "resources", "deployment", "web", "-n", ns, "-c", "app", "--requests=cpu=100m,memory=64Mi", "--limits=cpu=200m");
        var all = await cli.RunAsync("set", "resources", "rs/rs", "-n", ns, "--limits=cpu=300m,memory=0");

        Assert.Equal(new CliResult(0, "deployment.apps/web resource requirements updated\n", ""), set);
        Assert.Equal(new CliResult(0, "deployment.apps/web resource requirements unchanged\n", ""), again);
        Assert.Equal(new CliResult(0, "replicaset.apps/rs resource requirements updated\n", ""), all);
        var d = await fixture.Client.GetAsync<Deployment>("web", ns);
        var app = d.Spec!.Template.Spec!.Containers.Single(c => c.Name == "app").Resources!;
        // Limits not named keep their value (memory); the other container is not selected.
        Assert.Equal(("100m", "64Mi", "200m", "128Mi"), (Text(app.Requests, "cpu"), Text(app.Requests, "memory"), Text(app.Limits, "cpu"), Text(app.Limits, "memory")));
        Assert.Null(d.Spec.Template.Spec.Containers.Single(c => c.Name == "log").Resources);
        // A template change is a spec change: the Deployment controller rolls out a new ReplicaSet for it.
        Assert.Equal(before.Metadata.Generation + 1, d.Metadata.Generation);
        var rs = await fixture.Client.GetAsync<ReplicaSet>("rs", ns);
        // -c defaults to every container; memory=0 removed the memory limit.
        Assert.All(rs.Spec!.Template!.Spec!.Containers, c => Assert.Equal(("300m", "<none>"), (Text(c.Resources!.Limits, "cpu"), Text(c.Resources.Limits, "memory"))));
    }

    [Fact]
    public async Task Set_resources_rejects_bad_input_with_the_flag_named()
    {
        var ns = await WorkloadsAsync();
        await fixture.Client.CreateAsync(TestObjects.Pod("p", ns));
        await fixture.Client.CreateAsync(TestObjects.ConfigMap("cm", ns));
        var cli = fixture.Cli();

        Assert.Equal(new CliResult(1, "", "error: you must specify an update to requests or limits (in the form of --requests/--limits)\n"),
            await cli.RunAsync("set", "resources", "deployment/web", "-n", ns));
        Assert.Equal(new CliResult(1, "", "error: --requests: invalid argument syntax \"cpu\", expected <resource>=<value>\n"),
            await cli.RunAsync("set", "resources", "deployment/web", "-n", ns, "--requests=cpu"));
        var quantity = await cli.RunAsync("set", "resources", "deployment/web", "-n", ns, "--limits=cpu=lots");
        Assert.Equal(1, quantity.ExitCode);
        Assert.StartsWith("error: --limits: cpu: invalid quantity \"lots\": ", quantity.Err, StringComparison.Ordinal);
        Assert.Equal(new CliResult(1, "", "error: unable to find container named \"nope\"\n"),
            await cli.RunAsync("set", "resources", "deployment/web", "-n", ns, "-c", "nope", "--limits=cpu=1"));
        Assert.Equal(new CliResult(1, "", "error: configmaps have no pod template: set resources works on deployments, replicasets, daemonsets, jobs and pods\n"),
            await cli.RunAsync("set", "resources", "configmap/cm", "-n", ns, "--limits=cpu=1"));
        // As in Kubernetes, a pod's resources are not changed by an update: the API server refuses it.
        var pod = await cli.RunAsync("set", "resources", "pod/p", "-n", ns, "--limits=cpu=1");
        Assert.Equal(1, pod.ExitCode);
        Assert.Contains("spec: Forbidden: pod updates may not change fields other than", pod.Err, StringComparison.Ordinal);
        Assert.Equal(new CliResult(1, "", "Error from server (NotFound): deployments \"ghost\" not found\n"),
            await cli.RunAsync("set", "resources", "deployment/ghost", "-n", ns, "--limits=cpu=1"));

        var help = await cli.RunAsync("set", "resources", "--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("minictl set resources", help.Out, StringComparison.Ordinal);
        Assert.Contains("--requests", help.Out, StringComparison.Ordinal);
        Assert.Contains("--limits", help.Out, StringComparison.Ordinal);
        Assert.Contains("--containers", help.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Describe_pod_shows_allocated_and_actual_resources_the_resize_policy_and_why_a_resize_waits()
    {
        var ns = await BurstablePodAsync();
        await fixture.Client.BindAsync(ns, "web", "node-a");
        await fixture.Client.ResizePodAsync(ns, "web", """{"spec":{"containers":[{"name":"app","resources":{"requests":{"cpu":"2","memory":"32Mi"},"limits":{"cpu":"2","memory":"64Mi"}},"resizePolicy":[{"resourceName":"cpu","restartPolicy":"NotRequired"},{"resourceName":"memory","restartPolicy":"RestartContainer"}]}]}}""");
        var pod = await fixture.Client.GetAsync<Pod>("web", ns);
        await fixture.Client.UpdateStatusAsync(pod with
        {
            Status = new PodStatus
            {
                Phase = "Running",
                QosClass = "Burstable",
                Conditions =
                [
                    new PodCondition { Type = "Ready", Status = "True" },
                    new PodCondition
                    {
                        Type = PodConditionType.PodResizePending, Status = "True", Reason = PodResizeReason.Infeasible,
                        Message = "Node didn't have enough capacity: cpu, requested: 2050, capacity: 1000",
                    },
                ],
                ContainerStatuses =
                [
                    new ContainerStatus
                    {
                        Name = "app", Ready = true, ContainerID = "docker://abc", ImageID = "docker://sha256:feed",
                        State = new ContainerState { Running = new ContainerStateRunning { StartedAt = DateTimeOffset.UnixEpoch } },
                        AllocatedResources = Q(("cpu", "100m"), ("memory", "32Mi")),
                        Resources = new ResourceRequirements { Requests = Q(("cpu", "100m"), ("memory", "32Mi")), Limits = Q(("cpu", "200m"), ("memory", "64Mi")) },
                    },
                ],
            },
        });

        var result = await fixture.Cli().RunAsync("describe", "pod", "web", "-n", ns);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(
            "    Restart Count:  0\n" +
            "    Resize Policy:  cpu=NotRequired, memory=RestartContainer\n" +
            "    Limits:\n" +
            "      cpu:     2\n" +
            "      memory:  64Mi\n" +
            "    Requests:\n" +
            "      cpu:     2\n" +
            "      memory:  32Mi\n" +
            "    Allocated Resources:\n" +
            "      cpu:     100m\n" +
            "      memory:  32Mi\n" +
            "    Actual Resources:\n" +
            "      Limits:\n" +
            "        cpu:     200m\n" +
            "        memory:  64Mi\n" +
            "      Requests:\n" +
            "        cpu:      100m\n" +
            "        memory:   32Mi\n" +
            "    Environment:  <none>\n" +
            "    Mounts:       <none>\n" +
            "  side:\n" +
            "    Image:          minikube/busybox:latest\n" +
            "    Port:           <none>\n" +
            "    Host Port:      <none>\n" +
            "    Resize Policy:  cpu=NotRequired\n" +
            "    Requests:\n", result.Out, StringComparison.Ordinal);
        Assert.Contains(
            "Conditions:\n" +
            "  Type              Status\n" +
            "  Ready             True\n" +
            "  PodResizePending  True\n" +
            "    Reason:         Infeasible\n" +
            "    Message:        Node didn't have enough capacity: cpu, requested: 2050, capacity: 1000\n", result.Out, StringComparison.Ordinal);
    }
}
