using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Security;
using MiniKube.Testing;

namespace MiniKube.Kubectl.Tests;

/// <summary>
/// The real kubectl against an API server with <c>--token-auth-file</c> and <c>--authorization-mode RBAC</c>: each user has
/// a kubeconfig with its token; jane may view one namespace, root is in system:masters.
/// </summary>
public sealed class KubectlRbacTests(RbacKubectlCluster cluster) : IClassFixture<RbacKubectlCluster>
{
    [Fact]
    public async Task A_view_user_gets_pods_but_kubectl_reports_Forbidden_for_create_and_for_other_namespaces()
    {
        var (granted, other) = (await cluster.NamespaceAsync(), await cluster.NamespaceAsync());
        await cluster.BindViewAsync("jane", granted);
        var pod = cluster.WriteFile("pod.yaml", Manifests.Pod("web"));

        var list = await cluster.RunAsync("jane", "get", "pods", "-n", granted);
        var create = await cluster.RunAsync("jane", "create", "-n", granted, "-f", pod);
        var elsewhere = await cluster.RunAsync("jane", "get", "pods", "-n", other);
        var node = await cluster.RunAsync("jane", "get", "node", "n1");

        Assert.True(list.ExitCode == 0, list.Describe());
        Assert.Equal(1, create.ExitCode);
        Assert.Equal($"Error from server (Forbidden): error when creating \"{pod}\": pods is forbidden: User \"jane\" cannot create resource \"pods\" in API group \"\" in the namespace \"{granted}\"\n",
            create.Stderr);
        Assert.Equal($"Error from server (Forbidden): pods is forbidden: User \"jane\" cannot list resource \"pods\" in API group \"\" in the namespace \"{other}\"\n",
            elsewhere.Stderr);
        Assert.Equal("Error from server (Forbidden): nodes \"n1\" is forbidden: User \"jane\" cannot get resource \"nodes\" in API group \"\" at the cluster scope\n",
            node.Stderr);
    }

    [Fact]
    public async Task Auth_can_i_answers_yes_and_no_with_kubectl_exit_codes()
    {
        var (granted, other) = (await cluster.NamespaceAsync(), await cluster.NamespaceAsync());
        await cluster.BindViewAsync("jane", granted);

        var list = await cluster.RunAsync("jane", "auth", "can-i", "list", "pods", "-n", granted);
        var create = await cluster.RunAsync("jane", "auth", "can-i", "create", "pods", "-n", granted);
        var elsewhere = await cluster.RunAsync("jane", "auth", "can-i", "list", "pods", "-n", other);
        var secrets = await cluster.RunAsync("jane", "auth", "can-i", "get", "secrets", "-n", granted);
        var admin = await cluster.RunAsync("root", "auth", "can-i", "delete", "nodes");

        Assert.True(list.ExitCode == 0, list.Describe());
        Assert.Equal((0, "yes\n"), (list.ExitCode, list.Stdout));
        Assert.Equal((1, "no\n"), (create.ExitCode, create.Stdout));
        Assert.Equal((1, "no\n"), (elsewhere.ExitCode, elsewhere.Stdout));
        Assert.Equal((1, "no\n"), (secrets.ExitCode, secrets.Stdout));
        Assert.Equal((0, "yes\n"), (admin.ExitCode, admin.Stdout));
    }

    [Fact]
    public async Task Cluster_admin_through_system_masters_creates_roles_and_bindings_with_kubectl()
    {
        var ns = await cluster.NamespaceAsync();

        var role = await cluster.RunAsync("root", "create", "role", "pod-reader", "-n", ns, "--verb=get,list", "--resource=pods");
        var binding = await cluster.RunAsync("root", "create", "rolebinding", "bob-reads", "-n", ns, "--role=pod-reader", "--user=bob");
        var roles = await cluster.RunAsync("root", "get", "roles,rolebindings", "-n", ns);
        var view = await cluster.RunAsync("root", "get", "clusterrole", "view", "-o", "jsonpath={.metadata.labels.kubernetes\\.io/bootstrapping}");

        Assert.True(role.ExitCode == 0, role.Describe());
        Assert.True(binding.ExitCode == 0, binding.Describe());
        Assert.Matches(@"(?m)^role\.rbac\.authorization\.k8s\.io/pod-reader\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", roles.Stdout);
        Assert.Matches(@"(?m)^rolebinding\.rbac\.authorization\.k8s\.io/bob-reads\s+Role/pod-reader\s+\d+s$", roles.Stdout);
        Assert.Equal("rbac-defaults", view.Stdout);
        await cluster.WaitForPolicyAsync<RoleBinding>("bob-reads", ns);
        var bob = await cluster.RunAsync("bob", "auth", "can-i", "list", "pods", "-n", ns);
        Assert.Equal((0, "yes\n"), (bob.ExitCode, bob.Stdout));
    }

    [Fact]
    public async Task Kubectl_creates_a_SubjectAccessReview_and_a_TokenReview_and_prints_their_status()
    {
        var granted = await cluster.NamespaceAsync();
        await cluster.BindViewAsync("jane", granted);
        var allowed = cluster.WriteFile("sar.yaml", $"""
            apiVersion: authorization.k8s.io/v1
            kind: SubjectAccessReview
            spec:
              user: jane
              resourceAttributes:
                verb: list
                resource: pods
                namespace: {granted}
            """);
        var denied = cluster.WriteFile("sar-denied.yaml", $"""
            apiVersion: authorization.k8s.io/v1
            kind: SubjectAccessReview
            spec:
              user: jane
              resourceAttributes:
                verb: create
                resource: pods
                namespace: {granted}
            """);
        var token = cluster.WriteFile("tokenreview.yaml", """
            apiVersion: authentication.k8s.io/v1
            kind: TokenReview
            spec:
              token: bob-token-0123456789
            """);

        // --validate=false: kubectl validates a kind without a PATCH operation (create-only reviews) against OpenAPI v2, which
        // this server does not serve (v3 only); a real cluster's kubectl validates it there.
        var yes = await cluster.RunAsync("root", "create", "--validate=false", "-f", allowed, "-o", "jsonpath={.status.allowed}");
        var no = await cluster.RunAsync("root", "create", "--validate=false", "-f", denied, "-o", "yaml");
        var who = await cluster.RunAsync("root", "create", "--validate=false", "-f", token, "-o", "jsonpath={.status.authenticated} {.status.user.username}");
        var notAllowed = await cluster.RunAsync("jane", "create", "--validate=false", "-f", allowed, "-o", "yaml");

        Assert.True(yes.ExitCode == 0, yes.Describe());
        Assert.Equal("true", yes.Stdout);
        Assert.True(no.ExitCode == 0, no.Describe());
        Assert.Contains("kind: SubjectAccessReview", no.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^status:\n  allowed: false$", no.Stdout);
        Assert.True(who.ExitCode == 0, who.Describe());
        Assert.Equal("true bob", who.Stdout);
        Assert.Equal(1, notAllowed.ExitCode);
        Assert.Contains("subjectaccessreviews.authorization.k8s.io is forbidden: User \"jane\" cannot create resource \"subjectaccessreviews\" in API group \"authorization.k8s.io\" at the cluster scope",
            notAllowed.Stderr, StringComparison.Ordinal);
    }
}

/// <summary>
/// A real API server (TLS, tokens, RBAC) and a kubeconfig per user; kubectl runs with a fresh HOME. TLS because kubectl
/// sends a bearer token only over https.
/// </summary>
public sealed class RbacKubectlCluster : IAsyncLifetime
{
    private static readonly Dictionary<string, string> Tokens = new()
    {
        ["root"] = "root-token-0123456789",
        ["jane"] = "jane-token-0123456789",
        ["bob"] = "bob-token-0123456789",
    };

    private readonly CertificateAuthority _ca = CertificateAuthority.Create("minikube-rbac-test-ca");
    private TestApiServer? _server;
    private MiniKubeClient? _admin;

    public string Home { get; } = Path.Combine(Path.GetTempPath(), "minikube-kubectl-rbac-" + Guid.NewGuid().ToString("N")[..8]);

    private TestApiServer Server => _server!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Home);
        var tokenFile = Path.Combine(Home, "tokens.csv");
        await File.WriteAllTextAsync(tokenFile, $"{Tokens["root"]},root,1,\"system:masters\"\n{Tokens["jane"]},jane,1001\n{Tokens["bob"]},bob,1002\n");
        using (var serving = _ca.IssueServing("minikube-apiserver", ["localhost"], [IPAddress.Loopback]))
        {
            PemFiles.Write(serving, Path.Combine(Home, "apiserver.crt"), Path.Combine(Home, "apiserver.key"));
        }
        var caFile = Path.Combine(Home, "ca.crt");
        await File.WriteAllTextAsync(caFile, _ca.Certificate.ExportCertificatePem());
        _server = await TestApiServer.StartAsync(configure: o =>
        {
            o.TlsCertFile = Path.Combine(Home, "apiserver.crt");
            o.TlsPrivateKeyFile = Path.Combine(Home, "apiserver.key");
            o.TokenAuthFile = tokenFile;
            o.AuthorizationMode = "RBAC";
        });
        _admin = Server.NewClient(new ClientCredentials { BearerToken = Tokens["root"], CertificateAuthorities = [_ca.Certificate] });
        foreach (var (user, token) in Tokens)
        {
            await File.WriteAllTextAsync(Path.Combine(Home, user + ".kubeconfig"), $"""
                apiVersion: v1
                kind: Config
                clusters:
                - name: test
                  cluster:
                    server: {Server.HttpAddress}
                    certificate-authority: {caFile}
                users:
                - name: {user}
                  user:
                    token: {token}
                contexts:
                - name: test
                  context:
                    cluster: test
                    user: {user}
                    namespace: default
                current-context: test
                """);
        }
    }

    public async Task<string> NamespaceAsync()
    {
        var name = "t-" + Guid.NewGuid().ToString("N")[..8];
        await _admin!.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = name } });
        return name;
    }

    /// <summary>Binds ClusterRole view to a user in one namespace and waits until the authorizer enforces it.</summary>
    public async Task BindViewAsync(string user, string ns)
    {
        await _admin!.CreateAsync(new RoleBinding
        {
            Metadata = new ObjectMeta { Name = user + "-view", Namespace = ns },
            RoleRef = new RoleRef { ApiGroup = RbacGroup.Name, Kind = "ClusterRole", Name = "view" },
            Subjects = [new Subject { Kind = "User", ApiGroup = RbacGroup.Name, Name = user }],
        });
        await WaitForPolicyAsync<RoleBinding>(user + "-view", ns);
    }

    public Task WaitForPolicyAsync<T>(string name, string? ns) where T : KubeObject, new()
    {
        var rbac = Server.Services.GetRequiredService<RbacAuthorizer>();
        var probe = new T { Metadata = new ObjectMeta { Name = name, Namespace = ns } };
        return Eventually.WaitAsync(() => Task.FromResult(rbac.Contains(probe)), TimeSpan.FromSeconds(10), $"the RBAC policy to hold {typeof(T).Name} {ns}/{name}");
    }

    public string WriteFile(string name, string text)
    {
        var path = Path.Combine(Home, Guid.NewGuid().ToString("N")[..6] + "-" + name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Runs kubectl as one user (bounded); the result carries exit code, stdout and stderr.</summary>
    public async Task<KubectlResult> RunAsync(string user, params string[] args)
    {
        var start = new ProcessStartInfo("/usr/bin/kubectl") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["HOME"] = Home;
        start.Environment["KUBECONFIG"] = Path.Combine(Home, user + ".kubeconfig");
        var output = await ProgramRunner.RunAsync(start, "kubectl " + string.Join(' ', args), TimeSpan.FromSeconds(90));
        return new KubectlResult(args, output.ExitCode, output.StandardOutput, output.StandardError);
    }

    public async Task DisposeAsync()
    {
        _admin?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        _ca.Dispose();
        Directory.Delete(Home, recursive: true);
    }
}
