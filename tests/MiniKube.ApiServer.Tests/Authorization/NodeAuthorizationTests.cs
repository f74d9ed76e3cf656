using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using MiniKube.Client;
using MiniKube.Security;
using MiniKube.Testing;

namespace MiniKube.ApiServer.Tests.Authorization;

/// <summary>
/// A real API server and etcd with TLS, client certificates and <c>--authorization-mode Node,RBAC</c>: a kubelet's
/// certificate (system:node:n1, group system:nodes) reads its own pods and the Secrets they use, and nothing of n2's;
/// NodeRestriction refuses it writing n2's Node or pod status; SubjectAccessReview and TokenReview answer for others.
/// </summary>
public sealed class NodeAuthorizationTests : IAsyncLifetime
{
    private const string AdminToken = "admin-token-node-authz";
    private const string ReviewerToken = "reviewer-token-node-authz";
    private readonly string _dir = Directory.CreateTempSubdirectory("minikube-nodeauthz-").FullName;
    private readonly CertificateAuthority _ca = CertificateAuthority.Create("minikube-nodeauthz-ca");
    private TestApiServer? _server;
    private X509Certificate2? _n1;

    private TestApiServer Server => _server!;

    public async Task InitializeAsync()
    {
        using (var serving = _ca.IssueServing("minikube-apiserver", ["localhost"], [IPAddress.Loopback]))
        {
            PemFiles.Write(serving, Path.Combine(_dir, "apiserver.crt"), Path.Combine(_dir, "apiserver.key"));
        }
        await File.WriteAllTextAsync(Path.Combine(_dir, "ca.crt"), _ca.Certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(_dir, "tokens.csv"), $"{AdminToken},admin,1,\"system:masters\"\n{ReviewerToken},reviewer,2\n");
        _server = await TestApiServer.StartAsync(configure: o =>
        {
            o.TlsCertFile = Path.Combine(_dir, "apiserver.crt");
            o.TlsPrivateKeyFile = Path.Combine(_dir, "apiserver.key");
            o.ClientCAFile = Path.Combine(_dir, "ca.crt");
            o.TokenAuthFile = Path.Combine(_dir, "tokens.csv");
            o.AuthorizationMode = "Node,RBAC";
        });
        _n1 = _ca.IssueClient("system:node:n1", ["system:nodes"]);
    }

    public async Task DisposeAsync()
    {
        _n1?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        _ca.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task A_kubelet_reads_its_pods_and_the_secrets_they_use_but_not_another_nodes()
    {
        using var admin = Https(token: AdminToken);
        using var n1 = Https(_n1);
        var ns = await NamespaceAsync(admin);
        await CreateAsync(admin, $"/api/v1/namespaces/{ns}/secrets", Secret("used"));
        await CreateAsync(admin, $"/api/v1/namespaces/{ns}/secrets", Secret("unused"));
        await CreateAsync(admin, $"/api/v1/namespaces/{ns}/pods", Pod("mine", "n1", "used"));
        await CreateAsync(admin, $"/api/v1/namespaces/{ns}/pods", Pod("theirs", "n2", "unused"));

        // The graph follows the pod watch: wait until it has seen n1's pod.
        await Eventually.WaitAsync(async () =>
        {
            using var own = await n1.GetAsync($"/api/v1/namespaces/{ns}/pods/mine");
            return own.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(30), "n1 to be allowed its own pod");
        using var secret = await n1.GetAsync($"/api/v1/namespaces/{ns}/secrets/used");
        using var otherPod = await n1.GetAsync($"/api/v1/namespaces/{ns}/pods/theirs");
        using var otherSecret = await n1.GetAsync($"/api/v1/namespaces/{ns}/secrets/unused");
        using var allSecrets = await n1.GetAsync($"/api/v1/namespaces/{ns}/secrets");
        using var all = await n1.GetAsync("/api/v1/pods");
        using var own = await n1.GetAsync("/api/v1/pods?fieldSelector=spec.nodeName%3Dn1");
        using var others = await n1.GetAsync("/api/v1/pods?fieldSelector=spec.nodeName%3Dn2");

        Assert.Equal(HttpStatusCode.OK, secret.StatusCode);
        // As Kubernetes since 1.32: a node lists only its own pods, and must say so with the field selector.
        Assert.Equal(HttpStatusCode.Forbidden, all.StatusCode);
        Assert.Equal(
            "pods is forbidden: User \"system:node:n1\" cannot list resource \"pods\" in API group \"\" at the cluster scope: can only list/watch pods with spec.nodeName field selector",
            await MessageAsync(all));
        Assert.Equal(HttpStatusCode.Forbidden, others.StatusCode);
        Assert.True(own.StatusCode == HttpStatusCode.OK, await own.Content.ReadAsStringAsync());
        var ownNames = JsonNode.Parse(await own.Content.ReadAsStringAsync())!["items"]!.AsArray()
            .Select(item => (string)item!["metadata"]!["name"]!).Where(name => name is "mine" or "theirs").ToArray();
        Assert.Equal(["mine"], ownNames);
        Assert.Equal(HttpStatusCode.Forbidden, otherPod.StatusCode);
        Assert.Equal(
            $"pods \"theirs\" is forbidden: User \"system:node:n1\" cannot get resource \"pods\" in API group \"\" in the namespace \"{ns}\": no relationship found between node 'n1' and this object",
            await MessageAsync(otherPod));
        Assert.Equal(HttpStatusCode.Forbidden, otherSecret.StatusCode);
        Assert.Equal(
            $"secrets \"unused\" is forbidden: User \"system:node:n1\" cannot get resource \"secrets\" in API group \"\" in the namespace \"{ns}\": no relationship found between node 'n1' and this object",
            await MessageAsync(otherSecret));
        Assert.Equal(HttpStatusCode.Forbidden, allSecrets.StatusCode);
    }

    [Fact]
    public async Task NodeRestriction_refuses_a_kubelet_writing_another_nodes_Node_or_pod_status()
    {
        using var admin = Https(token: AdminToken);
        using var n1 = Https(_n1);
        var ns = await NamespaceAsync(admin);
        await CreateAsync(admin, "/api/v1/nodes", """{"apiVersion":"v1","kind":"Node","metadata":{"name":"n2"}}""");
        await CreateAsync(n1, "/api/v1/nodes", """{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"}}""");
        await CreateAsync(admin, $"/api/v1/namespaces/{ns}/pods", Pod("theirs", "n2", null));
        await CreateAsync(admin, $"/api/v1/namespaces/{ns}/pods", Pod("mine", "n1", null));

        var node2 = await GetJsonAsync(admin, "/api/v1/nodes/n2");
        node2["metadata"]!["labels"] = new JsonObject { ["stolen"] = "yes" };
        using var updateNode = await n1.PutAsync("/api/v1/nodes/n2", Json(node2.ToJsonString()));
        using var createPod = await n1.PostAsync($"/api/v1/namespaces/{ns}/pods", Json(Pod("made-up", "n1", null)));
        var node1 = await GetJsonAsync(admin, "/api/v1/nodes/n1");
        node1["metadata"]!["labels"] = new JsonObject { ["node-restriction.kubernetes.io/pool"] = "trusted" };
        using var restrictedLabel = await n1.PutAsync("/api/v1/nodes/n1", Json(node1.ToJsonString()));

        // A node reads only its own Node object.
        using var readOther = await n1.GetAsync("/api/v1/nodes/n2");
        using var readOwn = await n1.GetAsync("/api/v1/nodes/n1");
        using var listAll = await n1.GetAsync("/api/v1/nodes");
        using var listOwn = await n1.GetAsync("/api/v1/nodes?fieldSelector=metadata.name%3Dn1");
        Assert.Equal(HttpStatusCode.Forbidden, readOther.StatusCode);
        Assert.Equal(
            "nodes \"n2\" is forbidden: User \"system:node:n1\" cannot get resource \"nodes\" in API group \"\" at the cluster scope: node 'n1' cannot read 'n2', only its own Node object",
            await MessageAsync(readOther));
        Assert.Equal(HttpStatusCode.OK, readOwn.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, listAll.StatusCode);
        Assert.Equal(
            "nodes is forbidden: User \"system:node:n1\" cannot list resource \"nodes\" in API group \"\" at the cluster scope: node 'n1' cannot read all nodes, only its own Node object",
            await MessageAsync(listAll));
        Assert.Equal(HttpStatusCode.OK, listOwn.StatusCode);

        Assert.Equal(HttpStatusCode.Forbidden, updateNode.StatusCode);
        Assert.Equal("nodes \"n2\" is forbidden: node \"n1\" is not allowed to modify node \"n2\"", await MessageAsync(updateNode));
        Assert.Equal(HttpStatusCode.Forbidden, createPod.StatusCode);
        Assert.Equal("pods \"made-up\" is forbidden: pod does not have \"kubernetes.io/config.mirror\" annotation, node \"n1\" can only create mirror pods",
            await MessageAsync(createPod));
        Assert.Equal(HttpStatusCode.Forbidden, restrictedLabel.StatusCode);
        Assert.Equal("nodes \"n1\" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/pool", await MessageAsync(restrictedLabel));

        var theirs = await GetJsonAsync(admin, $"/api/v1/namespaces/{ns}/pods/theirs");
        theirs["status"] = new JsonObject { ["phase"] = "Failed" };
        using var theirStatus = await n1.PutAsync($"/api/v1/namespaces/{ns}/pods/theirs/status", Json(theirs.ToJsonString()));
        var mine = await GetJsonAsync(admin, $"/api/v1/namespaces/{ns}/pods/mine");
        mine["status"] = new JsonObject { ["phase"] = "Running" };
        using var myStatus = await n1.PutAsync($"/api/v1/namespaces/{ns}/pods/mine/status", Json(mine.ToJsonString()));

        Assert.Equal(HttpStatusCode.Forbidden, theirStatus.StatusCode);
        Assert.Equal("pods \"theirs\" is forbidden: node \"n1\" can only update pod status for pods with spec.nodeName set to itself", await MessageAsync(theirStatus));
        Assert.True(myStatus.StatusCode == HttpStatusCode.OK, await myStatus.Content.ReadAsStringAsync());
        Assert.Equal("Running", (string?)(await GetJsonAsync(admin, $"/api/v1/namespaces/{ns}/pods/mine"))["status"]!["phase"]);
    }

    [Fact]
    public async Task SubjectAccessReview_and_TokenReview_answer_for_other_users_and_need_their_own_permission()
    {
        using var admin = Https(token: AdminToken);
        using var reviewer = Https(token: ReviewerToken);
        const string sar = """
            {"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"user":"kube-apiserver-kubelet-client",
             "resourceAttributes":{"verb":"create","resource":"nodes","subresource":"proxy","name":"n1"}}}
            """;
        const string denied = """
            {"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"user":"jane","groups":["dev"],
             "resourceAttributes":{"verb":"get","resource":"nodes","subresource":"proxy","name":"n1"}}}
            """;

        using var allowed = await admin.PostAsync("/apis/authorization.k8s.io/v1/subjectaccessreviews", Json(sar));
        using var refused = await admin.PostAsync("/apis/authorization.k8s.io/v1/subjectaccessreviews", Json(denied));
        using var noUser = await admin.PostAsync("/apis/authorization.k8s.io/v1/subjectaccessreviews",
            Json("""{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"nonResourceAttributes":{"verb":"get","path":"/x"}}}"""));
        using var notAllowedToAsk = await reviewer.PostAsync("/apis/authorization.k8s.io/v1/subjectaccessreviews", Json(sar));
        using var token = await admin.PostAsync("/apis/authentication.k8s.io/v1/tokenreviews",
            Json("""{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"TOKEN"}}""".Replace("TOKEN", ReviewerToken, StringComparison.Ordinal)));
        using var badToken = await admin.PostAsync("/apis/authentication.k8s.io/v1/tokenreviews",
            Json("""{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"nope"}}"""));

        Assert.Equal(HttpStatusCode.Created, allowed.StatusCode);
        Assert.True((bool)JsonNode.Parse(await allowed.Content.ReadAsStringAsync())!["status"]!["allowed"]!);
        var refusedStatus = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["status"]!;
        Assert.False((bool)refusedStatus["allowed"]!);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noUser.StatusCode);
        Assert.Contains("spec.user: Invalid value: \"\": at least one of user or group must be specified", await MessageAsync(noUser), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, notAllowedToAsk.StatusCode);
        Assert.Equal("subjectaccessreviews.authorization.k8s.io is forbidden: User \"reviewer\" cannot create resource \"subjectaccessreviews\" in API group \"authorization.k8s.io\" at the cluster scope",
            await MessageAsync(notAllowedToAsk));
        Assert.Equal(HttpStatusCode.Created, token.StatusCode);
        var tokenStatus = JsonNode.Parse(await token.Content.ReadAsStringAsync())!["status"]!;
        Assert.True((bool)tokenStatus["authenticated"]!);
        Assert.Equal("reviewer", (string?)tokenStatus["user"]!["username"]);
        Assert.Equal(["system:authenticated"], tokenStatus["user"]!["groups"]!.AsArray().Select(g => (string?)g));
        var badStatus = JsonNode.Parse(await badToken.Content.ReadAsStringAsync())!["status"]!;
        Assert.Null(badStatus["authenticated"]);
        Assert.NotNull(badStatus["error"]);
    }

    private static string Secret(string name) => new JsonObject
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Secret",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["stringData"] = new JsonObject { ["k"] = "v" },
    }.ToJsonString();

    private static string Pod(string name, string node, string? secret)
    {
        var spec = new JsonObject
        {
            ["nodeName"] = node,
            ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = "busybox" }),
        };
        if (secret is not null)
        {
            spec["volumes"] = new JsonArray(new JsonObject { ["name"] = "s", ["secret"] = new JsonObject { ["secretName"] = secret } });
        }
        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["metadata"] = new JsonObject { ["name"] = name }, ["spec"] = spec }.ToJsonString();
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<string> NamespaceAsync(HttpClient admin)
    {
        var name = "na-" + Guid.NewGuid().ToString("N")[..8];
        await CreateAsync(admin, "/api/v1/namespaces", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = name } }.ToJsonString());
        return name;
    }

    private static async Task CreateAsync(HttpClient http, string path, string body)
    {
        using var response = await http.PostAsync(path, Json(body));
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<JsonNode> GetJsonAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    private static async Task<string?> MessageAsync(HttpResponseMessage response) =>
        (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["message"];

    private HttpClient Https(X509Certificate2? certificate = null, string? token = null) => HttpsClients.For(Server.HttpAddress,
        new ClientCredentials { CertificateAuthorities = [_ca.Certificate], ClientCertificate = certificate, BearerToken = token });
}
