using MiniKube.Api;
using MiniKube.Testing;

namespace MiniKube.Kubectl.Tests;

/// <summary>kubectl apply --server-side: repeated applies, managedFields, conflicts between managers, --force-conflicts.</summary>
public sealed class KubectlServerSideApplyTests(KubectlCluster cluster) : IClassFixture<KubectlCluster>
{
    [Fact]
    public async Task Apply_server_side_twice_then_without_a_field_removes_it_and_managedFields_show_the_applier()
    {
        var ns = await cluster.NewNamespaceAsync();
        var file = cluster.WriteFile("deploy.yaml", Manifests.Deployment("web", "minikube/busybox:1.0"));

        var first = await cluster.OkAsync("apply", "--server-side", "-n", ns, "-f", file);
        var second = await cluster.OkAsync("apply", "--server-side", "-n", ns, "-f", file);
        var edited = Manifests.Deployment("web", "minikube/busybox:2.0");
        var withoutEnv = edited[..edited.IndexOf("        env:", StringComparison.Ordinal)];
        Assert.DoesNotContain("env:", withoutEnv, StringComparison.Ordinal);
        File.WriteAllText(file, withoutEnv);
        var third = await cluster.OkAsync("apply", "--server-side", "-n", ns, "-f", file);
        var yaml = await cluster.OkAsync("get", "deploy", "web", "-n", ns, "-o", "yaml", "--show-managed-fields");
        var plainYaml = await cluster.OkAsync("get", "deploy", "web", "-n", ns, "-o", "yaml");

        Assert.Equal("deployment.apps/web serverside-applied\n", first);
        Assert.Equal("deployment.apps/web serverside-applied\n", second);
        Assert.Equal("deployment.apps/web serverside-applied\n", third);
        var deployment = await cluster.Server.Client.GetAsync<Deployment>("web", ns);
        var container = Assert.Single(deployment.Spec!.Template.Spec!.Containers);
        Assert.Equal("minikube/busybox:2.0", container.Image);
        Assert.Null(container.Env);
        Assert.DoesNotContain("env:", plainYaml, StringComparison.Ordinal);
        Assert.Contains("managedFields:", yaml, StringComparison.Ordinal);
        Assert.Contains("manager: kubectl\n", yaml, StringComparison.Ordinal);
        Assert.Contains("operation: Apply", yaml, StringComparison.Ordinal);
        Assert.Contains("fieldsType: FieldsV1", yaml, StringComparison.Ordinal);
        Assert.Contains("f:replicas: {}", yaml, StringComparison.Ordinal);
        Assert.Contains("k:{\"name\":\"main\"}:", yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("f:env", yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("managedFields:", plainYaml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_manager_changing_the_same_field_conflicts_until_it_forces()
    {
        var ns = await cluster.NewNamespaceAsync();
        var a = cluster.WriteFile("a.yaml", Manifests.Deployment("web", "minikube/busybox:1.0", replicas: 2));
        var b = cluster.WriteFile("b.yaml", Manifests.Deployment("web", "minikube/busybox:1.0", replicas: 3));
        await cluster.OkAsync("apply", "--server-side", "--field-manager=a", "-n", ns, "-f", a);

        var conflict = await cluster.RunAsync(["apply", "--server-side", "--field-manager=b", "-n", ns, "-f", b]);
        var unchanged = await cluster.Server.Client.GetAsync<Deployment>("web", ns);
        var forced = await cluster.OkAsync("apply", "--server-side", "--field-manager=b", "--force-conflicts", "-n", ns, "-f", b);
        var after = await cluster.Server.Client.GetAsync<Deployment>("web", ns);

        Assert.NotEqual(0, conflict.ExitCode);
        Assert.Contains("Apply failed with 1 conflict: conflict with \"a\" using apps/v1: .spec.replicas", conflict.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, unchanged.Spec!.Replicas);
        Assert.Equal("deployment.apps/web serverside-applied\n", forced);
        Assert.Equal(3, after.Spec!.Replicas);
        var owners = after.Metadata.ManagedFields!.ToDictionary(e => e.Manager!);
        Assert.DoesNotContain("f:replicas", owners["a"].FieldsV1!.Json, StringComparison.Ordinal);
        Assert.Contains("f:replicas", owners["b"].FieldsV1!.Json, StringComparison.Ordinal);
        Assert.Contains("f:template", owners["a"].FieldsV1!.Json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubectl_scale_takes_the_replicas_so_a_later_apply_of_other_replicas_conflicts()
    {
        var ns = await cluster.NewNamespaceAsync();
        var file = cluster.WriteFile("deploy.yaml", Manifests.Deployment("web", "minikube/busybox:1.0", replicas: 2));
        await cluster.OkAsync("apply", "--server-side", "--field-manager=deployer", "-n", ns, "-f", file);
        await cluster.OkAsync("scale", "deployment", "web", "-n", ns, "--replicas=4");

        var conflict = await cluster.RunAsync(["apply", "--server-side", "--field-manager=deployer", "-n", ns, "-f", file]);
        var deployment = await cluster.Server.Client.GetAsync<Deployment>("web", ns);

        Assert.NotEqual(0, conflict.ExitCode);
        Assert.Matches("Apply failed with 1 conflict: conflict with \"kubectl[^\"]*\" using apps/v1: .spec.replicas", conflict.Stderr);
        Assert.Equal(4, deployment.Spec!.Replicas);
        var scaler = Assert.Single(deployment.Metadata.ManagedFields!, e => e.Operation == "Update");
        Assert.Equal("""{"f:spec":{"f:replicas":{}}}""", scaler.FieldsV1!.Json);
    }

    [Fact]
    public async Task A_client_side_applied_deployment_can_be_applied_server_side()
    {
        var ns = await cluster.NewNamespaceAsync();
        var file = cluster.WriteFile("deploy.yaml", Manifests.Deployment("web", "minikube/busybox:1.0"));
        await cluster.OkAsync("apply", "-n", ns, "-f", file);
        var clientSide = await cluster.Server.Client.GetAsync<Deployment>("web", ns);

        var serverSide = await cluster.OkAsync("apply", "--server-side", "-n", ns, "-f", file);
        var deployment = await cluster.Server.Client.GetAsync<Deployment>("web", ns);

        Assert.Contains(clientSide.Metadata.ManagedFields!, e => e is { Manager: "kubectl-client-side-apply", Operation: "Update" });
        Assert.Equal("deployment.apps/web serverside-applied\n", serverSide);
        Assert.Contains(deployment.Metadata.ManagedFields!, e => e is { Manager: "kubectl", Operation: "Apply" });
        Assert.Equal(2, deployment.Spec!.Replicas);
    }

    [Fact]
    public async Task A_server_dry_run_of_apply_patch_and_replace_stores_nothing()
    {
        var ns = await cluster.NewNamespaceAsync();
        var file = cluster.WriteFile("deploy.yaml", Manifests.Deployment("web", "minikube/busybox:1.0", replicas: 2));
        var dryCreate = await cluster.OkAsync("apply", "--server-side", "--dry-run=server", "-n", ns, "-f", file);
        var missing = await cluster.RunAsync(["get", "deploy", "web", "-n", ns]);
        await cluster.OkAsync("apply", "--server-side", "-n", ns, "-f", file);
        File.WriteAllText(file, Manifests.Deployment("web", "minikube/busybox:1.0", replicas: 5));

        var dryApply = await cluster.OkAsync("apply", "--server-side", "--dry-run=server", "-n", ns, "-f", file);
        var dryPatch = await cluster.OkAsync("patch", "deploy", "web", "-n", ns, "--dry-run=server", "-p", """{"spec":{"replicas":7}}""");
        var dryReplace = await cluster.OkAsync("replace", "--dry-run=server", "-n", ns, "-f", file);
        var after = await cluster.Server.Client.GetAsync<Deployment>("web", ns);

        Assert.Equal("deployment.apps/web serverside-applied (server dry run)\n", dryCreate);
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Equal("deployment.apps/web serverside-applied (server dry run)\n", dryApply);
        // kubectl patch prints no dry-run suffix.
        Assert.Equal("deployment.apps/web patched\n", dryPatch);
        Assert.Equal("deployment.apps/web replaced (server dry run)\n", dryReplace);
        // The controllers still write status; the spec is what the dry runs would have changed.
        Assert.Equal(2, after.Spec!.Replicas);
        Assert.DoesNotContain(after.Metadata.ManagedFields!, e => e.Manager == "kubectl-patch" || e.Operation == "Update");
    }

    [Fact]
    public async Task Apply_server_side_without_a_field_manager_is_refused_by_the_api()
    {
        var ns = await cluster.NewNamespaceAsync();
        using var http = new HttpClient();
        using var body = new StringContent("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: v\n");
        body.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/apply-patch+yaml");

        using var refused = await http.PatchAsync($"{cluster.Server.HttpAddress}/api/v1/namespaces/{ns}/configmaps/c", body);
        using var applied = await http.PatchAsync($"{cluster.Server.HttpAddress}/api/v1/namespaces/{ns}/configmaps/c?fieldManager=curl", body);

        Assert.Equal(422, (int)refused.StatusCode);
        Assert.Contains("fieldManager: Required value", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(200, (int)applied.StatusCode);
        var map = await cluster.Server.Client.GetAsync<ConfigMap>("c", ns);
        Assert.Equal("v", map.Data!["k"]);
        Assert.Equal("curl", Assert.Single(map.Metadata.ManagedFields!).Manager);
    }
}
