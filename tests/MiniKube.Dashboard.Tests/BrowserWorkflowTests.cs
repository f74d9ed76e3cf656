using System.Globalization;
using System.Text.RegularExpressions;
using MiniKube.Api;
using MiniKube.Testing;
using static Microsoft.Playwright.Assertions;

namespace MiniKube.Dashboard.Tests;

/// <summary>
/// More of the dashboard in a real browser against the same real cluster as <see cref="BrowserTests"/>: rollout restart and
/// roll back, delete with a propagation choice, owner/owned links, Services with endpoints, HPAs and VPAs, previous-container
/// logs and the scheduler's node scores in the pod timeline.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class BrowserWorkflowTests(DashboardCluster cluster)
{
    private const string Ns = "default";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private Task<Deployment> RolledOutAsync(string name, int replicas) => Eventually.WaitAsync(() => cluster.Client.GetAsync<Deployment>(name, Ns),
        d => d.Status is { } s && s.ObservedGeneration >= d.Metadata.Generation && s.Replicas == replicas && s.UpdatedReplicas == replicas
            && s.AvailableReplicas == replicas,
        Timeout, $"deployment {name} to be rolled out with {replicas} replica(s)");

    private async Task<List<Pod>> PodsAsync(string app) =>
        [.. (await cluster.Client.ListAsync<Pod>(Ns, labelSelector: "app=" + app)).Items];

    private async Task DeleteDeploymentAndItsPodsAsync(string name)
    {
        await cluster.DeleteQuietlyAsync<Deployment>(name, Ns, new DeleteOptions { PropagationPolicy = "Background" });
        foreach (var rs in (await cluster.Client.ListAsync<ReplicaSet>(Ns, labelSelector: "app=" + name)).Items)
        {
            await cluster.DeleteQuietlyAsync<ReplicaSet>(rs.Metadata.Name!, Ns, new DeleteOptions { PropagationPolicy = "Background" });
        }
        foreach (var pod in await PodsAsync(name))
        {
            await cluster.DeleteQuietlyAsync<Pod>(pod.Metadata.Name!, Ns, new DeleteOptions { GracePeriodSeconds = 0 });
        }
    }

    [DockerFact]
    public async Task Rollout_restart_and_roll_back_from_the_ui_roll_the_pods_and_restore_the_template()
    {
        await cluster.Client.CreateAsync(BrowserTests.NewDeployment("dash-roll", 1));
        try
        {
            await RolledOutAsync("dash-roll", 1);
            var first = (await PodsAsync("dash-roll")).Single().Metadata.Name;
            var page = await cluster.OpenAsync($"/objects/deployments/{Ns}/dash-roll");
            await Expect(page.Locator("[data-test=owned] a")).ToHaveCountAsync(1);

            await page.Locator("[data-action=restart]").ClickAsync();
            await Expect(page.Locator("[data-test=action-result]")).ToHaveTextAsync("deployment.apps/dash-roll restarted");
            await Eventually.WaitAsync(() => cluster.Client.GetAsync<Deployment>("dash-roll", Ns),
                d => d.Spec?.Template.Metadata?.Annotations?.ContainsKey("kubectl.kubernetes.io/restartedAt") == true, Timeout, "the restartedAt annotation");
            // A second ReplicaSet appears on the open page (live), and the pod is replaced by one of the new template.
            await Expect(page.Locator("[data-test=owned] a")).ToHaveCountAsync(2, new() { Timeout = 120_000 });
            await RolledOutAsync("dash-roll", 1);
            await Eventually.WaitAsync(() => PodsAsync("dash-roll"), pods => pods.Count == 1 && pods[0].Metadata.Name != first
                && pods[0].Metadata.DeletionTimestamp is null, Timeout, "the restart to replace the pod");
            await Eventually.WaitAsync(() => cluster.Client.GetAsync<Deployment>("dash-roll", Ns),
                d => d.Metadata.Annotations?.GetValueOrDefault("deployment.kubernetes.io/revision") == "2", Timeout, "revision 2");

            await page.Locator("[data-action=undo]").ClickAsync();
            await Expect(page.Locator("[data-test=action-result]")).ToHaveTextAsync("deployment.apps/dash-roll rolled back");
            // Back to revision 1's template (no restartedAt), which becomes revision 3.
            var undone = await Eventually.WaitAsync(() => cluster.Client.GetAsync<Deployment>("dash-roll", Ns),
                d => d.Spec?.Template.Metadata?.Annotations?.ContainsKey("kubectl.kubernetes.io/restartedAt") != true
                     && d.Metadata.Annotations?.GetValueOrDefault("deployment.kubernetes.io/revision") == "3", Timeout, "the roll back to revision 1's template");
            Assert.Equal(["sh", "-c", "sleep 3600"], undone.Spec!.Template.Spec!.Containers[0].Command);
            await RolledOutAsync("dash-roll", 1);
            await DashboardCluster.ScreenshotAsync(page, "deployment-rolled-back");
            await page.Context.CloseAsync();
        }
        finally
        {
            await DeleteDeploymentAndItsPodsAsync("dash-roll");
        }
    }

    [DockerFact]
    public async Task Delete_with_orphan_keeps_the_replicaset_and_its_pods_and_background_deletes_them()
    {
        await cluster.Client.CreateAsync(BrowserTests.NewDeployment("dash-orphan", 1));
        try
        {
            await RolledOutAsync("dash-orphan", 1);
            var pod = (await PodsAsync("dash-orphan")).Single();
            var rs = (await cluster.Client.ListAsync<ReplicaSet>(Ns, labelSelector: "app=dash-orphan")).Items.Single();
            var page = await cluster.OpenAsync($"/objects/deployments/{Ns}/dash-orphan");

            await page.Locator("[data-test=propagation]").SelectOptionAsync("Orphan");
            await page.Locator("[data-action=delete]").ClickAsync();
            await page.Locator("[data-action=confirm-delete]").ClickAsync();
            await Expect(page.Locator("[data-test=action-result]")).ToHaveTextAsync("deployment \"dash-orphan\" deleted (Orphan)");
            await Expect(page.Locator("[data-test=missing]")).ToContainTextAsync("does not exist");
            await Eventually.WaitAsync(async () =>
            {
                try
                {
                    await cluster.Client.GetAsync<Deployment>("dash-orphan", Ns);
                    return false;
                }
                catch (ApiException ex) when (ex.IsNotFound)
                {
                    return true;
                }
            }, Timeout, "the deployment to be gone");
            // The garbage collector orphans the ReplicaSet (its owner reference goes) and leaves it and its pod running.
            var orphaned = await Eventually.WaitAsync(() => cluster.Client.GetAsync<ReplicaSet>(rs.Metadata.Name!, Ns),
                r => r.Metadata.OwnerReferences is null or { Count: 0 }, Timeout, "the ReplicaSet to lose its owner reference");
            Assert.Null(orphaned.Metadata.DeletionTimestamp);
            var kept = await cluster.Client.GetAsync<Pod>(pod.Metadata.Name!, Ns);
            Assert.Equal(pod.Metadata.Uid, kept.Metadata.Uid);
            Assert.Null(kept.Metadata.DeletionTimestamp);
            Assert.Equal(PodPhase.Running, kept.Status?.Phase);

            // The orphan's page has no owner; deleting it in the background takes its pod with it.
            var rsPage = await cluster.OpenAsync($"/objects/replicasets/{Ns}/{rs.Metadata.Name}");
            await Expect(rsPage.Locator("[data-test=owners] a")).ToHaveCountAsync(0);
            await Expect(rsPage.Locator("[data-test=owned] a")).ToHaveTextAsync($"Pod/{pod.Metadata.Name}");
            await Expect(rsPage.Locator("[data-test=propagation]")).ToHaveValueAsync("Background");
            await rsPage.Locator("[data-action=delete]").ClickAsync();
            await rsPage.Locator("[data-action=confirm-delete]").ClickAsync();
            await Expect(rsPage.Locator("[data-test=action-result]")).ToHaveTextAsync($"replicaset \"{rs.Metadata.Name}\" deleted (Background)");
            await Eventually.WaitAsync(() => PodsAsync("dash-orphan"), pods => pods.All(p => p.Metadata.Uid != pod.Metadata.Uid || p.Metadata.DeletionTimestamp is not null),
                Timeout, "the ReplicaSet's pod to be deleted with it");
            await page.Context.CloseAsync();
            await rsPage.Context.CloseAsync();
        }
        finally
        {
            await DeleteDeploymentAndItsPodsAsync("dash-orphan");
        }
    }

    [DockerFact]
    public async Task Owner_and_owned_links_navigate_from_a_deployment_to_its_pod_and_back()
    {
        await cluster.Client.CreateAsync(BrowserTests.NewDeployment("dash-links", 1));
        try
        {
            await RolledOutAsync("dash-links", 1);
            var pod = (await PodsAsync("dash-links")).Single().Metadata.Name!;
            var rs = (await cluster.Client.ListAsync<ReplicaSet>(Ns, labelSelector: "app=dash-links")).Items.Single().Metadata.Name!;
            var page = await cluster.OpenAsync($"/objects/deployments/{Ns}/dash-links");

            await page.Locator("[data-test=owned] a", new() { HasText = $"ReplicaSet/{rs}" }).ClickAsync();
            await Expect(page.Locator("h1")).ToHaveTextAsync($"ReplicaSet {Ns}/{rs}");
            Assert.EndsWith($"/objects/replicasets/{Ns}/{rs}", page.Url, StringComparison.Ordinal);
            await Expect(page.Locator("[data-test=owners] a")).ToHaveTextAsync("Deployment/dash-links");

            await page.Locator("[data-test=owned] a", new() { HasText = $"Pod/{pod}" }).ClickAsync();
            await Expect(page.Locator("h1")).ToHaveTextAsync($"Pod {Ns}/{pod}");
            Assert.EndsWith($"/objects/pods/{Ns}/{pod}", page.Url, StringComparison.Ordinal);

            await page.Locator("[data-test=owners] a", new() { HasText = $"ReplicaSet/{rs}" }).ClickAsync();
            await Expect(page.Locator("h1")).ToHaveTextAsync($"ReplicaSet {Ns}/{rs}");
            await page.Locator("[data-test=owners] a", new() { HasText = "Deployment/dash-links" }).ClickAsync();
            await Expect(page.Locator("h1")).ToHaveTextAsync($"Deployment {Ns}/dash-links");
            Assert.EndsWith($"/objects/deployments/{Ns}/dash-links", page.Url, StringComparison.Ordinal);
            await page.Context.CloseAsync();
        }
        finally
        {
            await DeleteDeploymentAndItsPodsAsync("dash-links");
        }
    }

    [DockerFact]
    public async Task The_services_page_shows_ready_endpoints_and_the_hpa_page_links_its_target()
    {
        var deployment = BrowserTests.NewDeployment("dash-svc", 1);
        deployment = deployment with
        {
            Spec = deployment.Spec! with
            {
                Template = deployment.Spec.Template with
                {
                    Spec = deployment.Spec.Template.Spec! with
                    {
                        Containers = [deployment.Spec.Template.Spec.Containers[0] with
                        {
                            Resources = new ResourceRequirements { Requests = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("10m") } },
                        }],
                    },
                },
            },
        };
        await cluster.Client.CreateAsync(deployment);
        try
        {
            await cluster.Client.CreateAsync(new Service
            {
                ApiVersion = "v1",
                Kind = "Service",
                Metadata = new ObjectMeta { Name = "dash-svc", Namespace = Ns },
                Spec = new ServiceSpec
                {
                    Selector = new Dictionary<string, string> { ["app"] = "dash-svc" },
                    Ports = [new ServicePort { Port = 80, TargetPort = 8080, Protocol = "TCP" }],
                },
            });
            await RolledOutAsync("dash-svc", 1);
            var pod = (await PodsAsync("dash-svc")).Single();
            var ip = pod.Status!.PodIP!;

            var page = await cluster.OpenAsync("/services");
            var row = page.Locator("#services tr[data-service=dash-svc]");
            await Expect(row.Locator("[data-test=endpoints]")).ToHaveTextAsync($"{ip}:8080", new() { Timeout = 120_000 });
            await Expect(row.Locator("[data-test=cluster-ip]")).ToHaveTextAsync(new Regex("^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$"));
            await Expect(row.Locator("[data-test=ports]")).ToHaveTextAsync("80/TCP");
            await Expect(row.Locator("[data-test=selector]")).ToHaveTextAsync("app=dash-svc");
            await DashboardCluster.ScreenshotAsync(page, "services");

            await cluster.Client.CreateAsync(new HorizontalPodAutoscaler
            {
                ApiVersion = "autoscaling/v2",
                Kind = "HorizontalPodAutoscaler",
                Metadata = new ObjectMeta { Name = "dash-svc", Namespace = Ns },
                Spec = new HorizontalPodAutoscalerSpec
                {
                    ScaleTargetRef = new CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "dash-svc" },
                    MinReplicas = 1,
                    MaxReplicas = 3,
                    Metrics = [new MetricSpec { Type = "Resource", Resource = new ResourceMetricSource { Name = "cpu", Target = new MetricTarget { Type = "Utilization", AverageUtilization = 80 } } }],
                },
            });
            var hpas = await cluster.OpenAsync("/autoscaling");
            var hpa = hpas.Locator("#hpas tr[data-hpa=dash-svc]");
            await Expect(hpa.Locator("[data-test=min]")).ToHaveTextAsync("1");
            await Expect(hpa.Locator("[data-test=max]")).ToHaveTextAsync("3");
            // The HPA controller reports the target's replicas.
            await Expect(hpa.Locator("[data-test=current]")).ToHaveTextAsync("1", new() { Timeout = 120_000 });
            await DashboardCluster.ScreenshotAsync(hpas, "hpas");
            await hpa.Locator("[data-test=target] a").ClickAsync();
            await Expect(hpas.Locator("h1")).ToHaveTextAsync($"Deployment {Ns}/dash-svc");
            await page.Context.CloseAsync();
            await hpas.Context.CloseAsync();
        }
        finally
        {
            await cluster.DeleteQuietlyAsync<HorizontalPodAutoscaler>("dash-svc", Ns);
            await cluster.DeleteQuietlyAsync<Service>("dash-svc", Ns);
            await DeleteDeploymentAndItsPodsAsync("dash-svc");
        }
    }

    [DockerFact]
    public async Task The_logs_tab_shows_the_previous_container_after_a_restart()
    {
        // The first run leaves a mark in an emptyDir (which outlives the container) and fails; the second runs on.
        var pod = BrowserTests.NewPod("dash-prev",
            "if [ -f /data/ran ]; then echo second-run; sleep 3600; else touch /data/ran; echo first-run; exit 1; fi");
        pod = pod with
        {
            Spec = pod.Spec! with
            {
                Volumes = [new Volume { Name = "data", EmptyDir = new EmptyDirVolumeSource() }],
                Containers = [pod.Spec.Containers[0] with { VolumeMounts = [new VolumeMount { Name = "data", MountPath = "/data" }] }],
            },
        };
        await cluster.Client.CreateAsync(pod);
        try
        {
            await Eventually.WaitAsync(() => cluster.Client.GetAsync<Pod>("dash-prev", Ns),
                p => p.Status?.ContainerStatuses is [{ RestartCount: >= 1, Ready: true }], Timeout, "the container to restart once and be ready");
            var page = await cluster.OpenAsync($"/objects/pods/{Ns}/dash-prev?tab=Logs");
            var output = page.Locator("[data-test=log-output]");
            await Expect(output).ToContainTextAsync("second-run");
            Assert.DoesNotContain("first-run", await output.InnerTextAsync(), StringComparison.Ordinal);

            await page.Locator("[data-test=log-previous]").CheckAsync();
            await Expect(output).ToContainTextAsync("first-run");
            Assert.DoesNotContain("second-run", await output.InnerTextAsync(), StringComparison.Ordinal);
            await Expect(page.Locator("[data-test=log-status]")).ToHaveTextAsync("end of log");
            await DashboardCluster.ScreenshotAsync(page, "pod-logs-previous");

            await page.Locator("[data-test=log-previous]").UncheckAsync();
            await Expect(output).ToContainTextAsync("second-run");
            await page.Context.CloseAsync();
        }
        finally
        {
            await cluster.DeleteQuietlyAsync<Pod>("dash-prev", Ns, new DeleteOptions { GracePeriodSeconds = 0 });
        }
    }

    [DockerFact]
    public async Task The_timeline_shows_the_schedulers_node_scores_and_its_fit_error()
    {
        // A second node (a Node object without a kubelet, tainted so only this test's pod goes there) gives the scheduler two
        // feasible nodes to score.
        var fake = "dash-fake-" + Guid.NewGuid().ToString("N")[..6];
        var now = DateTimeOffset.UtcNow;
        await cluster.Client.CreateAsync(new Node
        {
            ApiVersion = "v1",
            Kind = "Node",
            Metadata = new ObjectMeta { Name = fake, Labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = fake } },
            Spec = new NodeSpec { Taints = [new Taint { Key = "dash-test", Value = "scores", Effect = "NoSchedule" }] },
            Status = new NodeStatus
            {
                Capacity = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("2"), ["memory"] = Quantity.Parse("4Gi"), ["pods"] = Quantity.Parse("110") },
                Allocatable = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("2"), ["memory"] = Quantity.Parse("4Gi"), ["pods"] = Quantity.Parse("110") },
                Conditions = [new NodeCondition { Type = "Ready", Status = "True", Reason = "KubeletReady", LastHeartbeatTime = now, LastTransitionTime = now }],
            },
        });
        var scored = BrowserTests.NewPod("dash-scores", "sleep 3600");
        scored = scored with
        {
            Spec = scored.Spec! with
            {
                Tolerations = [new Toleration { Key = "dash-test", Operator = "Equal", Value = "scores", Effect = "NoSchedule" }],
                Containers = [scored.Spec.Containers[0] with
                {
                    Resources = new ResourceRequirements { Requests = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("100m"), ["memory"] = Quantity.Parse("64Mi") } },
                }],
            },
        };
        var unfit = BrowserTests.NewPod("dash-unfit", "sleep 3600");
        unfit = unfit with
        {
            Spec = unfit.Spec! with
            {
                Containers = [unfit.Spec.Containers[0] with
                {
                    Resources = new ResourceRequirements { Requests = new Dictionary<string, Quantity> { ["cpu"] = Quantity.Parse("500") } },
                }],
            },
        };
        var probe = BrowserTests.NewPod("dash-probe", "sleep 3600");
        probe = probe with
        {
            Spec = probe.Spec! with
            {
                NodeSelector = new Dictionary<string, string> { ["kubernetes.io/hostname"] = fake },
                Tolerations = scored.Spec!.Tolerations,
            },
        };
        try
        {
            // The scheduler scores only the nodes its informer has seen: once a pod that fits only the new node is bound
            // there, the scored pod has two feasible nodes (created at once after the Node, it sometimes had one).
            await cluster.Client.CreateAsync(probe);
            await Eventually.WaitAsync(() => cluster.Client.GetAsync<Pod>("dash-probe", Ns), p => p.Spec?.NodeName == fake, Timeout,
                "the scheduler to see the new node " + fake);
            await cluster.DeleteQuietlyAsync<Pod>("dash-probe", Ns, new DeleteOptions { GracePeriodSeconds = 0 });
            await cluster.Client.CreateAsync(scored);
            var bound = await Eventually.WaitAsync(() => cluster.Client.GetAsync<Pod>("dash-scores", Ns), p => !string.IsNullOrEmpty(p.Spec?.NodeName), Timeout,
                "dash-scores to be bound");
            var chosen = bound.Spec!.NodeName!;
            var page = await cluster.OpenAsync($"/objects/pods/{Ns}/dash-scores?tab=Timeline");
            var scheduled = page.Locator("#timeline li[data-step='3']");
            await Expect(scheduled).ToHaveAttributeAsync("data-state", "Done");
            await Expect(scheduled.Locator(".detail")).ToContainTextAsync(new Regex($"^Successfully assigned {Ns}/dash-scores to {Regex.Escape(chosen)} \\(scores: "));
            var rows = scheduled.Locator("[data-test=scores] tbody tr");
            await Expect(rows).ToHaveCountAsync(2);
            var nodes = await rows.EvaluateAllAsync<string[]>("rs => rs.map(r => r.dataset.node)");
            Assert.Equal(new[] { cluster.NodeNames[0], fake }.Order(StringComparer.Ordinal), nodes.Order(StringComparer.Ordinal));
            // Best first, and the first is the node the pod went to.
            Assert.Equal(chosen, nodes[0]);
            var scores = (await rows.Locator("[data-test=score]").AllInnerTextsAsync()).Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToList();
            Assert.True(scores[0] >= scores[1], string.Join(", ", scores));
            await Expect(scheduled.Locator($"[data-test=scores] tr[data-node='{chosen}']")).ToHaveClassAsync("chosen");
            await DashboardCluster.ScreenshotAsync(page, "pod-timeline-scores");

            // A pod that fits nowhere: the step is failed with the scheduler's FitError.
            await cluster.Client.CreateAsync(unfit);
            var unfitPage = await cluster.OpenAsync($"/objects/pods/{Ns}/dash-unfit?tab=Timeline");
            var failed = unfitPage.Locator("#timeline li[data-step='3']");
            await Expect(failed).ToHaveAttributeAsync("data-state", "Failed", new() { Timeout = 120_000 });
            await Expect(failed.Locator(".detail")).ToContainTextAsync(new Regex("^0/2 nodes are available: .*Insufficient cpu"));
            await Expect(unfitPage.Locator("#timeline li[data-step='4']")).ToHaveAttributeAsync("data-state", "Pending");
            await page.Context.CloseAsync();
            await unfitPage.Context.CloseAsync();
        }
        finally
        {
            await cluster.DeleteQuietlyAsync<Pod>("dash-probe", Ns, new DeleteOptions { GracePeriodSeconds = 0 });
            await cluster.DeleteQuietlyAsync<Pod>("dash-scores", Ns, new DeleteOptions { GracePeriodSeconds = 0 });
            await cluster.DeleteQuietlyAsync<Pod>("dash-unfit", Ns, new DeleteOptions { GracePeriodSeconds = 0 });
            await cluster.DeleteQuietlyAsync<Node>(fake, null);
        }
    }

    [DockerFact]
    public async Task The_vpa_page_lists_mode_target_and_recommendation_live_and_links_its_details()
    {
        await cluster.Client.CreateAsync(new VerticalPodAutoscaler
        {
            Metadata = new ObjectMeta { Name = "dash-vpa", Namespace = Ns },
            Spec = new VerticalPodAutoscalerSpec
            {
                TargetRef = new CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "dash-vpa-target" },
                UpdatePolicy = new PodUpdatePolicy { UpdateMode = VpaUpdateMode.Off },
            },
        });
        try
        {
            var page = await cluster.OpenAsync("/vpas");
            var row = page.Locator("#vpas tr[data-vpa=dash-vpa]");
            await Expect(row.Locator("[data-test=mode]")).ToHaveTextAsync("Off");
            await Expect(row.Locator("[data-test=target]")).ToHaveTextAsync("Deployment/dash-vpa-target");
            await Expect(row.Locator("[data-test=recommendation]")).ToHaveTextAsync("none yet");

            // A recommender writes the status; the open page shows it without a reload.
            await cluster.Client.PatchAsync<VerticalPodAutoscaler>("dash-vpa", Ns, """
                {"status":{"recommendation":{"containerRecommendations":[{"containerName":"app",
                  "target":{"cpu":"250m","memory":"128Mi"},"lowerBound":{"cpu":"100m","memory":"64Mi"},"upperBound":{"cpu":"1","memory":"512Mi"}}]},
                  "conditions":[{"type":"RecommendationProvided","status":"True","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}
                """, status: true);
            await Expect(row.Locator("[data-test=recommendation]")).ToHaveTextAsync("app: cpu 250m, memory 128Mi");
            await Expect(row.Locator("[data-test=provided]")).ToHaveTextAsync("True");
            await DashboardCluster.ScreenshotAsync(page, "vpas");

            await row.Locator("a.obj", new() { HasText = "dash-vpa" }).First.ClickAsync();
            await Expect(page.Locator("h1")).ToHaveTextAsync($"VerticalPodAutoscaler {Ns}/dash-vpa");
            await Expect(page.Locator("[data-test=vpa-policy] [data-test=mode]")).ToHaveTextAsync("Off");
            var app = page.Locator("#vpa-recommendation tr[data-container=app]");
            await Expect(app).ToContainTextAsync("cpu 100m, memory 64Mi");
            await Expect(app).ToContainTextAsync("cpu 1, memory 512Mi");
            await Expect(app.Locator("[data-test=target]")).ToHaveTextAsync("cpu 250m, memory 128Mi");
            await Expect(page.Locator("#conditions")).ToContainTextAsync("RecommendationProvided");
            await DashboardCluster.ScreenshotAsync(page, "vpa-details");
            await page.Context.CloseAsync();
        }
        finally
        {
            await cluster.DeleteQuietlyAsync<VerticalPodAutoscaler>("dash-vpa", Ns);
        }
    }
}
