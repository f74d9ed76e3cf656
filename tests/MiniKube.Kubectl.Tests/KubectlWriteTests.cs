using MiniKube.Api;
using MiniKube.Testing;

namespace MiniKube.Kubectl.Tests;

/// <summary>kubectl's write commands: apply, scale, rollout, set image, label, annotate, patch, edit, delete, validation.</summary>
public sealed class KubectlWriteTests(KubectlCluster cluster) : IClassFixture<KubectlCluster>
{
    [Fact]
    public async Task Apply_twice_is_unchanged_and_after_an_edit_configured()
    {
        var ns = await cluster.NewNamespaceAsync();
        var file = cluster.WriteFile("deploy.yaml", Manifests.Deployment("web", "minikube/busybox:1.0"));

        var first = await cluster.OkAsync("apply", "-n", ns, "-f", file);
        var second = await cluster.OkAsync("apply", "-n", ns, "-f", file);
        File.WriteAllText(file, Manifests.Deployment("web", "minikube/busybox:2.0"));
        var third = await cluster.OkAsync("apply", "-n", ns, "-f", file);
        var image = await cluster.OkAsync("get", "deploy", "web", "-n", ns, "-o", "jsonpath={.spec.template.spec.containers[0].image}");
        var env = await cluster.OkAsync("get", "deploy", "web", "-n", ns, "-o", "jsonpath={.spec.template.spec.containers[0].env[0].value}");

        Assert.Equal("deployment.apps/web created\n", first);
        Assert.Equal("deployment.apps/web unchanged\n", second);
        Assert.Equal("deployment.apps/web configured\n", third);
        Assert.Equal("minikube/busybox:2.0", image);
        Assert.Equal("1", env);
    }

    [Fact]
    public async Task Scale_rollout_set_image_and_undo_drive_a_deployment()
    {
        var ns = await cluster.NewNamespaceAsync();
        await cluster.OkAsync("apply", "-n", ns, "-f", cluster.WriteFile("deploy.yaml", Manifests.Deployment("web", "minikube/busybox:1.0")));
        var status = await cluster.OkAsync("rollout", "status", "deployment/web", "-n", ns, "--timeout=60s");

        var scaled = await cluster.OkAsync("scale", "deployment", "web", "-n", ns, "--replicas=3");
        await cluster.OkAsync("rollout", "status", "deployment/web", "-n", ns, "--timeout=60s");
        var deploys = await cluster.OkAsync("get", "deploy", "-n", ns);
        var setImage = await cluster.OkAsync("set", "image", "deployment/web", "main=minikube/busybox:2.0", "-n", ns);
        await cluster.OkAsync("rollout", "status", "deployment/web", "-n", ns, "--timeout=60s");
        var history = await cluster.OkAsync("rollout", "history", "deployment/web", "-n", ns);
        var undo = await cluster.OkAsync("rollout", "undo", "deployment/web", "-n", ns);
        await cluster.OkAsync("rollout", "status", "deployment/web", "-n", ns, "--timeout=60s");
        var image = await cluster.OkAsync("get", "deploy", "web", "-n", ns, "-o", "jsonpath={.spec.template.spec.containers[0].image}");
        var replicaSets = await cluster.OkAsync("get", "rs", "-n", ns);
        var all = await cluster.OkAsync("get", "all", "-n", ns);
        var describe = await cluster.OkAsync("describe", "deployment", "web", "-n", ns);

        Assert.Contains("successfully rolled out", status, StringComparison.Ordinal);
        Assert.Equal("deployment.apps/web scaled\n", scaled);
        Assert.Matches(@"(?m)^web\s+3/3\s+3\s+3\s+", deploys);
        Assert.Equal("deployment.apps/web image updated\n", setImage);
        Assert.Matches(@"(?m)^1\s+<none>$", history);
        Assert.Matches(@"(?m)^2\s+<none>$", history);
        Assert.Equal("deployment.apps/web rolled back\n", undo);
        Assert.Equal("minikube/busybox:1.0", image);
        Assert.Matches(@"(?m)^web-[a-z0-9]+\s+3\s+3\s+3\s+", replicaSets);
        Assert.Contains("deployment.apps/web", all, StringComparison.Ordinal);
        Assert.Contains("replicaset.apps/web-", all, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^pod/web-[a-z0-9]+-[a-z0-9]+\s+1/1\s+Running", all);
        Assert.Contains("Replicas:               3 desired | 3 updated | 3 total | 3 available | 0 unavailable", describe, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Label_annotate_and_the_three_patch_types_change_a_pod()
    {
        var ns = await cluster.NewNamespaceAsync();
        await cluster.OkAsync("create", "-n", ns, "-f", cluster.WriteFile("pod.yaml", Manifests.Pod("web")));

        Assert.Equal("pod/web labeled\n", await cluster.OkAsync("label", "pod", "web", "-n", ns, "tier=front"));
        Assert.Equal("pod/web annotated\n", await cluster.OkAsync("annotate", "pod", "web", "-n", ns, "note=hello"));
        Assert.Equal("pod/web patched\n", await cluster.OkAsync("patch", "pod", "web", "-n", ns, "-p", """{"metadata":{"labels":{"s":"1"}}}"""));
        Assert.Equal("pod/web patched\n", await cluster.OkAsync("patch", "pod", "web", "-n", ns, "--type=merge", "-p", """{"metadata":{"labels":{"m":"1"}}}"""));
        Assert.Equal("pod/web patched\n", await cluster.OkAsync("patch", "pod", "web", "-n", ns, "--type=json", "-p",
            """[{"op":"replace","path":"/spec/containers/0/image","value":"minikube/busybox:2.0"}]"""));
        // A strategic merge patch merges containers by name instead of replacing the list.
        await cluster.OkAsync("patch", "pod", "web", "-n", ns, "-p", """{"spec":{"containers":[{"name":"main","image":"minikube/busybox:1.0"}]}}""");

        var pod = await cluster.Server.Client.GetAsync<Pod>("web", ns);
        Assert.Equal("front", pod.Metadata.Labels!["tier"]);
        Assert.Equal("1", pod.Metadata.Labels["s"]);
        Assert.Equal("1", pod.Metadata.Labels["m"]);
        Assert.Equal("hello", pod.Metadata.Annotations!["note"]);
        var container = Assert.Single(pod.Spec!.Containers);
        Assert.Equal("minikube/busybox:1.0", container.Image);
        Assert.Equal(["sleep", "3600"], container.Command);
    }

    [Fact]
    public async Task Edit_saves_what_the_editor_wrote()
    {
        var ns = await cluster.NewNamespaceAsync();
        await cluster.OkAsync("create", "-n", ns, "-f", cluster.WriteFile("pod.yaml", Manifests.Pod("web")));
        var editor = cluster.WriteFile("editor.sh", "#!/bin/sh\nsed -i 's/app: web/app: edited/' \"$1\"\n");

        var result = await cluster.RunAsync(["edit", "pod", "web", "-n", ns], environment: new Dictionary<string, string> { ["EDITOR"] = "sh " + editor });

        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.Equal("pod/web edited\n", result.Stdout);
        var pod = await cluster.Server.Client.GetAsync<Pod>("web", ns);
        Assert.Equal("edited", pod.Metadata.Labels!["app"]);
    }

    [Fact]
    public async Task Create_with_an_unknown_field_is_refused_naming_the_field()
    {
        var ns = await cluster.NewNamespaceAsync();
        var file = cluster.WriteFile("bad.yaml", Manifests.Pod("bad").Replace("    image:", "    imagee: x\n    image:", StringComparison.Ordinal));

        var result = await cluster.RunAsync(["create", "-n", ns, "-f", file]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("imagee", result.Stderr, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ApiException>(() => cluster.Server.Client.GetAsync<Pod>("bad", ns));
    }

    [Fact]
    public async Task Create_of_an_existing_pod_says_AlreadyExists()
    {
        var ns = await cluster.NewNamespaceAsync();
        var file = cluster.WriteFile("pod.yaml", Manifests.Pod("web"));
        await cluster.OkAsync("create", "-n", ns, "-f", file);

        var again = await cluster.RunAsync(["create", "-n", ns, "-f", file]);

        Assert.NotEqual(0, again.ExitCode);
        Assert.Contains("Error from server (AlreadyExists)", again.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_by_name_by_file_and_by_label()
    {
        var ns = await cluster.NewNamespaceAsync();
        var one = cluster.WriteFile("one.yaml", Manifests.Pod("one"));
        await cluster.OkAsync("create", "-n", ns, "-f", one);
        await cluster.OkAsync("create", "-n", ns, "-f", cluster.WriteFile("two.yaml", Manifests.Pod("two", app: "batch")));
        await cluster.OkAsync("create", "-n", ns, "-f", cluster.WriteFile("three.yaml", Manifests.Pod("three", app: "batch")));
        await cluster.OkAsync("create", "-n", ns, "-f", cluster.WriteFile("four.yaml", Manifests.Pod("four", app: "keep")));
        await cluster.OkAsync("wait", "-n", ns, "--for=condition=Ready", "pod/one", "pod/two", "pod/three", "pod/four", "--timeout=60s");

        var byFile = await cluster.OkAsync("delete", "-n", ns, "-f", one);
        var byLabel = await cluster.OkAsync("delete", "pods", "-n", ns, "-l", "app=batch");
        var byName = await cluster.OkAsync("delete", "pod", "four", "-n", ns);
        var left = await cluster.RunAsync(["get", "pods", "-n", ns]);

        Assert.Equal("pod \"one\" deleted\n", byFile);
        Assert.Contains("pod \"two\" deleted", byLabel, StringComparison.Ordinal);
        Assert.Contains("pod \"three\" deleted", byLabel, StringComparison.Ordinal);
        Assert.Equal("pod \"four\" deleted\n", byName);
        Assert.Equal("", left.Stdout);
        Assert.Contains("No resources found", left.Stderr, StringComparison.Ordinal);
    }
}
