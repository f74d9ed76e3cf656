using System.Text.Json;
using Grpc.Core;
using Grpc.Core.Interceptors;
using MiniKube.Api;
using MiniKube.Protocol.V1;
using MiniKube.Security;

namespace MiniKube.ApiServer.Authorization;

/// <summary>
/// The authorization step of the gRPC port: each method of Objects, PodProxy, Metrics, Scales and CustomMetrics is the
/// verb and resource its REST twin is (Create is create, Watch is watch, PodProxy.Exec is create on pods/exec, …), so one
/// RBAC policy answers both wires alike. A method not listed here is a path only cluster-admin's <c>*</c> URL rule covers.
/// Runs inside <see cref="GrpcErrors"/>, which turns the Forbidden into PermissionDenied with the Status trailer.
/// </summary>
internal sealed class GrpcAuthorization(ApiAuthorization authorization) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await CheckAsync(request, context).ConfigureAwait(false);
        return await continuation(request, context).ConfigureAwait(false);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await CheckAsync(request, context).ConfigureAwait(false);
        await continuation(request, responseStream, context).ConfigureAwait(false);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (!authorization.Enabled)
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
            return;
        }
        // The first message says what the stream is for (ExecStream's start); it is checked, then handed on unread.
        if (!await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            return;
        }
        var first = requestStream.Current;
        await CheckAsync(first, context).ConfigureAwait(false);
        await continuation(new Replayed<TRequest>(first, requestStream), responseStream, context).ConfigureAwait(false);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        // No service has such a method today: one added later is a path until it is mapped above.
        await CheckAsync(new object(), context).ConfigureAwait(false);
        return await continuation(requestStream, context).ConfigureAwait(false);
    }

    private ValueTask CheckAsync(object request, ServerCallContext context)
    {
        if (!authorization.Enabled)
        {
            return ValueTask.CompletedTask;
        }
        var attributes = For(context.Method, request, ApiAuthorization.UserOf(context.GetHttpContext()));
        return authorization.EnsureAllowedAsync(attributes, context.CancellationToken);
    }

    /// <summary>The request attributes of one gRPC call (public for the tests that pin every method's mapping).</summary>
    public static RequestAttributes For(string method, object request, UserInfo user)
    {
        var name = method.AsSpan(method.LastIndexOf('/') + 1).ToString();
        return request switch
        {
            CreateRequest r when ReviewRequests.GroupOf(r.Resource) is { } reviewGroup => new(user, "create", reviewGroup, r.Resource),
            CreateRequest r => Resource(user, "create", r.Resource, r.Namespace, ""),
            GetRequest r => Resource(user, "get", r.Resource, r.Namespace, r.Name),
            ListRequest r => Resource(user, "list", r.Resource, r.Namespace, NameSelected(r.FieldSelector)) with { FieldSelector = r.FieldSelector },
            WatchRequest r => Resource(user, "watch", r.Resource, r.Namespace, NameSelected(r.FieldSelector)) with { FieldSelector = r.FieldSelector },
            UpdateRequest r when name == "UpdateStatus" => Resource(user, "update", r.Resource, r.Namespace, MetadataName(r.Object.Span), "status"),
            UpdateRequest r => Resource(user, "update", r.Resource, r.Namespace, MetadataName(r.Object.Span), r.Subresource),
            PatchRequest r => Resource(user, "patch", r.Resource, r.Namespace, r.Name, r.Status ? "status" : r.Subresource),
            DeleteRequest r => Resource(user, "delete", r.Resource, r.Namespace, r.Name),
            BindRequest r => new(user, "create", "", "pods", "binding", r.Namespace, MetadataName(r.Binding.Span)),
            CreateTokenRequest r => new(user, "create", "", "serviceaccounts", "token", r.Namespace, r.Name),
            DiscoverRequest => RequestAttributes.NonResource(user, "get", "/apis"),
            VersionRequest => RequestAttributes.NonResource(user, "get", "/version"),
            PodLogsRequest r => new(user, "get", "", "pods", "log", r.Namespace, r.Pod),
            PodExecRequest r => new(user, "create", "", "pods", "exec", r.Namespace, r.Pod),
            ExecStreamInput { Start: { } start } => new(user, "create", "", "pods", "exec", start.Namespace, start.Pod),
            MetricsListRequest r => new(user, "list", "metrics.k8s.io", name.Contains("Node") ? "nodes" : "pods", "", name.Contains("Node") ? "" : r.Namespace),
            MetricsGetRequest r => new(user, "get", "metrics.k8s.io", name.Contains("Node") ? "nodes" : "pods", "", name.Contains("Node") ? "" : r.Namespace, r.Name),
            ScaleGetRequest r => Resource(user, "get", r.Resource, r.Namespace, r.Name, "scale"),
            ScaleUpdateRequest r => Resource(user, "update", r.Resource, r.Namespace, MetadataName(r.Scale.Span), "scale"),
            CustomMetricRequest r => new(user, "get", Rest.RestMetrics.CustomGroup, r.Resource, r.Metric, r.Namespace, r.Name.Length > 0 ? r.Name : "*"),
            _ => RequestAttributes.NonResource(user, "post", method),
        };
    }

    private static RequestAttributes Resource(UserInfo user, string verb, string resource, string ns, string name, string subresource = "")
    {
        // The wire names a resource by plural or plural.group (pods.metrics.k8s.io); RBAC wants the group and the plural.
        var info = ResourceRegistry.ByPlural(resource);
        var group = info?.Group ?? "";
        var plural = info?.Plural ?? resource;
        return new RequestAttributes(user, verb, group, plural, subresource, info is { Namespaced: false } ? "" : ns, name);
    }

    private static string NameSelected(string fieldSelector) =>
        fieldSelector.StartsWith("metadata.name=", StringComparison.Ordinal) && !fieldSelector.Contains(',')
            ? fieldSelector["metadata.name=".Length..].TrimStart('=')
            : "";

    /// <summary>The body's <c>metadata.name</c> without decoding the rest; "" when it has none or is not JSON (the handler reports that).</summary>
    internal static string MetadataName(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return "";
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isMetadata = reader.ValueTextEquals("metadata"u8);
                reader.Read();
                if (!isMetadata)
                {
                    reader.Skip();
                    continue;
                }
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    return "";
                }
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isName = reader.ValueTextEquals("name"u8);
                    reader.Read();
                    if (isName)
                    {
                        return reader.TokenType == JsonTokenType.String ? reader.GetString() ?? "" : "";
                    }
                    reader.Skip();
                }
                return "";
            }
        }
        catch (JsonException)
        {
            // Malformed bodies are the handler's to reject with a proper message.
        }
        return "";
    }

    /// <summary>A request stream whose first message was already read.</summary>
    private sealed class Replayed<T>(T first, IAsyncStreamReader<T> rest) : IAsyncStreamReader<T>
    {
        private bool _firstPending = true;

        public T Current { get; private set; } = default!;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            if (_firstPending)
            {
                _firstPending = false;
                Current = first;
                return true;
            }
            if (!await rest.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
            Current = rest.Current;
            return true;
        }
    }
}
