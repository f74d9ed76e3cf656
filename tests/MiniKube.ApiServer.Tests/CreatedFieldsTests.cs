using System.Text.Json;
using System.Text.Json.Nodes;
using MiniKube.Api;

namespace MiniKube.ApiServer.Tests;

/// <summary>The creator's fields walked over the serialized object are exactly what the general comparison finds.</summary>
public sealed class CreatedFieldsTests
{
    public static TheoryData<string> Objects => new()
    {
        // A defaulted pod: keyed containers, ports by containerPort and protocol, env, volumeMounts, tolerations (atomic).
        """
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"d","labels":{"app":"web","q\\\"x":"é"},"annotations":{},"finalizers":["a/b","c\\\"d","é\\\\"]},
         "spec":{"containers":[{"name":"main","image":"busybox","command":["sh","-c","x"],"ports":[{"containerPort":80},{"containerPort":53,"protocol":"UDP"}],
         "env":[{"name":"A","value":"1"}],"volumeMounts":[{"name":"v","mountPath":"/v"}],"resources":{}}],"volumes":[{"name":"v","emptyDir":{}}],
         "tolerations":[{"key":"k","operator":"Exists"}],"nodeSelector":{"disk":"ssd"}}}
        """,
        // A Service: ports keyed by port and protocol, the selector atomic.
        """
        {"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"d"},"spec":{"selector":{"app":"web"},"ports":[{"port":80,"targetPort":8080}]}}
        """,
        // A Deployment: the label selector atomic, the template's containers keyed.
        """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"d"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
         "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"main","image":"busybox:1"}]}}}}
        """,
    };

    [Fact]
    public void Ports_are_keyed_by_port_and_protocol_as_Kubernetes_keys_them()
    {
        var pod = (Pod)KubeSerializer.FromJson(System.Text.Encoding.UTF8.GetBytes(
            """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"main","image":"x","ports":[{"containerPort":53,"protocol":"UDP"}]}]}}"""), typeof(Pod));

        Assert.Contains("\"k:{\\\"containerPort\\\":53,\\\"protocol\\\":\\\"UDP\\\"}\":{\".\":{},\"f:containerPort\":{},\"f:protocol\":{}}",
            CreatedFields.Of(pod).ToJsonText(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Objects))]
    public void The_fields_of_a_new_object_are_those_the_general_comparison_finds(string json)
    {
        var kind = JsonNode.Parse(json)!["kind"]!.GetValue<string>();
        var obj = (KubeObject)KubeSerializer.FromJson(System.Text.Encoding.UTF8.GetBytes(json), ResourceRegistry.All.First(r => r.Kind == kind).Type);
        var node = (JsonObject)JsonSerializer.SerializeToNode(obj, obj.GetType(), KubeSerializer.Options)!;

        var fast = CreatedFields.Of(obj);
        var (general, removed) = FieldWalk.Compare(null, node);

        Assert.True(removed.IsEmpty);
        Assert.Equal(general.ToJsonText(), fast.ToJsonText());
        // Written as KubeSerializer writes JSON (escaping included), and read back the same.
        Assert.Equal(JsonNode.Parse(fast.ToJsonText())!.ToJsonString(KubeSerializer.Options), fast.ToJsonText());
        Assert.True(FieldSet.FromJson((JsonObject)JsonNode.Parse(fast.ToJsonText())!).SameAs(fast));
    }
}
