using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf;
using MiniKube.Api;
using MiniKube.ApiServer.Rest;
using MiniKube.Testing;

namespace MiniKube.ApiServer.Tests;

/// <summary>
/// Protobuf request bodies, as kubectl's generator subcommands (<c>create configmap</c>, <c>create deployment</c> …) send
/// them, are decoded with Kubernetes' field numbers into the same objects their JSON would make; a body that is not
/// such a message, or a kind with no schema, is refused and nothing is stored.
/// </summary>
public sealed class RequestEncodingTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    [Fact]
    public async Task A_protobuf_ConfigMap_and_Secret_are_stored_as_their_JSON_would_be()
    {
        var ns = await fixture.NewNamespaceAsync();
        var meta = Proto.Message((1, "settings"), (3, ns), (11, Proto.Entry("app", "web")));
        var configMap = Proto.Message((1, meta), (2, Proto.Entry("color", "blue")), (2, Proto.Entry("size", "")));
        var secretMeta = Proto.Message((1, "token"), (3, ns));
        var secret = Proto.Message((1, secretMeta), (2, Proto.Entry("key", new byte[] { 0, 1, 0xff })), (3, "Opaque"));

        using var created = await PostAsync($"/api/v1/namespaces/{ns}/configmaps", "v1", "ConfigMap", configMap);
        using var createdSecret = await PostAsync($"/api/v1/namespaces/{ns}/secrets", "v1", "Secret", secret);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.Created, createdSecret.StatusCode);
        var stored = await fixture.Client.GetAsync<ConfigMap>("settings", ns);
        Assert.Equal(new Dictionary<string, string> { ["color"] = "blue", ["size"] = "" }, stored.Data);
        Assert.Equal("web", stored.Metadata.Labels!["app"]);
        var storedSecret = await fixture.Client.GetAsync<Secret>("token", ns);
        Assert.Equal("Opaque", storedSecret.Type);
        Assert.Equal([0, 1, 0xff], storedSecret.Data!["key"]);
    }

    [Fact]
    public async Task A_protobuf_Deployment_keeps_a_zero_that_means_something_and_drops_the_zeros_Go_writes_for_unset_fields()
    {
        var ns = await fixture.NewNamespaceAsync();
        var labels = Proto.Entry("app", "api");
        var container = Proto.Message((1, "api"), (2, "minikube/busybox:1.0"), (3, "sleep"), (3, "3600"), (5, ""), (14, ""), (16, false),
            (6, Proto.Message((3, 8080L), (4, "TCP"), (2, 0L))), (8, Proto.Message()));
        var podSpec = Proto.Message((2, container), (3, "Always"));
        var template = Proto.Message((1, Proto.Message((11, labels), (8, Proto.Message((1, -62135596800L))))), (2, podSpec));
        var spec = Proto.Message((1, 0L), (2, Proto.Message((1, labels))), (3, template), (4, Proto.Message()), (5, 0L));
        var deployment = Proto.Message((1, Proto.Message((1, "api"), (3, ns))), (2, spec), (3, Proto.Message()));

        using var created = await PostAsync($"/apis/apps/v1/namespaces/{ns}/deployments", "apps/v1", "Deployment", deployment);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var stored = await fixture.Client.GetAsync<Deployment>("api", ns);
        Assert.Equal(0, stored.Spec!.Replicas);
        var c = Assert.Single(stored.Spec.Template!.Spec!.Containers);
        Assert.Equal(["sleep", "3600"], c.Command);
        Assert.Equal(8080, Assert.Single(c.Ports!).ContainerPort);
        Assert.Equal("minikube/busybox:1.0", c.Image);
        Assert.Equal("api", stored.Spec.Template.Metadata!.Labels!["app"]);
    }

    [Fact]
    public async Task A_protobuf_Service_port_keeps_its_int_target_port_and_takes_a_named_one()
    {
        var ns = await fixture.NewNamespaceAsync();
        var intTarget = Proto.Message((1, "80-8080"), (2, "TCP"), (3, 80L), (4, Proto.Message((1, 0L), (2, 8080L))), (5, 0L));
        var namedTarget = Proto.Message((1, "metrics"), (2, "TCP"), (3, 9090L), (4, Proto.Message((1, 1L), (3, "metrics"))));
        var spec = Proto.Message((1, intTarget), (1, namedTarget), (2, Proto.Entry("app", "web")), (4, "ClusterIP"));
        var service = Proto.Message((1, Proto.Message((1, "web"), (3, ns))), (2, spec));

        using var created = await PostAsync($"/api/v1/namespaces/{ns}/services", "v1", "Service", service);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var stored = await fixture.Client.GetAsync<Service>("web", ns);
        Assert.Equal(2, stored.Spec!.Ports!.Count);
        Assert.Equal("8080", stored.Spec.Ports[0].TargetPort?.ToString());
        Assert.Equal("metrics", stored.Spec.Ports[1].TargetPort?.ToString());
        Assert.Equal("web", stored.Spec.Selector!["app"]);
        Assert.NotNull(stored.Spec.ClusterIP);
    }

    [Fact]
    public async Task A_kind_without_a_schema_is_an_unsupported_media_type_and_broken_bytes_a_bad_request_and_nothing_is_stored()
    {
        var ns = await fixture.NewNamespaceAsync();
        var configMap = Proto.Message((1, Proto.Message((1, "broken"), (3, ns))));

        using var unknownKind = await PostAsync($"/api/v1/namespaces/{ns}/configmaps", "v9", "Gadget", configMap);
        using var truncated = await PostRawAsync($"/api/v1/namespaces/{ns}/configmaps", [.. "k8s\0"u8, 0x0a, 0x0f]);
        using var noEnvelope = await PostRawAsync($"/api/v1/namespaces/{ns}/configmaps", [0x0a, 0x02, 0x08, 0x01]);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, unknownKind.StatusCode);
        var status = JsonNode.Parse(await unknownKind.Content.ReadAsStringAsync())!;
        Assert.Equal("UnsupportedMediaType", status["reason"]?.GetValue<string>());
        Assert.Contains("no protobuf schema for v9 Gadget", status["message"]?.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, truncated.StatusCode);
        Assert.Contains("could not be decoded", await truncated.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, noEnvelope.StatusCode);
        Assert.Contains("k8s\\\\0 envelope", await noEnvelope.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty((await fixture.Client.ListAsync<ConfigMap>(ns)).Items);
    }

    [Fact]
    public void Every_message_the_schema_names_is_in_it_and_every_built_in_kind_has_one()
    {
        // The VerticalPodAutoscaler is a custom resource in Kubernetes, and custom resources have no protobuf form.
        foreach (var resource in ResourceRegistry.Stored.Where(r => r.Kind != "VerticalPodAutoscaler"))
        {
            var message = WireSchema.MessageOf(resource.ApiVersion, resource.Kind);
            Assert.True(message is not null, $"no protobuf schema for {resource.ApiVersion} {resource.Kind}");
            Walk(message!, []);
        }

        static void Walk(string message, HashSet<string> seen)
        {
            if (!seen.Add(message))
            {
                return;
            }
            var fields = WireSchema.Find(message);
            Assert.True(fields is not null, $"wire-schema.txt names {message} but does not define it");
            foreach (var field in fields!.Values.Where(f => f.Type.Contains('.', StringComparison.Ordinal)))
            {
                Walk(field.Type, seen);
            }
        }
    }

    private Task<HttpResponseMessage> PostAsync(string path, string apiVersion, string kind, byte[] raw) =>
        PostRawAsync(path, [.. "k8s\0"u8, .. Proto.Message((1, Proto.Message((1, apiVersion), (2, kind))), (2, raw), (4, "application/vnd.kubernetes.protobuf"))]);

    private async Task<HttpResponseMessage> PostRawAsync(string path, byte[] body)
    {
        using var http = new HttpClient { BaseAddress = new Uri(fixture.Server.HttpAddress) };
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.kubernetes.protobuf");
        return await http.PostAsync(path, content);
    }

    /// <summary>Protobuf messages written field by field, as a Go client's generated code writes them.</summary>
    private static class Proto
    {
        public static byte[] Message(params (int Number, object Value)[] fields)
        {
            using var buffer = new MemoryStream();
            var output = new CodedOutputStream(buffer);
            foreach (var (number, value) in fields)
            {
                switch (value)
                {
                    case long n:
                        output.WriteTag(number, WireFormat.WireType.Varint);
                        output.WriteInt64(n);
                        break;
                    case bool b:
                        output.WriteTag(number, WireFormat.WireType.Varint);
                        output.WriteBool(b);
                        break;
                    case string s:
                        output.WriteTag(number, WireFormat.WireType.LengthDelimited);
                        output.WriteBytes(ByteString.CopyFrom(Encoding.UTF8.GetBytes(s)));
                        break;
                    case byte[] bytes:
                        output.WriteTag(number, WireFormat.WireType.LengthDelimited);
                        output.WriteBytes(ByteString.CopyFrom(bytes));
                        break;
                    default:
                        throw new ArgumentException($"field {number}: {value.GetType()} is not written");
                }
            }
            output.Flush();
            return buffer.ToArray();
        }

        public static byte[] Entry(string key, object value) => Message((1, key), (2, value));
    }
}
