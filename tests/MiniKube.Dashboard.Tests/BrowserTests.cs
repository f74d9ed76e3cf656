using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using MiniKube.Api;
using MiniKube.Testing;
using static Microsoft.Playwright.Assertions;

namespace MiniKube.Dashboard.Tests;

/// <summary>
/// The dashboard in a real browser against a real cluster (`minictl cluster up`, which also starts the dashboard): live updates
/// without reload, actions through the API server, the pod timeline, logs, the shell and optimistic concurrency on YAML saves.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class BrowserTests(DashboardCluster cluster)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private string Node => cluster.NodeNames[0];

    internal static Deployment NewDeployment(string name, int replicas, string command = "sleep 3600") => new()
    {
        ApiVersion = "apps/v1",
        Kind = "Deployment",
        Metadata = new ObjectMeta { Name = name, Namespace = "default" },
        Spec = new DeploymentSpec
        {
            Replicas = replicas,
            Selector = new LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new PodTemplateSpec
            {
                Metadata = new ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new PodSpec
                {
                    TerminationGracePeriodSeconds = 1,
                    Containers = [new Container { Name = "app", Image = "minikube/busybox:1.0", Command = ["sh", "-c", command] }],
                },
            },
        },
    };

    internal static Pod NewPod(string name, string command) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new ObjectMeta { Name = name, Namespace = "default", Labels = new Dictionary<string, string> { ["test"] = "dashboard" } },
        Spec = new PodSpec
        {
            TerminationGracePeriodSeconds = 1,
            Containers = [new Container { Name = "app", Image = "minikube/busybox:1.0", Command = ["sh", "-c", command] }],
        },
    };

    private Task<Pod> WaitReadyAsync(string name) => cluster.WaitPodReadyAsync(name);

    private Task DeletePodAsync(string name) => cluster.DeleteQuietlyAsync<Pod>(name, "default", new DeleteOptions { GracePeriodSeconds = 0 });

    [DockerFact]
    public async Task Overview_lists_the_nodes()
    {
        var page = await cluster.OpenAsync("/");
        var row = page.Locator($"#overview-nodes tr[data-node='{Node}']");
        await Expect(row).ToContainTextAsync("Ready=True");
        await Expect(row).ToContainTextAsync("/");
        // The node's CPU and memory sparklines fill from the metrics history (the test cluster polls every 2 s).
        await Expect(row.Locator("td.spark.cpu [data-test=latest]")).ToHaveTextAsync(new Regex("^[0-9]+m$"), new() { Timeout = 120_000 });
        await Expect(row.Locator("td.spark.memory [data-test=latest]")).ToHaveTextAsync(new Regex("^[0-9.]+ MiB$"));
        await DashboardCluster.ScreenshotAsync(page, "overview");
        // The page fits its 1400 px window: nothing scrolls sideways.
        Assert.Equal(1400, await page.EvaluateAsync<int>("() => window.innerWidth"));
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth, document.querySelector('#overview-nodes').getBoundingClientRect().right]");
        Assert.True(widths[0] <= widths[1] && widths[2] <= widths[1], $"the overview overflows its window: scrollWidth {widths[0]}, innerWidth {widths[1]}, node table's right edge {widths[2]}");

        var nodes = await cluster.OpenAsync("/nodes");
        await Expect(nodes.Locator($"#nodes tr[data-node='{Node}'] [data-test=status]")).ToHaveTextAsync("Ready");
        await DashboardCluster.ScreenshotAsync(nodes, "nodes");
        await page.Context.CloseAsync();
        await nodes.Context.CloseAsync();
    }

    [DockerFact]
    public async Task A_deployment_created_elsewhere_appears_without_reload_and_scales_from_the_ui()
    {
        var page = await cluster.OpenAsync("/deployments");
        await Expect(page.Locator("#deployments")).ToBeVisibleAsync();
        var navigations = 0;
        page.FrameNavigated += (_, frame) => navigations += frame == page.MainFrame ? 1 : 0;

        await cluster.Client.CreateAsync(NewDeployment("dash-web", 1));
        try
        {
            var row = page.Locator("#deployments tr[data-deployment='dash-web']");
            await Expect(row).ToBeVisibleAsync();
            await Expect(row.Locator("[data-test=ready]")).ToHaveTextAsync("1/1");
            Assert.Equal(0, navigations);
            await DashboardCluster.ScreenshotAsync(page, "deployments");

            await row.Locator("a.obj").ClickAsync();
            await Expect(page.Locator("h1")).ToContainTextAsync("default/dash-web");
            await page.Locator("[data-test=replicas]").FillAsync("3");
            await page.Locator("[data-action=scale]").ClickAsync();
            await Expect(page.Locator("[data-test=action-result]")).ToContainTextAsync("scaled");
            var scaled = await Eventually.WaitAsync(() => cluster.Client.GetAsync<Deployment>("dash-web", "default"), d => d.Spec?.Replicas == 3,
                Timeout, "spec.replicas to become 3");
            Assert.Equal(3, scaled.Spec!.Replicas);
            // The owned ReplicaSet is linked from the deployment, and its pods from the ReplicaSet.
            await Expect(page.Locator("[data-test=owned] a")).ToContainTextAsync("ReplicaSet/dash-web-");
            await DashboardCluster.ScreenshotAsync(page, "deployment-details");

            var pods = await cluster.OpenAsync("/pods?selector=app%3Ddash-web");
            await Expect(pods.Locator("[data-test=pod-count]")).ToHaveTextAsync("3", new() { Timeout = 90_000 });
            await Expect(pods.Locator("#pods tbody tr[data-pod] >> text=Running")).ToHaveCountAsync(3, new() { Timeout = 90_000 });
            await DashboardCluster.ScreenshotAsync(pods, "pods");
            await pods.Context.CloseAsync();
        }
        finally
        {
            await cluster.Client.DeleteAsync<Deployment>("dash-web", "default");
            await page.Context.CloseAsync();
        }
    }

    [DockerFact]
    public async Task The_pod_timeline_shows_the_seven_steps_in_order()
    {
        await cluster.Client.CreateAsync(NewPod("dash-timeline", "sleep 3600"));
        try
        {
            await WaitReadyAsync("dash-timeline");
            var page = await cluster.OpenAsync("/objects/pods/default/dash-timeline?tab=Timeline");
            var steps = page.Locator("#timeline li[data-step]");
            await Expect(steps).ToHaveCountAsync(7);
            await Expect(page.Locator("#timeline li[data-state=Done]")).ToHaveCountAsync(7);
            var numbers = await steps.EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.step)");
            Assert.Equal(["1", "2", "3", "4", "5", "6", "7"], numbers);
            var titles = await steps.Locator(".title").AllInnerTextsAsync();
            Assert.Collection(titles,
                t => Assert.StartsWith("Created", t, StringComparison.Ordinal),
                t => Assert.StartsWith("Stored", t, StringComparison.Ordinal),
                t => Assert.StartsWith("Scheduled", t, StringComparison.Ordinal),
                t => Assert.StartsWith("Bound", t, StringComparison.Ordinal),
                t => Assert.StartsWith("Seen by the kubelet", t, StringComparison.Ordinal),
                t => Assert.StartsWith("Sandbox and containers started", t, StringComparison.Ordinal),
                t => Assert.StartsWith("Status reported / Ready", t, StringComparison.Ordinal));
            // Each step has a time, and they never go backwards.
            var times = (await steps.Locator("[data-test=time]").AllInnerTextsAsync())
                .Select(t => DateTimeOffset.ParseExact(t, "yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)).ToList();
            Assert.Equal(7, times.Count);
            Assert.Equal(times.Order(), times);
            await Expect(steps.Nth(2)).ToContainTextAsync($"Successfully assigned default/dash-timeline to {Node}");
            await DashboardCluster.ScreenshotAsync(page, "pod-timeline");
            await page.Context.CloseAsync();
        }
        finally
        {
            await DeletePodAsync("dash-timeline");
        }
    }

    [DockerFact]
    public async Task A_cpu_burner_shows_a_cpu_chart_with_a_non_zero_latest_value()
    {
        var burner = NewPod("dash-burner", "while :; do :; done");
        burner = burner with
        {
            Spec = burner.Spec! with
            {
                Containers = [burner.Spec.Containers[0] with
                {
                    Resources = new ResourceRequirements
                    {
                        Requests = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("50m"), ["memory"] = Quantity.Parse("16Mi") },
                        Limits = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("100m"), ["memory"] = Quantity.Parse("32Mi") },
                    },
                }],
            },
        };
        await cluster.Client.CreateAsync(burner);
        try
        {
            await WaitReadyAsync("dash-burner");
            var page = await cluster.OpenAsync("/objects/pods/default/dash-burner");
            var cpu = page.Locator("[data-test=usage-charts] [data-chart=CPU]");
            // The API server scrapes every 2 s and the dashboard polls every 2 s (--extra-config=dashboard.metrics-period=2s): the chart appears without reload within a few polls.
            await Expect(cpu.Locator("svg polyline[data-test=points]")).ToBeVisibleAsync(new() { Timeout = 120_000 });
            await Expect(cpu.Locator("[data-test=latest]")).Not.ToHaveTextAsync("0m", new() { Timeout = 120_000 });
            var latest = await cpu.Locator("[data-test=latest]").InnerTextAsync();
            var milli = int.Parse(latest.TrimEnd('m'), CultureInfo.InvariantCulture);
            Assert.InRange(milli, 1, 150);
            await Expect(cpu.Locator("line[data-ref=limit]")).ToHaveCountAsync(1);
            await Expect(cpu.Locator("svg")).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex("^CPU: latest [1-9][0-9]*m \\(request 50m, limit 100m\\)"));
            await Expect(page.Locator("[data-test=usage-charts] [data-chart=Memory] [data-test=latest]")).ToContainTextAsync("MiB");
            // A second sample makes a line (the chart keeps the last 15 minutes).
            await Eventually.WaitAsync(async () => (await cpu.Locator("polyline").GetAttributeAsync("points"))?.Split(' ').Length >= 2 && (await cpu.Locator("svg").GetAttributeAsync("aria-label"))?.Contains(", 1 sample ", StringComparison.Ordinal) == false,
                TimeSpan.FromSeconds(120), "a second CPU sample");
            await cpu.ScrollIntoViewIfNeededAsync();
            await DashboardCluster.ScreenshotAsync(page, "pod-usage-charts");

            var nodes = await cluster.OpenAsync("/nodes");
            await Expect(nodes.Locator($"#nodes tr[data-node='{Node}'] td.spark [data-test=latest]")).ToBeVisibleAsync(new() { Timeout = 120_000 });
            await nodes.Context.CloseAsync();
            await page.Context.CloseAsync();
        }
        finally
        {
            await DeletePodAsync("dash-burner");
        }
    }

    [DockerFact]
    public async Task Logs_follow_a_printing_container()
    {
        await cluster.Client.CreateAsync(NewPod("dash-logs", "i=0; while true; do echo tick-$i; i=$((i+1)); sleep 0.3; done"));
        try
        {
            await WaitReadyAsync("dash-logs");
            var page = await cluster.OpenAsync("/objects/pods/default/dash-logs?tab=Logs");
            var output = page.Locator("[data-test=log-output]");
            await Expect(output).ToContainTextAsync("tick-2");
            var seen = await output.InnerTextAsync();
            var last = seen.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last();
            var n = int.Parse(last["tick-".Length..], CultureInfo.InvariantCulture);
            // Lines printed after the page opened arrive on the same page (the stream follows).
            await Expect(output).ToContainTextAsync($"tick-{n + 5}");
            await DashboardCluster.ScreenshotAsync(page, "pod-logs");
            await page.Context.CloseAsync();
        }
        finally
        {
            await DeletePodAsync("dash-logs");
        }
    }

    [DockerFact]
    public async Task The_shell_runs_echo_and_shows_its_output()
    {
        await cluster.Client.CreateAsync(NewPod("dash-shell", "sleep 3600"));
        try
        {
            await WaitReadyAsync("dash-shell");
            var page = await cluster.OpenAsync("/objects/pods/default/dash-shell?tab=Shell");
            // A real terminal: xterm.js takes keystrokes in its helper textarea and renders the TTY's screen in .xterm-rows.
            var rows = page.Locator("[data-test=shell-terminal] .xterm-rows");
            await Expect(page.Locator("[data-test=shell-status]")).ToContainTextAsync("(TTY)");
            await page.Locator("[data-test=shell-terminal] .xterm-helper-textarea").FocusAsync();
            var token = Guid.NewGuid().ToString("N")[..10];
            await page.Keyboard.TypeAsync($"echo hello-{token}");
            await page.Keyboard.PressAsync("Enter");
            // The output is a row of its own (the typed command's row also holds the token, after "echo ").
            await Expect(Row(rows, $"hello-{token}")).ToHaveCountAsync(1);
            // One shell for the session: the directory a command changed to is the next command's.
            await page.Keyboard.TypeAsync("cd /tmp");
            await page.Keyboard.PressAsync("Enter");
            await page.Keyboard.TypeAsync("pwd");
            await page.Keyboard.PressAsync("Enter");
            await Expect(Row(rows, "/tmp")).ToHaveCountAsync(1);
            await DashboardCluster.ScreenshotAsync(page, "pod-shell");
            // The TTY has the terminal's size (the fit addon's, sent as a resize), not Docker's 80x24 default.
            await page.Keyboard.TypeAsync("stty size");
            await page.Keyboard.PressAsync("Enter");
            var size = rows.Locator(":scope > div", new() { HasTextRegex = new Regex("^\\s*\\d+ \\d+\\s*$") });
            await Expect(size).ToHaveCountAsync(1);
            var columns = int.Parse((await size.InnerTextAsync()).Trim().Split(' ')[1], CultureInfo.InvariantCulture);
            Assert.True(columns > 80, $"the TTY has {columns} columns: the terminal's size did not reach it");
            // Ctrl-C goes through the TTY's line discipline: it interrupts the foreground command, the shell stays.
            await page.Keyboard.TypeAsync($"echo started-{token}; sleep 600");
            await page.Keyboard.PressAsync("Enter");
            // Not before the command runs (at the prompt, Ctrl-C only drops the line being edited).
            await Expect(Row(rows, $"started-{token}")).ToHaveCountAsync(1);
            await page.Keyboard.PressAsync("Control+C");
            await page.Keyboard.TypeAsync($"echo after-{token}");
            await page.Keyboard.PressAsync("Enter");
            await Expect(Row(rows, $"after-{token}")).ToHaveCountAsync(1);
            await page.Keyboard.TypeAsync("exit 3");
            await page.Keyboard.PressAsync("Enter");
            await Expect(rows).ToContainTextAsync("[shell exited with code 3]");
            await Expect(page.Locator("[data-test=shell-status]")).ToHaveTextAsync("the shell exited with code 3");
            await page.Context.CloseAsync();
        }
        finally
        {
            await DeletePodAsync("dash-shell");
        }
    }

    [DockerFact]
    public async Task Each_visit_of_the_shell_tab_is_its_own_session()
    {
        await cluster.Client.CreateAsync(NewPod("dash-shell-two", "sleep 3600"));
        try
        {
            await WaitReadyAsync("dash-shell-two");
            var page = await cluster.OpenAsync("/objects/pods/default/dash-shell-two?tab=Shell");
            var first = await ShellPidAsync(page);
            // Leaving the tab disposes the terminal and its ExecStream; coming back opens a new shell on the same circuit.
            await page.Locator("button[data-tab=Logs]").ClickAsync();
            await Expect(page.Locator("[data-test=shell-terminal]")).ToHaveCountAsync(0);
            await page.Locator("button[data-tab=Shell]").ClickAsync();
            var second = await ShellPidAsync(page);
            Assert.NotEqual(first, second);
            await page.Context.CloseAsync();
        }
        finally
        {
            await DeletePodAsync("dash-shell-two");
        }
    }

    [DockerFact]
    public async Task Closing_the_page_ends_its_shell_in_the_container()
    {
        await cluster.Client.CreateAsync(NewPod("dash-shell-close", "sleep 3600"));
        try
        {
            var pod = await WaitReadyAsync("dash-shell-close");
            var container = pod.Status!.ContainerStatuses![0].ContainerID!.Replace("docker://", "", StringComparison.Ordinal);
            var page = await cluster.OpenAsync("/objects/pods/default/dash-shell-close?tab=Shell");
            await ShellPidAsync(page);
            await page.Keyboard.TypeAsync("sleep 5151");
            await page.Keyboard.PressAsync("Enter");
            await Eventually.WaitAsync(async () => (await ProcessesAsync(container)).Contains("sleep 5151", StringComparison.Ordinal), Timeout,
                "the shell's sleep to run in the container");

            // The page goes: its circuit disposes the terminal's ExecStream, and the kubelet ends the shell and its child.
            await page.Context.CloseAsync();
            await Eventually.WaitAsync(async () => !(await ProcessesAsync(container)).Contains("sleep 5151", StringComparison.Ordinal), Timeout,
                "the shell's sleep to end after the page closed");
        }
        finally
        {
            await DeletePodAsync("dash-shell-close");
        }
    }

    private static async Task<string> ProcessesAsync(string container) =>
        (await DockerCli.RunAsync("exec", container, "ps")).EnsureSuccess().StandardOutput;

    /// <summary>The process id of the shell the page's terminal talks to (<c>$$</c>), typed into the terminal.</summary>
    private static async Task<string> ShellPidAsync(IPage page)
    {
        await Expect(page.Locator("[data-test=shell-status]")).ToContainTextAsync("(TTY)");
        await page.Locator("[data-test=shell-terminal] .xterm-helper-textarea").FocusAsync();
        await page.Keyboard.TypeAsync("echo pid-$$");
        await page.Keyboard.PressAsync("Enter");
        var row = page.Locator("[data-test=shell-terminal] .xterm-rows > div", new() { HasTextRegex = new Regex("^\\s*pid-\\d+\\s*$") });
        await Expect(row).ToHaveCountAsync(1);
        return (await row.InnerTextAsync()).Trim();
    }

    /// <summary>The terminal rows whose whole text is <paramref name="text"/> (xterm pads rows with spaces).</summary>
    private static ILocator Row(ILocator rows, string text) =>
        rows.Locator(":scope > div", new() { HasTextRegex = new Regex("^\\s*" + Regex.Escape(text) + "\\s*$") });

    [DockerFact]
    public async Task A_stale_yaml_save_shows_the_conflict_and_writes_nothing()
    {
        var map = await cluster.Client.CreateAsync(new ConfigMap
        {
            ApiVersion = "v1",
            Kind = "ConfigMap",
            Metadata = new ObjectMeta { Name = "dash-config", Namespace = "default" },
            Data = new Dictionary<string, string> { ["color"] = "blue" },
        });
        try
        {
            var page = await cluster.OpenAsync("/objects/configmaps/default/dash-config?tab=YAML");
            await Expect(page.Locator("[data-test=yaml]")).ToContainTextAsync("color: blue");
            await page.Locator("[data-action=edit]").ClickAsync();
            var editor = page.Locator("[data-test=yaml-editor]");
            var text = await editor.InputValueAsync();
            Assert.Contains("resourceVersion", text, StringComparison.Ordinal);

            // Someone else changes the object after the editor read it.
            await cluster.Client.PatchAsync<ConfigMap>("dash-config", "default", """{"data":{"color":"green"}}""");

            await editor.FillAsync(text.Replace("color: blue", "color: red", StringComparison.Ordinal));
            await page.Locator("[data-action=save]").ClickAsync();
            await Expect(page.Locator("[data-test=save-result]")).ToContainTextAsync("Conflict");
            await DashboardCluster.ScreenshotAsync(page, "yaml-conflict");
            var stored = await cluster.Client.GetAsync<ConfigMap>("dash-config", "default");
            Assert.Equal("green", stored.Data!["color"]);

            // A save of a fresh read goes through.
            await page.Locator("[data-action=cancel]").ClickAsync();
            await Expect(page.Locator("[data-test=yaml]")).ToContainTextAsync("color: green");
            await page.Locator("[data-action=edit]").ClickAsync();
            var fresh = await editor.InputValueAsync();
            await editor.FillAsync(fresh.Replace("color: green", "color: red", StringComparison.Ordinal));
            await page.Locator("[data-action=save]").ClickAsync();
            await Expect(page.Locator("[data-test=save-result]")).ToContainTextAsync("saved at resourceVersion");
            Assert.Equal("red", (await cluster.Client.GetAsync<ConfigMap>("dash-config", "default")).Data!["color"]);
            Assert.NotEqual(map.Metadata.ResourceVersion, stored.Metadata.ResourceVersion);
            await page.Context.CloseAsync();
        }
        finally
        {
            await cluster.Client.DeleteAsync<ConfigMap>("dash-config", "default");
        }
    }

    [DockerFact]
    public async Task Cordon_from_the_ui_marks_the_node_unschedulable()
    {
        var page = await cluster.OpenAsync($"/objects/nodes/_/{Node}");
        try
        {
            await page.Locator("[data-action=cordon]").ClickAsync();
            await Expect(page.Locator("[data-test=action-result]")).ToContainTextAsync("cordoned");
            await Eventually.WaitAsync(async () => (await cluster.Client.GetAsync<Node>(Node)).Spec?.Unschedulable == true, Timeout, "spec.unschedulable");
            await page.Locator("[data-action=uncordon]").ClickAsync();
            await Eventually.WaitAsync(async () => (await cluster.Client.GetAsync<Node>(Node)).Spec?.Unschedulable != true, Timeout, "the node to be schedulable again");
            await DashboardCluster.ScreenshotAsync(page, "node-details");
        }
        finally
        {
            await cluster.Client.PatchAsync<Node>(Node, null, """{"spec":{"unschedulable":null}}""");
            await page.Context.CloseAsync();
        }
    }

    [DockerFact]
    public async Task Cluster_up_printed_the_dashboard_url_and_minictl_dashboard_prints_it()
    {
        Assert.Contains("dashboard   " + cluster.DashboardUrl, cluster.UpOutput, StringComparison.Ordinal);
        var result = await cluster.MinictlAsync("dashboard");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(cluster.DashboardUrl, result.Output.Trim());
        Assert.StartsWith("http://127.0.0.1:", cluster.DashboardUrl, StringComparison.Ordinal);
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<DashboardCluster>
{
    public const string Name = "dashboard-browser";
}
