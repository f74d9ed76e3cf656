using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Security;
using MiniKube.Testing;

namespace MiniKube.ApiServer.Tests;

/// <summary>
/// A real API server over real etcd with the ServiceAccount admission plugin on, a token file (an admin in system:masters),
/// <c>--authorization-mode RBAC</c> and a fake clock for service account tokens: ServiceAccounts on both wires, pod admission,
/// TokenRequest on REST and gRPC, and the tokens authenticating (or not) requests to 127.0.0.1.
/// </summary>
public sealed class ServiceAccountApiTests : IAsyncLifetime
{
    private const string AdminToken = "sa-admin-token-0123456789";
    private const string Issuer = ApiServerOptions.DefaultServiceAccountIssuer;
    private readonly string _tokenFile = Path.Combine(Path.GetTempPath(), "minikube-sa-tokens-" + Guid.NewGuid().ToString("N") + ".csv");
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private TestApiServer? _server;
    private MiniKubeClient? _admin;

    private TestApiServer Server => _server!;

    private MiniKubeClient Admin => _admin!;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(_tokenFile, $"{AdminToken},root,1,\"system:masters\"\n");
        _server = await TestApiServer.StartAsync(configure: o =>
        {
            o.TokenAuthFile = _tokenFile;
            o.AuthorizationMode = "RBAC";
            o.DisableAdmissionPlugins = [];
        }, tokenClock: _clock);
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
    public async Task A_pod_runs_as_default_unless_it_names_an_account_and_one_naming_a_missing_account_is_refused()
    {
        var ns = await NamespaceAsync(withDefault: true);
        await Admin.CreateAsync(new ServiceAccount { Metadata = new ObjectMeta { Name = "builder", Namespace = ns } });

        var plain = await Admin.CreateAsync(TestObjects.Pod("plain", ns));
        var named = await Admin.CreateAsync(TestObjects.Pod("named", ns) with { Spec = TestObjects.Pod("named").Spec! with { ServiceAccountName = "builder" } });
        var missing = await Assert.ThrowsAsync<ApiException>(() =>
            Admin.CreateAsync(TestObjects.Pod("lost", ns) with { Spec = TestObjects.Pod("lost").Spec! with { ServiceAccountName = "ghost" } }));

        Assert.Equal(("default", "default"), (plain.Spec!.ServiceAccountName, plain.Spec.ServiceAccount));
        Assert.Equal(("builder", "builder"), (named.Spec!.ServiceAccountName, named.Spec.ServiceAccount));
        Assert.Equal(403, missing.Code);
        Assert.Equal($"pods \"lost\" is forbidden: error looking up service account {ns}/ghost: serviceaccount \"ghost\" not found", missing.Message);
    }

    [Fact]
    public async Task A_pod_created_just_before_its_namespaces_default_account_waits_for_it_and_without_one_is_refused()
    {
        var late = await NamespaceAsync(withDefault: false);
        var never = await NamespaceAsync(withDefault: false);

        // The controller's create races the pod's: sent together, the pod's create waits for the account if it is first.
        var create = Admin.CreateAsync(TestObjects.Pod("early", late));
        await Admin.CreateAsync(new ServiceAccount { Metadata = new ObjectMeta { Name = "default", Namespace = late } });
        var pod = await create;
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var refused = await Assert.ThrowsAsync<ApiException>(() => Admin.CreateAsync(TestObjects.Pod("orphan", never)));
        waited.Stop();

        Assert.Equal("default", pod.Spec!.ServiceAccountName);
        // Refused only after the admission's wait for the controller (2 s), not at once.
        Assert.True(waited.Elapsed >= TimeSpan.FromSeconds(1.9), $"refused after {waited.Elapsed}");
        Assert.Equal($"pods \"orphan\" is forbidden: error looking up service account {never}/default: serviceaccount \"default\" not found", refused.Message);
    }

    [Fact]
    public async Task ServiceAccounts_are_served_on_both_wires_and_validated_with_paths()
    {
        var ns = await NamespaceAsync(withDefault: false);
        await Admin.CreateAsync(new ServiceAccount { Metadata = new ObjectMeta { Name = "robot", Namespace = ns }, AutomountServiceAccountToken = false });
        using var http = Http(AdminToken);

        var list = JsonNode.Parse(await http.GetStringAsync($"/api/v1/namespaces/{ns}/serviceaccounts"))!;
        using var bad = await http.PostAsync($"/api/v1/namespaces/{ns}/serviceaccounts",
            new StringContent("""{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"x"},"secrets":[{"kind":"Secret"}]}""", Encoding.UTF8, "application/json"));

        Assert.Equal("ServiceAccountList", (string?)list["kind"]);
        Assert.Equal(false, (bool?)Assert.Single(list["items"]!.AsArray())!["automountServiceAccountToken"]);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
        Assert.Contains("secrets[0].name: Required value", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenRequest_over_REST_returns_a_bound_JWT_with_Kubernetes_claims_and_checks_its_lifetime()
    {
        var ns = await NamespaceAsync(withDefault: true);
        var sa = await Admin.CreateAsync(new ServiceAccount { Metadata = new ObjectMeta { Name = "builder", Namespace = ns } });
        var pod = await Admin.CreateAsync(TestObjects.Pod("web", ns) with { Spec = TestObjects.Pod("web").Spec! with { ServiceAccountName = "builder" } });
        using var http = Http(AdminToken);

        using var response = await http.PostAsync($"/api/v1/namespaces/{ns}/serviceaccounts/builder/token", new StringContent(
            """{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{"expirationSeconds":600,"boundObjectRef":{"kind":"Pod","apiVersion":"v1","name":"web"}}}""",
            Encoding.UTF8, "application/json"));
        using var tooShort = await http.PostAsync($"/api/v1/namespaces/{ns}/serviceaccounts/builder/token",
            new StringContent("""{"spec":{"expirationSeconds":599}}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("TokenRequest", (string?)answer["kind"]);
        Assert.Equal("authentication.k8s.io/v1", (string?)answer["apiVersion"]);
        Assert.Equal(600, (long?)answer["spec"]!["expirationSeconds"]);
        Assert.Equal(Issuer, (string?)answer["spec"]!["audiences"]![0]);
        var claims = Payload((string)answer["status"]!["token"]!);
        Assert.Equal(Issuer, (string?)claims["iss"]);
        Assert.Equal($"system:serviceaccount:{ns}:builder", (string?)claims["sub"]);
        Assert.Equal(Issuer, (string?)claims["aud"]![0]);
        Assert.Equal(_clock.GetUtcNow().ToUnixTimeSeconds(), (long)claims["iat"]!);
        Assert.Equal((long)claims["iat"]!, (long)claims["nbf"]!);
        Assert.Equal(600, (long)claims["exp"]! - (long)claims["iat"]!);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds((long)claims["exp"]!), DateTimeOffset.Parse((string)answer["status"]!["expirationTimestamp"]!,
            System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(ns, (string?)claims["kubernetes.io"]!["namespace"]);
        Assert.Equal(sa.Metadata.Uid, (string?)claims["kubernetes.io"]!["serviceaccount"]!["uid"]);
        Assert.Equal("web", (string?)claims["kubernetes.io"]!["pod"]!["name"]);
        Assert.Equal(pod.Metadata.Uid, (string?)claims["kubernetes.io"]!["pod"]!["uid"]);
        Assert.Equal((HttpStatusCode)422, tooShort.StatusCode);
        Assert.Contains("spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes",
            (string?)JsonNode.Parse(await tooShort.Content.ReadAsStringAsync())!["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_lists_pods_over_both_wires_only_when_a_RoleBinding_allows_it()
    {
        var ns = await NamespaceAsync(withDefault: true);
        var token = (await Admin.CreateTokenAsync(ns, "default", new TokenRequest())).Status!.Token;
        using var http = Http(token);
        using var grpc = Server.NewClient(new ClientCredentials { BearerToken = token });

        using var denied = await http.GetAsync($"/api/v1/namespaces/{ns}/pods");
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Equal($"pods is forbidden: User \"system:serviceaccount:{ns}:default\" cannot list resource \"pods\" in API group \"\" in the namespace \"{ns}\"",
            (string?)JsonNode.Parse(await denied.Content.ReadAsStringAsync())!["message"]);
        Assert.Equal(403, (await Assert.ThrowsAsync<ApiException>(() => grpc.ListAsync<Pod>(ns))).Code);

        var binding = new RoleBinding
        {
            Metadata = new ObjectMeta { Name = "default-view", Namespace = ns },
            RoleRef = new RoleRef { ApiGroup = RbacGroup.Name, Kind = "ClusterRole", Name = "view" },
            Subjects = [new Subject { Kind = RbacGroup.ServiceAccountKind, Name = "default", Namespace = ns }],
        };
        await Admin.CreateAsync(binding);
        var rbac = Server.Services.GetRequiredService<RbacAuthorizer>();
        await Eventually.WaitAsync(() => Task.FromResult(rbac.Contains(binding)), TimeSpan.FromSeconds(30), "the RBAC policy to hold the RoleBinding");

        using var allowed = await http.GetAsync($"/api/v1/namespaces/{ns}/pods");
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Empty((await grpc.ListAsync<Pod>(ns)).Items);
    }

    [Fact]
    public async Task An_expired_token_a_token_of_a_deleted_pod_and_one_of_a_recreated_account_get_401()
    {
        var ns = await NamespaceAsync(withDefault: true);
        await Admin.CreateAsync(new ServiceAccount { Metadata = new ObjectMeta { Name = "builder", Namespace = ns } });
        var pod = await Admin.CreateAsync(TestObjects.Pod("web", ns) with { Spec = TestObjects.Pod("web").Spec! with { ServiceAccountName = "builder" } });
        var bound = (await Admin.CreateTokenAsync(ns, "builder", new TokenRequest
        {
            Spec = new TokenRequestSpec { BoundObjectRef = new BoundObjectReference { Kind = "Pod", Name = "web", Uid = pod.Metadata.Uid } },
        })).Status!.Token;
        var shortLived = (await Admin.CreateTokenAsync(ns, "default", new TokenRequest { Spec = new TokenRequestSpec { ExpirationSeconds = 600 } })).Status!.Token;
        var accountToken = (await Admin.CreateTokenAsync(ns, "builder", new TokenRequest())).Status!.Token;
        Assert.Equal(HttpStatusCode.Created, await WhoAmIAsync(bound));
        Assert.Equal(HttpStatusCode.Created, await WhoAmIAsync(shortLived));

        _clock.Advance(TimeSpan.FromSeconds(600));
        Assert.Equal(HttpStatusCode.Unauthorized, await WhoAmIAsync(shortLived));

        await Admin.DeleteAsync<Pod>("web", ns, new DeleteOptions { GracePeriodSeconds = 0 });
        await Eventually.WaitAsync(async () => await WhoAmIAsync(bound) == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(30),
            "the token bound to the deleted pod to be refused");

        Assert.Equal(HttpStatusCode.Created, await WhoAmIAsync(accountToken));
        await Admin.DeleteAsync<ServiceAccount>("builder", ns);
        await Admin.CreateAsync(new ServiceAccount { Metadata = new ObjectMeta { Name = "builder", Namespace = ns } });
        await Eventually.WaitAsync(async () => await WhoAmIAsync(accountToken) == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(30),
            "the token of the deleted and recreated account to be refused");
    }

    private async Task<HttpStatusCode> WhoAmIAsync(string token)
    {
        using var http = Http(token);
        using var response = await http.PostAsync("/apis/authentication.k8s.io/v1/selfsubjectreviews",
            new StringContent("""{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}""", Encoding.UTF8, "application/json"));
        return response.StatusCode;
    }

    private static JsonNode Payload(string jwt) => JsonNode.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(jwt.Split('.')[1]))!;

    /// <summary>A new namespace; <paramref name="withDefault"/> plays the serviceaccount controller (none runs here).</summary>
    private async Task<string> NamespaceAsync(bool withDefault)
    {
        var name = "sa-" + Guid.NewGuid().ToString("N")[..8];
        await Admin.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = name } });
        if (withDefault)
        {
            await Admin.CreateAsync(new ServiceAccount { Metadata = new ObjectMeta { Name = "default", Namespace = name } });
        }
        return name;
    }

    private HttpClient Http(string token)
    {
        var http = new HttpClient { BaseAddress = new Uri(Server.HttpAddress) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }
}
