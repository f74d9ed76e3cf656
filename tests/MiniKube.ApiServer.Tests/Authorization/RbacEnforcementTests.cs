using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Security;
using MiniKube.Testing;

namespace MiniKube.ApiServer.Tests.Authorization;

/// <summary>
/// A real API server with <c>--token-auth-file</c> and <c>--authorization-mode RBAC</c> over real etcd: the bootstrap
/// policy, bindings made by a system:masters user, and Kubernetes' 403 on both wires.
/// </summary>
public sealed class RbacEnforcementTests : IAsyncLifetime
{
    private const string AdminToken = "admin-token-0123456789";
    private const string JaneToken = "jane-token-0123456789";
    private const string BobToken = "bob-token-0123456789";
    private readonly string _tokenFile = Path.Combine(Path.GetTempPath(), "minikube-rbac-tokens-" + Guid.NewGuid().ToString("N") + ".csv");
    private TestApiServer? _server;
    private MiniKubeClient? _admin;

    private TestApiServer Server => _server!;

    private MiniKubeClient Admin => _admin!;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(_tokenFile, $"{AdminToken},root,1,\"system:masters\"\n{JaneToken},jane,1001\n{BobToken},bob,1002,\"devs\"\n");
        _server = await TestApiServer.StartAsync(configure: o =>
        {
            o.TokenAuthFile = _tokenFile;
            o.AuthorizationMode = "RBAC";
        });
        _admin = Server.NewClient(new ClientCredentials { BearerToken = AdminToken });
    }

    public async Task DisposeAsync()
    {
        _admin?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        File.Delete(_tokenFile);
    }

    [Fact]
    public async Task Bootstrap_roles_and_bindings_exist_with_kubernetes_names()
    {
        var roles = (await Admin.ListAsync<ClusterRole>()).Items.Select(r => r.Metadata.Name).ToHashSet();
        var bindings = (await Admin.ListAsync<ClusterRoleBinding>()).Items.ToDictionary(b => b.Metadata.Name!);

        foreach (var name in new[] { "cluster-admin", "admin", "edit", "view", "system:basic-user", "system:discovery", "system:kube-scheduler",
                     "system:kube-controller-manager", "system:node-proxier", "system:node" })
        {
            Assert.Contains(name, roles);
        }
        Assert.Equal("system:masters", Assert.Single(bindings["cluster-admin"].Subjects!).Name);
        Assert.Equal("system:kube-proxy", Assert.Single(bindings["system:node-proxier"].Subjects!).Name);
        Assert.Equal("system:authenticated", Assert.Single(bindings["system:basic-user"].Subjects!).Name);
    }

    [Fact]
    public async Task A_view_user_lists_pods_in_its_namespace_but_may_not_create_them_there_or_list_elsewhere()
    {
        var (granted, other) = (await NamespaceAsync(), await NamespaceAsync());
        await BindAsync(new RoleBinding
        {
            Metadata = new ObjectMeta { Name = "jane-view", Namespace = granted },
            RoleRef = new RoleRef { ApiGroup = RbacGroup.Name, Kind = "ClusterRole", Name = "view" },
            Subjects = [new Subject { Kind = "User", ApiGroup = RbacGroup.Name, Name = "jane" }],
        });
        using var http = Http(JaneToken);

        using var list = await http.GetAsync($"/api/v1/namespaces/{granted}/pods");
        using var create = await http.PostAsync($"/api/v1/namespaces/{granted}/pods", Json(TestObjects.Pod("web")));
        using var elsewhere = await http.GetAsync($"/api/v1/namespaces/{other}/pods");

        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        await AssertForbiddenAsync(create, $"pods is forbidden: User \"jane\" cannot create resource \"pods\" in API group \"\" in the namespace \"{granted}\"",
            kind: "pods", name: null);
        await AssertForbiddenAsync(elsewhere, $"pods is forbidden: User \"jane\" cannot list resource \"pods\" in API group \"\" in the namespace \"{other}\"",
            kind: "pods", name: null);
    }

    [Fact]
    public async Task Grpc_denials_are_PermissionDenied_with_the_same_Forbidden_status()
    {
        var ns = await NamespaceAsync();
        using var jane = Server.NewClient(new ClientCredentials { BearerToken = JaneToken });

        var create = await Assert.ThrowsAsync<ApiException>(() => jane.CreateAsync(TestObjects.Pod("web", ns)));
        var node = await Assert.ThrowsAsync<ApiException>(() => jane.GetAsync<Node>("n1"));

        Assert.Equal((403, StatusReasons.Forbidden), (create.Code, create.Reason));
        Assert.Equal(Grpc.Core.StatusCode.PermissionDenied, Assert.IsType<Grpc.Core.RpcException>(create.InnerException).StatusCode);
        Assert.Equal($"pods is forbidden: User \"jane\" cannot create resource \"pods\" in API group \"\" in the namespace \"{ns}\"", create.Message);
        Assert.Equal("nodes \"n1\" is forbidden: User \"jane\" cannot get resource \"nodes\" in API group \"\" at the cluster scope", node.Message);
    }

    [Fact]
    public async Task Resource_names_allow_only_the_named_objects()
    {
        var ns = await NamespaceAsync();
        await Admin.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "allowed", Namespace = ns } });
        await Admin.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "other", Namespace = ns } });
        await BindAsync(new Role
        {
            Metadata = new ObjectMeta { Name = "one-config", Namespace = ns },
            Rules = [new PolicyRule { Verbs = ["get"], ApiGroups = [""], Resources = ["configmaps"], ResourceNames = ["allowed"] }],
        });
        await BindAsync(new RoleBinding
        {
            Metadata = new ObjectMeta { Name = "bob-one-config", Namespace = ns },
            RoleRef = new RoleRef { ApiGroup = RbacGroup.Name, Kind = "Role", Name = "one-config" },
            Subjects = [new Subject { Kind = "Group", ApiGroup = RbacGroup.Name, Name = "devs" }],
        });
        using var bob = Server.NewClient(new ClientCredentials { BearerToken = BobToken });

        Assert.Equal("allowed", (await bob.GetAsync<ConfigMap>("allowed", ns)).Metadata.Name);
        var other = await Assert.ThrowsAsync<ApiException>(() => bob.GetAsync<ConfigMap>("other", ns));
        var list = await Assert.ThrowsAsync<ApiException>(() => bob.ListAsync<ConfigMap>(ns));
        Assert.Equal($"configmaps \"other\" is forbidden: User \"bob\" cannot get resource \"configmaps\" in API group \"\" in the namespace \"{ns}\"", other.Message);
        Assert.Equal(403, list.Code);
    }

    [Fact]
    public async Task Non_resource_urls_are_authorized_before_routing()
    {
        using var http = Http(JaneToken);
        using var before = await http.GetAsync("/logs/kube-apiserver.log");
        await AssertForbiddenAsync(before, "forbidden: User \"jane\" cannot get path \"/logs/kube-apiserver.log\"", kind: null, name: null);

        await BindAsync(new ClusterRole { Metadata = new ObjectMeta { Name = "log-reader" }, Rules = [new PolicyRule { Verbs = ["get"], NonResourceURLs = ["/logs/*"] }] });
        await BindAsync(new ClusterRoleBinding
        {
            Metadata = new ObjectMeta { Name = "jane-log-reader" },
            RoleRef = new RoleRef { ApiGroup = RbacGroup.Name, Kind = "ClusterRole", Name = "log-reader" },
            Subjects = [new Subject { Kind = "User", ApiGroup = RbacGroup.Name, Name = "jane" }],
        });
        using var after = await http.GetAsync("/logs/kube-apiserver.log");

        // Allowed now, and the server has no such path.
        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
        using var discovery = await http.GetAsync("/apis");
        Assert.Equal(HttpStatusCode.OK, discovery.StatusCode);
    }

    [Fact]
    public async Task System_masters_may_do_anything_and_self_subject_access_reviews_answer_for_the_caller()
    {
        using var admin = Http(AdminToken);
        using var jane = Http(JaneToken);
        const string review = """{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","spec":{"resourceAttributes":{"verb":"delete","resource":"nodes","name":"n1"}}}""";

        using var adminReview = await admin.PostAsync("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", new StringContent(review, Encoding.UTF8, "application/json"));
        using var janeReview = await jane.PostAsync("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", new StringContent(review, Encoding.UTF8, "application/json"));
        using var nodes = await admin.GetAsync("/api/v1/nodes");

        Assert.Equal(HttpStatusCode.Created, adminReview.StatusCode);
        Assert.True((bool?)JsonNode.Parse(await adminReview.Content.ReadAsStringAsync())!["status"]!["allowed"]);
        Assert.Equal(HttpStatusCode.Created, janeReview.StatusCode);
        Assert.False((bool?)JsonNode.Parse(await janeReview.Content.ReadAsStringAsync())!["status"]!["allowed"]);
        Assert.Equal(HttpStatusCode.OK, nodes.StatusCode);
    }

    private async Task<string> NamespaceAsync()
    {
        var name = "t-" + Guid.NewGuid().ToString("N")[..8];
        await Admin.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = name } });
        return name;
    }

    /// <summary>Creates an RBAC object and waits until the authorizer's policy has it (its watch delivers it within milliseconds).</summary>
    private async Task BindAsync(KubeObject obj)
    {
        await Admin.CreateAsync(obj, dryRun: false);
        var rbac = Server.Services.GetRequiredService<RbacAuthorizer>();
        await Eventually.WaitAsync(() => Task.FromResult(rbac.Contains(obj)), TimeSpan.FromSeconds(10), $"the RBAC policy to hold {obj.Kind} {obj.Metadata.Name}");
    }

    private static async Task AssertForbiddenAsync(HttpResponseMessage response, string message, string? kind, string? name)
    {
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var status = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.Equal("Status", (string?)status["kind"]);
        Assert.Equal("Failure", (string?)status["status"]);
        Assert.Equal("Forbidden", (string?)status["reason"]);
        Assert.Equal(403, (int?)status["code"]);
        Assert.Equal(message, (string?)status["message"]);
        Assert.Equal(kind, (string?)status["details"]?["kind"]);
        Assert.Equal(name, (string?)status["details"]?["name"]);
    }

    private static StringContent Json(KubeObject obj) => new(Encoding.UTF8.GetString(KubeSerializer.ToJsonBytes(obj)), Encoding.UTF8, "application/json");

    private HttpClient Http(string token)
    {
        var http = new HttpClient { BaseAddress = new Uri(Server.HttpAddress) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }
}
