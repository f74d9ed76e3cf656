using Google.Protobuf;
using MiniKube.ApiServer.Authorization;
using MiniKube.Protocol.V1;
using MiniKube.Security;

namespace MiniKube.ApiServer.Tests.Authorization;

public sealed class RequestAttributesTests
{
    private static readonly UserInfo Jane = new("jane", []);

    [Theory]
    [InlineData("GET", "/api/v1/namespaces/default/pods", null, "list", "", "pods", "", "default", "")]
    [InlineData("GET", "/api/v1/namespaces/default/pods", "true", "watch", "", "pods", "", "default", "")]
    [InlineData("GET", "/api/v1/pods", null, "list", "", "pods", "", "", "")]
    [InlineData("POST", "/api/v1/namespaces/default/pods", null, "create", "", "pods", "", "default", "")]
    [InlineData("GET", "/api/v1/namespaces/default/pods/web/log", null, "get", "", "pods", "log", "default", "web")]
    [InlineData("POST", "/api/v1/namespaces/default/pods/web/exec", null, "create", "", "pods", "exec", "default", "web")]
    [InlineData("PUT", "/apis/apps/v1/namespaces/ns1/deployments/d/scale", null, "update", "apps", "deployments", "scale", "ns1", "d")]
    [InlineData("PATCH", "/api/v1/nodes/n1/status", null, "patch", "", "nodes", "status", "", "n1")]
    [InlineData("DELETE", "/api/v1/namespaces/default/configmaps", null, "deletecollection", "", "configmaps", "", "default", "")]
    [InlineData("DELETE", "/api/v1/namespaces/default/configmaps/c", null, "delete", "", "configmaps", "", "default", "c")]
    [InlineData("GET", "/api/v1/namespaces/team-a", null, "get", "", "namespaces", "", "team-a", "team-a")]
    [InlineData("PUT", "/api/v1/namespaces/team-a/finalize", null, "update", "", "namespaces", "finalize", "team-a", "team-a")]
    [InlineData("GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles/view", null, "get", "rbac.authorization.k8s.io", "clusterroles", "", "", "view")]
    public void Rest_paths_are_read_as_kubernetes_reads_them(string method, string path, string? watch, string verb, string group, string resource,
        string sub, string ns, string name)
    {
        var a = RestRequestAttributes.From(Jane, method, path, watch, null);
        Assert.Equal(new RequestAttributes(Jane, verb, group, resource, sub, ns, name), a);
    }

    [Theory]
    [InlineData("/api")]
    [InlineData("/api/v1")]
    [InlineData("/apis/apps/v1")]
    [InlineData("/version")]
    [InlineData("/healthz")]
    public void Discovery_and_other_paths_are_non_resource_requests(string path)
    {
        var a = RestRequestAttributes.From(Jane, "GET", path, null, null);
        Assert.False(a.IsResourceRequest);
        Assert.Equal("get", a.Verb);
        Assert.Equal(path, a.Path);
    }

    [Fact]
    public void A_list_by_metadata_name_names_the_object()
    {
        var a = RestRequestAttributes.From(Jane, "GET", "/api/v1/namespaces/default/configmaps", "true", "metadata.name=app-config");
        Assert.Equal(("watch", "app-config"), (a.Verb, a.Name));
    }

    [Fact]
    public void Lists_and_watches_carry_their_field_selector_on_both_wires_and_other_verbs_do_not()
    {
        var rest = RestRequestAttributes.From(Jane, "GET", "/api/v1/pods", "true", "spec.nodeName=n1");
        var restGet = RestRequestAttributes.From(Jane, "GET", "/api/v1/namespaces/default/pods/web", null, "spec.nodeName=n1");
        var grpcList = GrpcAuthorization.For("/minikube.v1.Objects/List", new ListRequest { Resource = "pods", FieldSelector = "spec.nodeName=n1" }, Jane);
        var grpcWatch = GrpcAuthorization.For("/minikube.v1.Objects/Watch", new WatchRequest { Resource = "pods", FieldSelector = "spec.nodeName=n1" }, Jane);

        Assert.Equal(("watch", "spec.nodeName=n1"), (rest.Verb, rest.FieldSelector));
        Assert.Equal(("get", ""), (restGet.Verb, restGet.FieldSelector));
        Assert.Equal(("list", "spec.nodeName=n1"), (grpcList.Verb, grpcList.FieldSelector));
        Assert.Equal(("watch", "spec.nodeName=n1"), (grpcWatch.Verb, grpcWatch.FieldSelector));
    }

    [Fact]
    public void Grpc_methods_map_to_their_rest_verbs_and_resources()
    {
        var deployment = ByteString.CopyFromUtf8("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"labels":{"a":"b"},"name":"web"}}""");
        var binding = ByteString.CopyFromUtf8("""{"metadata":{"name":"web"},"target":{"name":"n1"}}""");
        (string Method, object Request, RequestAttributes Expected)[] cases =
        [
            ("/minikube.v1.Objects/Create", new CreateRequest { Resource = "pods", Namespace = "default" }, new(Jane, "create", "", "pods", "", "default")),
            ("/minikube.v1.Objects/Get", new GetRequest { Resource = "nodes", Namespace = "x", Name = "n1" }, new(Jane, "get", "", "nodes", Name: "n1")),
            ("/minikube.v1.Objects/List", new ListRequest { Resource = "deployments", Namespace = "default" }, new(Jane, "list", "apps", "deployments", "", "default")),
            ("/minikube.v1.Objects/Watch", new WatchRequest { Resource = "pods" }, new(Jane, "watch", "", "pods")),
            ("/minikube.v1.Objects/Update", new UpdateRequest { Resource = "deployments", Namespace = "d", Object = deployment },
                new(Jane, "update", "apps", "deployments", "", "d", "web")),
            ("/minikube.v1.Objects/UpdateStatus", new UpdateRequest { Resource = "deployments", Namespace = "d", Object = deployment },
                new(Jane, "update", "apps", "deployments", "status", "d", "web")),
            ("/minikube.v1.Objects/Patch", new PatchRequest { Resource = "pods", Namespace = "d", Name = "p", Status = true }, new(Jane, "patch", "", "pods", "status", "d", "p")),
            ("/minikube.v1.Objects/Delete", new DeleteRequest { Resource = "pods", Namespace = "d", Name = "p" }, new(Jane, "delete", "", "pods", "", "d", "p")),
            ("/minikube.v1.Objects/Bind", new BindRequest { Namespace = "d", Binding = binding }, new(Jane, "create", "", "pods", "binding", "d", "web")),
            ("/minikube.v1.Objects/Create", new CreateRequest { Resource = "selfsubjectaccessreviews" }, new(Jane, "create", "authorization.k8s.io", "selfsubjectaccessreviews")),
            ("/minikube.v1.Objects/Discover", new DiscoverRequest(), RequestAttributes.NonResource(Jane, "get", "/apis")),
            ("/minikube.v1.Objects/Version", new VersionRequest(), RequestAttributes.NonResource(Jane, "get", "/version")),
            ("/minikube.v1.PodProxy/Logs", new PodLogsRequest { Namespace = "d", Pod = "p" }, new(Jane, "get", "", "pods", "log", "d", "p")),
            ("/minikube.v1.PodProxy/Exec", new PodExecRequest { Namespace = "d", Pod = "p" }, new(Jane, "create", "", "pods", "exec", "d", "p")),
            ("/minikube.v1.PodProxy/ExecStream", new ExecStreamInput { Start = new PodExecRequest { Namespace = "d", Pod = "p" } },
                new(Jane, "create", "", "pods", "exec", "d", "p")),
            ("/minikube.v1.Metrics/ListNodeMetrics", new MetricsListRequest(), new(Jane, "list", "metrics.k8s.io", "nodes")),
            ("/minikube.v1.Metrics/GetPodMetrics", new MetricsGetRequest { Namespace = "d", Name = "p" }, new(Jane, "get", "metrics.k8s.io", "pods", "", "d", "p")),
            ("/minikube.v1.Scales/GetScale", new ScaleGetRequest { Resource = "deployments", Namespace = "d", Name = "web" },
                new(Jane, "get", "apps", "deployments", "scale", "d", "web")),
            ("/minikube.v1.Other/Unknown", new object(), RequestAttributes.NonResource(Jane, "post", "/minikube.v1.Other/Unknown")),
        ];
        foreach (var (method, request, expected) in cases)
        {
            Assert.Equal(expected, GrpcAuthorization.For(method, request, Jane));
        }
    }

    [Fact]
    public void Forbidden_messages_are_kubernetes_words()
    {
        Assert.Equal("pods is forbidden: User \"jane\" cannot create resource \"pods\" in API group \"\" in the namespace \"default\"",
            ForbiddenMessage.For(new RequestAttributes(Jane, "create", "", "pods", Namespace: "default"), ""));
        Assert.Equal("nodes \"n1\" is forbidden: User \"jane\" cannot get resource \"nodes\" in API group \"\" at the cluster scope",
            ForbiddenMessage.For(new RequestAttributes(Jane, "get", "", "nodes", Name: "n1"), ""));
        Assert.Equal("deployments.apps \"web\" is forbidden: User \"jane\" cannot update resource \"deployments/scale\" in API group \"apps\" in the namespace \"d\"",
            ForbiddenMessage.For(new RequestAttributes(Jane, "update", "apps", "deployments", "scale", "d", "web"), ""));
        Assert.Equal("forbidden: User \"jane\" cannot get path \"/metrics\": Everything is forbidden.",
            ForbiddenMessage.For(RequestAttributes.NonResource(Jane, "get", "/metrics"), "Everything is forbidden."));
    }
}
