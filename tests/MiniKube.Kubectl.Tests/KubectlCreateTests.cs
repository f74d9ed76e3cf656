using System.Text;

namespace MiniKube.Kubectl.Tests;

/// <summary>
/// kubectl's generator subcommands (<c>create namespace|configmap|secret|deployment|service|job</c>) build the object
/// themselves and send it as protobuf: each is stored as its manifest would be, and a deployment made so runs.
/// </summary>
public sealed class KubectlCreateTests(KubectlCluster cluster) : IClassFixture<KubectlCluster>
{
    [Fact]
    public async Task Create_namespace_configmap_and_secret_store_what_the_flags_say()
    {
        var name = "gen-" + Guid.NewGuid().ToString("N")[..8];

        var ns = await cluster.OkAsync("create", "namespace", name);
        var configMap = await cluster.OkAsync("create", "configmap", "settings", "-n", name, "--from-literal=color=blue", "--from-literal=size=L");
        var secret = await cluster.OkAsync("create", "secret", "generic", "creds", "-n", name, "--from-literal=password=s3cret");
        var phase = await cluster.OkAsync("get", "ns", name, "-o", "jsonpath={.status.phase}");
        var data = await cluster.OkAsync("get", "configmap", "settings", "-n", name, "-o", "jsonpath={.data.color},{.data.size}");
        var password = await cluster.OkAsync("get", "secret", "creds", "-n", name, "-o", "jsonpath={.type},{.data.password}");

        Assert.Equal($"namespace/{name} created\n", ns);
        Assert.Equal("configmap/settings created\n", configMap);
        Assert.Equal("secret/creds created\n", secret);
        Assert.Equal("Active", phase);
        Assert.Equal("blue,L", data);
        Assert.Equal("Opaque," + Convert.ToBase64String(Encoding.UTF8.GetBytes("s3cret")), password);
    }

    [Fact]
    public async Task Create_deployment_service_and_job_make_objects_that_work()
    {
        var ns = await cluster.NewNamespaceAsync();

        var deployment = await cluster.OkAsync("create", "deployment", "web", "-n", ns, "--image=minikube/busybox:1.0", "--replicas=2", "--port=8080",
            "--", "sleep", "3600");
        var status = await cluster.OkAsync("rollout", "status", "deployment/web", "-n", ns, "--timeout=90s");
        var spec = await cluster.OkAsync("get", "deploy", "web", "-n", ns, "-o",
            "jsonpath={.spec.replicas},{.spec.selector.matchLabels.app},{.spec.template.spec.containers[0].ports[0].containerPort},{.spec.template.spec.containers[0].command}");
        var service = await cluster.OkAsync("create", "service", "clusterip", "web", "-n", ns, "--tcp=80:8080");
        var ports = await cluster.OkAsync("get", "svc", "web", "-n", ns, "-o", "jsonpath={.spec.ports[0].port},{.spec.ports[0].targetPort},{.spec.selector.app},{.spec.clusterIP}");
        var job = await cluster.OkAsync("create", "job", "once", "-n", ns, "--image=minikube/busybox:1.0", "--", "echo", "hi");
        var jobSpec = await cluster.OkAsync("get", "job", "once", "-n", ns, "-o", "jsonpath={.spec.template.spec.restartPolicy},{.spec.template.spec.containers[0].command}");
        var dryRun = await cluster.OkAsync("create", "configmap", "not-stored", "-n", ns, "--from-literal=a=b", "--dry-run=server");
        var left = await cluster.RunAsync(["get", "configmap", "not-stored", "-n", ns]);

        Assert.Equal("deployment.apps/web created\n", deployment);
        Assert.Contains("successfully rolled out", status, StringComparison.Ordinal);
        Assert.Equal("2,web,8080,[\"sleep\",\"3600\"]", spec);
        Assert.Equal("service/web created\n", service);
        Assert.Matches(@"^80,8080,web,10\.\d+\.\d+\.\d+$", ports);
        Assert.Equal("job.batch/once created\n", job);
        Assert.Equal("Never,[\"echo\",\"hi\"]", jobSpec);
        Assert.Equal("configmap/not-stored created (server dry run)\n", dryRun);
        Assert.NotEqual(0, left.ExitCode);
        Assert.Contains("NotFound", left.Stderr, StringComparison.Ordinal);
    }
}
