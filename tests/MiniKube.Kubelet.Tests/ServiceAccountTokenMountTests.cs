using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Security;
using MiniKube.Testing;

namespace MiniKube.Kubelet.Tests;

/// <summary>
/// A real kubelet with Docker against a real API server with tokens, RBAC and the ServiceAccount admission plugin: the pod's
/// token, namespace and (from the kubelet's CA) ca.crt are mounted read-only at /var/run/secrets/kubernetes.io/serviceaccount,
/// and the token read from the container lists pods from the test (127.0.0.1) once a RoleBinding allows it, 403 before, 401
/// once the pod is gone.
/// </summary>
public sealed class ServiceAccountTokenMountTests : IAsyncLifetime
{
    private const string AdminToken = "mount-admin-token-0123456789";
    private const string KubeletToken = "mount-kubelet-token-0123456789";
    private const string Dir = "/var/run/secrets/kubernetes.io/serviceaccount";
    private readonly string _home = Directory.CreateTempSubdirectory("minikube-sa-mount-").FullName;
    private readonly string _node = "sa-" + Guid.NewGuid().ToString("N")[..8];
    private readonly CertificateAuthority _ca = CertificateAuthority.Create("minikube-test-ca");
    private TestApiServer? _server;
    private MiniKubeClient? _admin;

    private MiniKubeClient Admin => _admin!;

    public async Task InitializeAsync()
    {
        var tokens = Path.Combine(_home, "tokens.csv");
        await File.WriteAllTextAsync(tokens, $"{AdminToken},root,1,\"system:masters\"\n{KubeletToken},system:node:{_node},2,\"system:nodes\"\n");
        _server = await TestApiServer.StartAsync(configure: o =>
        {
            o.TokenAuthFile = tokens;
            o.AuthorizationMode = "RBAC";
            o.DisableAdmissionPlugins = [];
        });
        _admin = _server.NewClient(new ClientCredentials { BearerToken = AdminToken });
        // No Node authorizer yet: the kubelet gets the system:node role by a binding (Kubernetes binds none by default).
        await BindAsync(new ClusterRoleBinding
        {
            Metadata = new ObjectMeta { Name = "kubelet-" + _node },
            RoleRef = new RoleRef { ApiGroup = RbacGroup.Name, Kind = "ClusterRole", Name = BootstrapPolicy.NodeRole },
            Subjects = [new Subject { Kind = RbacGroup.UserKind, ApiGroup = RbacGroup.Name, Name = "system:node:" + _node }],
        });
    }

    public async Task DisposeAsync()
    {
        _admin?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        _ca.Dispose();
        Directory.Delete(_home, recursive: true);
    }

    [DockerFact]
    public async Task A_pods_mounted_token_lists_pods_when_a_RoleBinding_allows_it_and_dies_with_the_pod()
    {
        var ns = await NamespaceAsync();
        await using var env = await KubeletEnvironment.StartAsync(_server!, o => o with
        {
            Credentials = new ClientCredentials { BearerToken = KubeletToken, CertificateAuthorities = [_ca.Certificate] },
        }, _node);
        var pod = await Admin.CreateAsync(Runnable("reader", ns, s => s));
        var running = await Eventually.WaitAsync(() => Admin.GetAsync<Pod>("reader", ns), p => p.Status?.Phase == PodPhase.Running,
            TimeSpan.FromSeconds(60), "the pod running");
        var id = KubeletEnvironment.ContainerId(running, running.Spec!.Containers[0].Name);

        var token = (await DockerCli.RunAsync("exec", id, "cat", Dir + "/token")).StandardOutput;
        var inNamespace = (await DockerCli.RunAsync("exec", id, "cat", Dir + "/namespace")).StandardOutput;
        var ca = (await DockerCli.RunAsync("exec", id, "cat", Dir + "/ca.crt")).StandardOutput;
        var write = await DockerCli.RunAsync("exec", id, "sh", "-c", $"echo x > {Dir}/token");

        Assert.Equal(ns, inNamespace);
        Assert.Equal(_ca.Certificate.ExportCertificatePem() + "\n", ca);
        Assert.NotEqual(0, write.ExitCode);
        var claims = JsonNode.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(token.Split('.')[1]))!;
        Assert.Equal($"system:serviceaccount:{ns}:default", (string?)claims["sub"]);
        Assert.Equal(pod.Metadata.Uid, (string?)claims["kubernetes.io"]!["pod"]!["uid"]);
        Assert.Equal(3607, (long)claims["exp"]! - (long)claims["iat"]!);

        using var http = new HttpClient { BaseAddress = new Uri(_server!.HttpAddress) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using (var denied = await http.GetAsync($"/api/v1/namespaces/{ns}/pods"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
            Assert.Equal($"pods is forbidden: User \"system:serviceaccount:{ns}:default\" cannot list resource \"pods\" in API group \"\" in the namespace \"{ns}\"",
                (string?)JsonNode.Parse(await denied.Content.ReadAsStringAsync())!["message"]);
        }
        await BindAsync(new RoleBinding
        {
            Metadata = new ObjectMeta { Name = "default-view", Namespace = ns },
            RoleRef = new RoleRef { ApiGroup = RbacGroup.Name, Kind = "ClusterRole", Name = "view" },
            Subjects = [new Subject { Kind = RbacGroup.ServiceAccountKind, Name = "default", Namespace = ns }],
        });
        using (var allowed = await http.GetAsync($"/api/v1/namespaces/{ns}/pods"))
        {
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            Assert.Equal("reader", (string?)Assert.Single(JsonNode.Parse(await allowed.Content.ReadAsStringAsync())!["items"]!.AsArray())!["metadata"]!["name"]);
        }

        await Admin.DeleteAsync<Pod>("reader", ns, new DeleteOptions { GracePeriodSeconds = 0 });
        await Eventually.WaitAsync(async () =>
        {
            using var after = await http.GetAsync($"/api/v1/namespaces/{ns}/pods");
            return after.StatusCode == HttpStatusCode.Unauthorized;
        }, TimeSpan.FromSeconds(30), "the deleted pod's token to get 401");
    }

    [DockerFact]
    public async Task A_pod_or_account_with_automount_false_gets_no_token()
    {
        var ns = await NamespaceAsync();
        await Admin.CreateAsync(new ServiceAccount { Metadata = new ObjectMeta { Name = "quiet", Namespace = ns }, AutomountServiceAccountToken = false });
        await using var env = await KubeletEnvironment.StartAsync(_server!, o => o with { Credentials = new ClientCredentials { BearerToken = KubeletToken } }, _node);
        await Admin.CreateAsync(Runnable("by-pod", ns, s => s with { AutomountServiceAccountToken = false }));
        await Admin.CreateAsync(Runnable("by-account", ns, s => s with { ServiceAccountName = "quiet" }));

        foreach (var name in new[] { "by-pod", "by-account" })
        {
            var running = await Eventually.WaitAsync(() => Admin.GetAsync<Pod>(name, ns), p => p.Status?.Phase == PodPhase.Running,
                TimeSpan.FromSeconds(60), $"pod {name} running");
            var id = KubeletEnvironment.ContainerId(running, running.Spec!.Containers[0].Name);
            var list = await DockerCli.RunAsync("exec", id, "ls", Dir);
            Assert.NotEqual(0, list.ExitCode);
        }
    }

    private Pod Runnable(string name, string ns, Func<PodSpec, PodSpec> change)
    {
        var pod = TestObjects.PodWith(name, TestObjects.Shell("main", "sleep 3600"));
        return pod with { Metadata = pod.Metadata with { Namespace = ns }, Spec = change(pod.Spec! with { NodeName = _node }) };
    }

    private async Task<string> NamespaceAsync()
    {
        var ns = "sa-" + Guid.NewGuid().ToString("N")[..8];
        await Admin.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = ns } });
        // No controller-manager here: the test creates what the serviceaccount controller would.
        await Admin.CreateAsync(new ServiceAccount { Metadata = new ObjectMeta { Name = "default", Namespace = ns } });
        return ns;
    }

    private async Task BindAsync(KubeObject binding)
    {
        await Admin.CreateAsync(binding, dryRun: false);
        var rbac = _server!.Services.GetRequiredService<RbacAuthorizer>();
        await Eventually.WaitAsync(() => Task.FromResult(rbac.Contains(binding)), TimeSpan.FromSeconds(30), $"the RBAC policy to hold {binding.Kind} {binding.Metadata.Name}");
    }
}
