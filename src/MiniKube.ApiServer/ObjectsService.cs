using Google.Protobuf;
using Grpc.Core;
using MiniKube.Api;
using MiniKube.Protocol.V1;

namespace MiniKube.ApiServer;

/// <summary>The gRPC face of <see cref="ObjectApi"/>: unpacks envelopes, serves watches from the watch cache.</summary>
internal sealed class ObjectsService(
    ObjectApi api, WatchStreams watches, ObjectCodec codec, IHostApplicationLifetime lifetime, IResourceMetrics metrics, Authorization.ApiAuthorization authorization,
    Security.UnionAuthenticator authenticator, TokenRequests tokens)
    : Objects.ObjectsBase
{
    public override async Task<ObjectReply> Create(CreateRequest request, ServerCallContext context)
    {
        if (Authorization.ReviewRequests.GroupOf(request.Resource) is not null)
        {
            var answer = await Authorization.ReviewRequests.AnswerAsync(request.Resource, authorization, authenticator,
                Authorization.ApiAuthorization.UserOf(context.GetHttpContext()), request.Object.Memory, context.CancellationToken).ConfigureAwait(false);
            return new ObjectReply { Object = UnsafeByteOperations.UnsafeWrap(answer) };
        }
        var resource = ObjectApi.Resolve(request.Resource);
        var created = await api.CreateAsync(resource, request.Namespace, request.Object.Memory, request.DryRun, fieldManager: null, context.CancellationToken).ConfigureAwait(false);
        return Reply(created);
    }

    public override async Task<ObjectReply> Get(GetRequest request, ServerCallContext context)
    {
        if (ResourceRegistry.ByPlural(request.Resource) is { Stored: false } served)
        {
            KubeObject found = served.Type == typeof(PodMetrics)
                ? await metrics.GetPodMetricsAsync(request.Namespace, request.Name, context.CancellationToken).ConfigureAwait(false)
                : await metrics.GetNodeMetricsAsync(request.Name, context.CancellationToken).ConfigureAwait(false);
            return MetricsService.Reply(found);
        }
        var resource = ObjectApi.Resolve(request.Resource);
        return Reply(await api.GetAsync(resource, request.Namespace, request.Name, context.CancellationToken).ConfigureAwait(false));
    }

    public override async Task<ListReply> List(ListRequest request, ServerCallContext context)
    {
        if (ResourceRegistry.ByPlural(request.Resource) is { Stored: false } served)
        {
            return served.Type == typeof(PodMetrics)
                ? MetricsService.List(await metrics.ListPodMetricsAsync(request.Namespace, request.LabelSelector, request.FieldSelector, context.CancellationToken).ConfigureAwait(false))
                : MetricsService.List(await metrics.ListNodeMetricsAsync(request.LabelSelector, request.FieldSelector, context.CancellationToken).ConfigureAwait(false));
        }
        var resource = ObjectApi.Resolve(request.Resource);
        var filter = ObjectFilters.Parse(resource, request.Namespace, request.LabelSelector, request.FieldSelector);
        var version = ListVersion.Parse(request.ResourceVersion, request.ResourceVersionMatch, continueToken: null);
        var (items, revision) = await api.ListAsync(resource, filter, version, context.CancellationToken).ConfigureAwait(false);
        return new ListReply { List = UnsafeByteOperations.UnsafeWrap(codec.EncodeList(resource, items, revision)) };
    }

    public override async Task<ObjectReply> Update(UpdateRequest request, ServerCallContext context)
    {
        var resource = ObjectApi.Resolve(request.Resource);
        if (IsResize(resource, request.Subresource))
        {
            return Reply(await api.UpdateResizeAsync(request.Namespace, request.Object.Memory, dryRun: false, context.CancellationToken).ConfigureAwait(false));
        }
        return Reply(await api.UpdateAsync(resource, request.Namespace, request.Object.Memory, fieldManager: null, context.CancellationToken).ConfigureAwait(false));
    }

    public override async Task<ObjectReply> UpdateStatus(UpdateRequest request, ServerCallContext context)
    {
        var resource = ObjectApi.Resolve(request.Resource);
        return Reply(await api.UpdateStatusAsync(resource, request.Namespace, request.Object.Memory, context.CancellationToken).ConfigureAwait(false));
    }

    public override async Task<ObjectReply> Patch(PatchRequest request, ServerCallContext context)
    {
        var resource = ObjectApi.Resolve(request.Resource);
        if (IsResize(resource, request.Subresource))
        {
            return Reply(await api.PatchResizeAsync(request.Namespace, request.Name, request.PatchType, request.Patch.Memory, dryRun: false, context.CancellationToken)
                .ConfigureAwait(false));
        }
        return Reply(await api.PatchAsync(resource, request.Namespace, request.Name, request.PatchType, request.Patch.Memory, request.Status, fieldManager: null, force: false, dryRun: false, context.CancellationToken)
            .ConfigureAwait(false));
    }

    public override async Task<ObjectReply> Delete(DeleteRequest request, ServerCallContext context)
    {
        var resource = ObjectApi.Resolve(request.Resource);
        var options = new DeleteOptions
        {
            GracePeriodSeconds = request.HasGracePeriodSeconds ? request.GracePeriodSeconds : null,
            PropagationPolicy = request.PropagationPolicy,
            Preconditions = request.PreconditionUid.Length > 0 || request.PreconditionResourceVersion.Length > 0
                ? new Preconditions { Uid = NullIfEmpty(request.PreconditionUid), ResourceVersion = NullIfEmpty(request.PreconditionResourceVersion) }
                : null,
        };
        return Reply(await api.DeleteAsync(resource, request.Namespace, request.Name, options, context.CancellationToken).ConfigureAwait(false));
    }

    public override async Task<ObjectReply> Bind(BindRequest request, ServerCallContext context) =>
        Reply(await api.BindAsync(request.Namespace, request.Binding.Memory, context.CancellationToken).ConfigureAwait(false));

    public override async Task<ObjectReply> CreateToken(CreateTokenRequest request, ServerCallContext context) =>
        new() { Object = UnsafeByteOperations.UnsafeWrap(await tokens.CreateAsync(request.Namespace, request.Name, request.TokenRequest.Memory, context.CancellationToken).ConfigureAwait(false)) };

    public override Task<DiscoverReply> Discover(DiscoverRequest request, ServerCallContext context)
    {
        var reply = new DiscoverReply();
        foreach (var r in ResourceRegistry.All)
        {
            var resource = new ApiResource
            {
                Name = r.Plural,
                SingularName = r.Singular,
                Group = r.Group,
                Version = r.Version,
                Kind = r.Kind,
                Namespaced = r.Namespaced,
            };
            resource.ShortNames.AddRange(r.ShortNames);
            resource.Verbs.AddRange(r.Stored ? ["create", "delete", "get", "list", "patch", "update", "watch"] : ["get", "list"]);
            reply.Resources.Add(resource);
        }
        return Task.FromResult(reply);
    }

    public override Task<VersionReply> Version(VersionRequest request, ServerCallContext context) => Task.FromResult(new VersionReply
    {
        Major = HealthEndpoints.KubernetesMajor,
        Minor = HealthEndpoints.KubernetesMinor,
        GitVersion = HealthEndpoints.GitVersion,
        Platform = HealthEndpoints.Platform,
    });

    public override async Task Watch(WatchRequest request, IServerStreamWriter<Protocol.V1.WatchEvent> responseStream, ServerCallContext context)
    {
        // Watches are endless: end them when the server stops, or shutdown would wait for every client to hang up.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var ct = stopping.Token;
        var resource = ObjectApi.Resolve(request.Resource);
        var filter = ObjectFilters.Parse(resource, request.Namespace, request.LabelSelector, request.FieldSelector);
        long? from = request.ResourceVersion is "" or "0" ? null : Versions.Parse(request.ResourceVersion);
        try
        {
            await foreach (var e in watches.WatchAsync(resource, filter, from, request.AllowBookmarks, ct,
                () => context.WriteResponseHeadersAsync([])).ConfigureAwait(false))
            {
                await responseStream.WriteAsync(new Protocol.V1.WatchEvent { Type = e.Type, Object = UnsafeByteOperations.UnsafeWrap(e.Json) }).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // Server shutdown: end the stream normally; clients resume against the next server.
        }
    }

    /// <summary>The pod resize subresource; any other subresource name is not served here.</summary>
    private static bool IsResize(ResourceInfo resource, string subresource) => subresource switch
    {
        "" => false,
        "resize" when resource.Kind == "Pod" => true,
        _ => throw new ApiException(new Api.Status
        {
            Outcome = "Failure",
            Code = 404,
            Reason = StatusReasons.NotFound,
            Message = $"the server could not find the requested resource: {resource.Plural} have no {subresource} subresource",
        }),
    };

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    private static ObjectReply Reply(CachedObject obj) => new() { Object = UnsafeByteOperations.UnsafeWrap(obj.Json) };
}
