using System.Net;
using System.Text;
using System.Text.Json;
using MiniKube.Api;
using MiniKube.Testing;
using static MiniKube.Testing.TestObjects;

namespace MiniKube.ApiServer.Tests;

/// <summary>A real API server with <c>--audit-log-path</c> and <c>--audit-policy-file</c>: creates on both wires, read back from the log.</summary>
public sealed class AuditLogTests : IDisposable
{
    private const string Policy = """
        apiVersion: audit.k8s.io/v1
        kind: Policy
        rules:
          - level: None
            verbs: [get, watch]
          - level: None
            nonResourceURLs: ["/healthz*", "/readyz*", "/livez*"]
          - level: Metadata
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("minikube-audit-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string LogPath => Path.Combine(_directory, "audit.log");

    private List<JsonElement> Lines()
    {
        if (!File.Exists(LogPath))
        {
            return [];
        }
        using var file = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var text = new StreamReader(file).ReadToEnd();
        // Only whole lines: the writer may be in the middle of one.
        return [.. text.Split('\n').SkipLast(1).Select(line => JsonDocument.Parse(line).RootElement.Clone())];
    }

    private async Task<List<JsonElement>> WaitForLineAsync(Func<JsonElement, bool> fence, string what) =>
        await Eventually.WaitAsync(() => Task.FromResult(Lines()), lines => lines.Any(fence), TimeSpan.FromSeconds(15), what);

    private static bool Names(JsonElement line, string name) =>
        line.TryGetProperty("objectRef", out var o) && o.TryGetProperty("name", out var n) && n.GetString() == name;

    [Fact]
    public async Task Creates_on_both_wires_are_logged_as_Metadata_events_and_policy_None_skips_gets()
    {
        var policy = Path.Combine(_directory, "policy.yaml");
        File.WriteAllText(policy, Policy);
        await using var server = await TestApiServer.StartAsync(configure: o =>
        {
            o.AuditLogPath = LogPath;
            o.AuditPolicyFile = policy;
        });
        var started = DateTimeOffset.UtcNow;

        await server.Client.CreateAsync(ConfigMap("via-grpc", "default"));
        await server.Client.GetAsync<ConfigMap>("via-grpc", "default");
        await Assert.ThrowsAsync<ApiException>(() => server.Client.CreateAsync(ConfigMap("via-grpc", "default")));
        using var http = new HttpClient { BaseAddress = new Uri(server.HttpAddress) };
        var body = new StringContent("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"via-rest"}}""", Encoding.UTF8, "application/json");
        var created = await http.PostAsync("/api/v1/namespaces/default/configmaps", body);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/v1/namespaces/default/configmaps/via-rest")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        // The fence: events are written in order, so once it is there every earlier one is too.
        await server.Client.CreateAsync(ConfigMap("fence", "default"));

        var lines = await WaitForLineAsync(l => Names(l, "fence"), "the fence's create in the audit log");
        lines = lines.Where(l => l.GetProperty("verb").GetString() != "list").ToList();
        Assert.All(lines, l =>
        {
            Assert.Equal("Event", l.GetProperty("kind").GetString());
            Assert.Equal("audit.k8s.io/v1", l.GetProperty("apiVersion").GetString());
            Assert.Equal("Metadata", l.GetProperty("level").GetString());
            Assert.Equal("ResponseComplete", l.GetProperty("stage").GetString());
            Assert.True(Guid.TryParse(l.GetProperty("auditID").GetString(), out _));
            Assert.Equal(["127.0.0.1"], l.GetProperty("sourceIPs").EnumerateArray().Select(ip => ip.GetString()));
            // Authentication is off: no user, rather than a made-up one.
            Assert.False(l.TryGetProperty("user", out _));
            var received = DateTimeOffset.Parse(l.GetProperty("requestReceivedTimestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            var completed = DateTimeOffset.Parse(l.GetProperty("stageTimestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(received, started.AddSeconds(-1), completed);
            Assert.Matches(@"\.\d{6}Z$", l.GetProperty("stageTimestamp").GetString()!);
        });
        Assert.DoesNotContain(lines, l => l.GetProperty("verb").GetString() is "get" or "watch");
        Assert.DoesNotContain(lines, l => l.GetProperty("requestURI").GetString()!.StartsWith("/healthz", StringComparison.Ordinal));

        var grpc = lines.Where(l => l.GetProperty("requestURI").GetString() == "/minikube.v1.Objects/Create").ToList();
        Assert.Equal([201, 409, 201], grpc.Select(l => l.GetProperty("responseStatus").GetProperty("code").GetInt32()));
        Assert.All(grpc, l => Assert.Equal("create", l.GetProperty("verb").GetString()));
        var objectRef = grpc[0].GetProperty("objectRef");
        Assert.Equal(("configmaps", "default", "via-grpc", "v1"), (objectRef.GetProperty("resource").GetString(), objectRef.GetProperty("namespace").GetString(),
            objectRef.GetProperty("name").GetString(), objectRef.GetProperty("apiVersion").GetString()));
        Assert.False(objectRef.TryGetProperty("apiGroup", out _));

        var rest = Assert.Single(lines, l => l.GetProperty("requestURI").GetString() == "/api/v1/namespaces/default/configmaps");
        Assert.Equal("create", rest.GetProperty("verb").GetString());
        Assert.Equal(201, rest.GetProperty("responseStatus").GetProperty("code").GetInt32());
        Assert.Equal("configmaps", rest.GetProperty("objectRef").GetProperty("resource").GetString());
        Assert.Equal("default", rest.GetProperty("objectRef").GetProperty("namespace").GetString());
        Assert.Equal("via-rest", rest.GetProperty("objectRef").GetProperty("name").GetString());
    }

    [Fact]
    public void A_bad_policy_stops_the_server_with_the_file_and_field_named()
    {
        var policy = Path.Combine(_directory, "bad.yaml");
        File.WriteAllText(policy, "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: Everything\n");
        var (options, problems) = ApiServerCommandLine.ToOptions(ApiServerCommandLine.CreateRootCommand().Parse(["--audit-log-path", "-", "--audit-policy-file", policy]));
        Assert.Null(options);
        Assert.Equal($"--audit-policy-file: loading audit policy file \"{policy}\": rules[0].level: Unsupported value: \"Everything\": " +
            "supported values: \"None\", \"Metadata\", \"Request\", \"RequestResponse\"", Assert.Single(problems));
    }
}
