using System.Text.Json;
using MiniKube.Api;
using MiniKube.Testing;

namespace MiniKube.Cli.Tests;

public sealed class GetCommandTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private static readonly TimeSpan TenMinutes = TimeSpan.FromMinutes(10);

    private async Task<List<Pod>> CreatePodsAsync(string ns, params string[] names)
    {
        var pods = new List<Pod>();
        foreach (var name in names)
        {
            pods.Add(await fixture.Client.CreateAsync(Objects.Pod(name, ns, new Dictionary<string, string> { ["app"] = name == "b" ? "db" : "web" })));
        }
        return pods;
    }

    [Fact]
    public async Task Pods_table_shows_ready_status_restarts_and_age_like_kubectl()
    {
        var ns = await fixture.NewNamespaceAsync();
        var pods = await CreatePodsAsync(ns, "a", "b", "crash", "d");
        var clock = Objects.ClockAfter(TenMinutes, [.. pods]);
        var now = clock.GetUtcNow();
        var client = fixture.Client;
        await client.BindAsync(ns, "b", "node-x");
        var b = await client.GetAsync<Pod>("b", ns);
        await client.UpdateStatusAsync(b with
        {
            Status = new PodStatus
            {
                Phase = "Running",
                PodIP = "10.1.0.5",
                ContainerStatuses = [new ContainerStatus { Name = "main", Ready = true, State = new ContainerState { Running = new ContainerStateRunning { StartedAt = now } } }],
            },
        });
        var crash = await client.GetAsync<Pod>("crash", ns);
        await client.UpdateStatusAsync(crash with
        {
            Status = new PodStatus
            {
                Phase = "Running",
                ContainerStatuses =
                [
                    new ContainerStatus
                    {
                        Name = "main",
                        RestartCount = 3,
                        State = new ContainerState { Waiting = new ContainerStateWaiting { Reason = "CrashLoopBackOff" } },
                        LastState = new ContainerState { Terminated = new ContainerStateTerminated { ExitCode = 1, FinishedAt = now.AddMinutes(-2) } },
                    },
                ],
            },
        });
        await client.BindAsync(ns, "d", "node-x");
        await client.DeleteAsync<Pod>("d", ns);

        var table = await fixture.Cli(clock).RunAsync("get", "pods", "-n", ns);
        var wide = await fixture.Cli(clock).RunAsync("get", "po", "b", "-n", ns, "-o", "wide");

        Assert.Equal(new CliResult(0,
            "NAME    READY   STATUS             RESTARTS     AGE\n" +
            "a       0/1     Pending            0            10m\n" +
            "b       1/1     Running            0            10m\n" +
            "crash   0/1     CrashLoopBackOff   3 (2m ago)   10m\n" +
            "d       0/1     Terminating        0            10m\n", ""), table);
        Assert.Equal(new CliResult(0,
            "NAME   READY   STATUS    RESTARTS   AGE   IP         NODE     NOMINATED NODE   READINESS GATES\n" +
            "b      1/1     Running   0          10m   10.1.0.5   node-x   <none>           <none>\n", ""), wide);
    }

    [Fact]
    public async Task Nodes_table_shows_status_roles_and_version()
    {
        var id = Unique.Id();
        var labels = new Dictionary<string, string> { ["suite"] = id };
        Node MakeNode(string name, string? ready, bool unschedulable = false, string? role = null) => new()
        {
            Metadata = new ObjectMeta
            {
                Name = $"{id}-{name}",
                Labels = role is null ? labels : new Dictionary<string, string>(labels) { ["node-role.kubernetes.io/" + role] = "" },
            },
            Spec = new NodeSpec { Unschedulable = unschedulable },
            Status = new NodeStatus
            {
                Conditions = ready is null ? null : [new NodeCondition { Type = "Ready", Status = ready }],
                Addresses = [new NodeAddress { Type = "InternalIP", Address = "10.0.0." + name[^1] }],
                NodeInfo = new NodeSystemInfo { KubeletVersion = "v1.32.0", OsImage = "Debian GNU/Linux 12", KernelVersion = "6.1.0", ContainerRuntimeVersion = "docker://20.10.24" },
            },
        };
        var nodes = new List<Node>();
        foreach (var node in new[]
                 {
                     MakeNode("n1", "True", role: "control-plane"), MakeNode("n2", "False"), MakeNode("n3", null, role: "worker"),
                     MakeNode("n4", "True", unschedulable: true),
                 })
        {
            nodes.Add(await fixture.Client.CreateAsync(node));
        }
        var clock = Objects.ClockAfter(TimeSpan.FromMinutes(45), [.. nodes]);

        var table = await fixture.Cli(clock).RunAsync("get", "nodes", "-l", "suite=" + id);
        var wide = await fixture.Cli(clock).RunAsync("get", "no", $"{id}-n1", "-o", "wide");

        Assert.Equal(new CliResult(0,
            "NAME          STATUS                     ROLES           AGE   VERSION\n" +
            $"{id}-n1   Ready                      control-plane   45m   v1.32.0\n" +
            $"{id}-n2   NotReady                   <none>          45m   v1.32.0\n" +
            $"{id}-n3   Unknown                    worker          45m   v1.32.0\n" +
            $"{id}-n4   Ready,SchedulingDisabled   <none>          45m   v1.32.0\n", ""), table);
        Assert.Equal(new CliResult(0,
            "NAME          STATUS   ROLES           AGE   VERSION   INTERNAL-IP   EXTERNAL-IP   OS-IMAGE              KERNEL-VERSION   CONTAINER-RUNTIME\n" +
            $"{id}-n1   Ready    control-plane   45m   v1.32.0   10.0.0.1      <none>        Debian GNU/Linux 12   6.1.0            docker://20.10.24\n", ""), wide);
    }

    [Fact]
    public async Task Namespaces_and_configmaps_tables()
    {
        var ns = await fixture.NewNamespaceAsync();
        var empty = await fixture.Client.CreateAsync(Objects.ConfigMap("empty", ns, 0));
        var two = await fixture.Client.CreateAsync(Objects.ConfigMap("two", ns, 2));
        var nsObject = await fixture.Client.GetAsync<Namespace>(ns);
        var clock = Objects.ClockAfter(TimeSpan.FromSeconds(30), nsObject, empty, two);
        var nsAge = MiniKube.Printing.HumanDuration.Since(nsObject.Metadata.CreationTimestamp, clock.GetUtcNow());

        var namespaces = await fixture.Cli(clock).RunAsync("get", "namespace", ns);
        var configMaps = await fixture.Cli(clock).RunAsync("get", "cm", "-n", ns);

        Assert.Equal(new CliResult(0, $"NAME         STATUS   AGE\n{ns}   Active   {nsAge}\n", ""), namespaces);
        Assert.Matches("^(30|31)s$", nsAge);
        Assert.Equal(new CliResult(0, "NAME    DATA   AGE\nempty   0      30s\ntwo     2      30s\n", ""), configMaps);
    }

    [Fact]
    public async Task Yaml_json_and_name_output_round_trip()
    {
        var ns = await fixture.NewNamespaceAsync();
        await CreatePodsAsync(ns, "a", "b");
        var stored = await fixture.Client.GetAsync<Pod>("a", ns);
        var cli = fixture.Cli();

        var oneYaml = await cli.RunAsync("get", "pod", "a", "-n", ns, "-o", "yaml");
        var listYaml = await cli.RunAsync("get", "pods", "-n", ns, "-o", "yaml");
        var oneJson = await cli.RunAsync("get", "pod/a", "-n", ns, "-o", "json");
        var listJson = await cli.RunAsync("get", "pods", "-n", ns, "-o", "json");
        var names = await cli.RunAsync("get", "pods", "-n", ns, "-o", "name");

        Assert.Equal(0, oneYaml.ExitCode);
        var decoded = Assert.IsType<Pod>(Assert.Single(KubeSerializer.DecodeManifests(oneYaml.Out)));
        Assert.Equal(KubeSerializer.ToJson(stored), KubeSerializer.ToJson(decoded));
        Assert.StartsWith("apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Pod\n", listYaml.Out);
        Assert.EndsWith("kind: List\nmetadata:\n  resourceVersion: \"\"\n", listYaml.Out.Replace("''", "\"\""));
        Assert.Equal(["a", "b"], KubeSerializer.DecodeManifests(listYaml.Out).Select(p => p.Metadata.Name));
        Assert.StartsWith("{\n    \"apiVersion\": \"v1\",\n    \"kind\": \"Pod\",", oneJson.Out);
        Assert.Equal(KubeSerializer.ToJson(stored), KubeSerializer.ToJson(KubeSerializer.DecodeObject(oneJson.Out)));
        using var list = JsonDocument.Parse(listJson.Out);
        Assert.Equal("List", list.RootElement.GetProperty("kind").GetString());
        Assert.Equal(2, list.RootElement.GetProperty("items").GetArrayLength());
        Assert.Equal(new CliResult(0, "pod/a\npod/b\n", ""), names);
    }

    [Fact]
    public async Task Label_and_field_selectors_filter()
    {
        var ns = await fixture.NewNamespaceAsync();
        await CreatePodsAsync(ns, "a", "b", "c");
        var cli = fixture.Cli();

        Assert.Equal(new CliResult(0, "pod/a\npod/c\n", ""), await cli.RunAsync("get", "pods", "-n", ns, "-l", "app=web", "-o", "name"));
        Assert.Equal(new CliResult(0, "pod/b\n", ""), await cli.RunAsync("get", "pods", "-n", ns, "-l", "app in (db)", "-o", "name"));
        Assert.Equal(new CliResult(0, "pod/c\n", ""), await cli.RunAsync("get", "pods", "-n", ns, "--field-selector", "metadata.name=c", "-o", "name"));
        Assert.Equal(new CliResult(0, "pod/a\npod/b\n", ""), await cli.RunAsync("get", "pods", "-n", ns, "--field-selector", "metadata.name!=c", "-o", "name"));
        var mixed = await cli.RunAsync("get", "pods", "a", "-n", ns, "-l", "app=web");
        Assert.Equal(new CliResult(1, "", "error: name cannot be provided when a selector is specified\n"), mixed);
    }

    [Fact]
    public async Task All_namespaces_adds_a_namespace_column()
    {
        var first = await fixture.NewNamespaceAsync();
        var second = await fixture.NewNamespaceAsync();
        var id = Unique.Id();
        var labels = new Dictionary<string, string> { ["suite"] = id };
        var created = new List<Pod>
        {
            await fixture.Client.CreateAsync(Objects.Pod("x", first, labels)),
            await fixture.Client.CreateAsync(Objects.Pod("y", second, labels)),
        };
        var clock = Objects.ClockAfter(TenMinutes, [.. created]);
        var rows = new[] { (Namespace: first, Name: "x"), (Namespace: second, Name: "y") }.OrderBy(r => r.Namespace, StringComparer.Ordinal).ToArray();

        var result = await fixture.Cli(clock).RunAsync("get", "pods", "-A", "-l", "suite=" + id);

        Assert.Equal(new CliResult(0,
            "NAMESPACE    NAME   READY   STATUS    RESTARTS   AGE\n" +
            $"{rows[0].Namespace}   {rows[0].Name}      0/1     Pending   0          10m\n" +
            $"{rows[1].Namespace}   {rows[1].Name}      0/1     Pending   0          10m\n", ""), result);
    }

    [Fact]
    public async Task Nothing_found_is_reported_on_stderr()
    {
        var ns = await fixture.NewNamespaceAsync();
        var cli = fixture.Cli();

        Assert.Equal(new CliResult(0, "", $"No resources found in {ns} namespace.\n"), await cli.RunAsync("get", "pods", "-n", ns));
        Assert.Equal(new CliResult(0, "", "No resources found\n"), await cli.RunAsync("get", "nodes", "-l", "suite=none-" + Unique.Id()));
        Assert.Equal(new CliResult(1, "", "Error from server (NotFound): pods \"missing\" not found\n"), await cli.RunAsync("get", "pod", "missing", "-n", ns));
        Assert.Equal(new CliResult(1, "", "error: a resource cannot be retrieved by name across all namespaces\n"), await cli.RunAsync("get", "pod", "missing", "-A"));
    }

    [Fact]
    public async Task Several_types_print_one_table_each_with_kind_qualified_names()
    {
        var ns = await fixture.NewNamespaceAsync();
        var pods = await CreatePodsAsync(ns, "a");
        var cm = await fixture.Client.CreateAsync(Objects.ConfigMap("settings", ns, 1));
        var clock = Objects.ClockAfter(TenMinutes, pods[0], cm);

        var result = await fixture.Cli(clock).RunAsync("get", "po,cm,svc", "-n", ns);
        var slashed = await fixture.Cli(clock).RunAsync("get", "pod/a", "configmap/settings", "-n", ns, "--no-headers");

        Assert.Equal(new CliResult(0,
            "NAME    READY   STATUS    RESTARTS   AGE\n" +
            "pod/a   0/1     Pending   0          10m\n" +
            "\n" +
            "NAME                 DATA   AGE\n" +
            "configmap/settings   1      10m\n", ""), result);
        Assert.Equal(new CliResult(0, "pod/a   0/1   Pending   0   10m\n\nconfigmap/settings   1   10m\n", ""), slashed);
    }

    [Fact]
    public async Task Show_labels_adds_a_labels_column()
    {
        var ns = await fixture.NewNamespaceAsync();
        var pod = await fixture.Client.CreateAsync(Objects.Pod("l", ns, new Dictionary<string, string> { ["tier"] = "fe", ["app"] = "web" }));
        var bare = await fixture.Client.CreateAsync(Objects.Pod("m", ns));
        var clock = Objects.ClockAfter(TenMinutes, pod, bare);

        var result = await fixture.Cli(clock).RunAsync("get", "pods", "-n", ns, "--show-labels");

        Assert.Equal(new CliResult(0,
            "NAME   READY   STATUS    RESTARTS   AGE   LABELS\n" +
            "l      0/1     Pending   0          10m   app=web,tier=fe\n" +
            "m      0/1     Pending   0          10m   <none>\n", ""), result);
    }

    [Fact]
    public async Task Watch_prints_a_row_for_each_change_until_cancelled()
    {
        var ns = await fixture.NewNamespaceAsync();
        await CreatePodsAsync(ns, "before");
        var output = new ConcurrentStringWriter();
        var error = new ConcurrentStringWriter();
        using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var run = fixture.Cli().Start(["get", "pods", "-n", ns, "-w"], output, error, cancellationToken: cancellation.Token);

        await Eventually.WaitAsync(() => Task.FromResult(output.ToString().Contains("before")), TimeSpan.FromSeconds(20), "the initial table");
        await fixture.Client.CreateAsync(Objects.Pod("after", ns));
        await Eventually.WaitAsync(() => Task.FromResult(output.ToString().Contains("\nafter ")), TimeSpan.FromSeconds(20), "a row for the new pod");
        await cancellation.CancelAsync();
        var exitCode = await run.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(0, exitCode);
        Assert.Equal("", error.ToString());
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["NAME", "before", "after"], lines.Select(l => l.Split(' ')[0]));
        Assert.Matches(@"^after\s+0/1\s+Pending\s+0\s+\d+s$", lines[2]);
        Assert.Equal(lines[0].IndexOf("READY", StringComparison.Ordinal), lines[2].IndexOf("0/1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Watch_output_events_and_names()
    {
        var ns = await fixture.NewNamespaceAsync();
        var output = new ConcurrentStringWriter();
        using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var error = new ConcurrentStringWriter();
        var run = fixture.Cli().Start(["get", "cm", "-n", ns, "--watch-only", "-o", "name"], output, error, cancellationToken: cancellation.Token);

        // The watch may start after the create; keep changing until it has seen one (it reports every change).
        await Eventually.WaitAsync(async () =>
        {
            await fixture.Client.CreateAsync(Objects.ConfigMap("w-" + Unique.Id(), ns, 1));
            return output.ToString().Contains("configmap/w-");
        }, TimeSpan.FromSeconds(20), "a configmap name from the watch");
        await cancellation.CancelAsync();

        Assert.Equal((0, ""), (await run.WaitAsync(TimeSpan.FromSeconds(20)), error.ToString()));
        Assert.All(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.StartsWith("configmap/w-", line));
    }

    [Fact]
    public async Task The_request_timeout_ends_a_watch_normally()
    {
        var ns = await fixture.NewNamespaceAsync();
        await CreatePodsAsync(ns, "a");

        var result = await fixture.Cli().RunAsync("get", "pods", "-n", ns, "-w", "--no-headers", "--request-timeout", "1s");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Err);
        Assert.Matches(@"^a\s+0/1\s+Pending\s+0\s+\d+s\n$", result.Out);
    }
}
