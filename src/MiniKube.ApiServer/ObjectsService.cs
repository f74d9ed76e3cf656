using Google.Protobuf;
using Grpc.Core;
using MiniKube.Api;
using MiniKube.Protocol.V1;
using MiniKube.Storage;

namespace MiniKube.ApiServer;

/// <summary>The gRPC face of <see cref="ObjectApi"/>: unpacks envelopes, serves watches from the watch cache.</summary>
internal sealed partial class ObjectsService(
    ObjectApi api, WatchCacheSet caches, IObjectStore store, ObjectCodec codec, IHostApplicationLifetime lifetime, ILogger<ObjectsService> logger,
    IResourceMetrics metrics)
    : Objects.ObjectsBase
{
    private static readonly TimeSpan CacheSyncWait = TimeSpan.FromSeconds(30);
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, HashSet<string>> SupportedFields = new();

    public override async Task<ObjectReply> Create(CreateRequest request, ServerCallContext context)
    {
        var resource = ObjectApi.Resolve(request.Resource);
        var created = await api.CreateAsync(resource, request.Namespace, request.Object.Memory, request.DryRun, context.CancellationToken).ConfigureAwait(false);
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
                ? MetricsService.List(await metrics.ListPodMetricsAsync(request.Namespace, request.LabelSelector, context.CancellationToken).ConfigureAwait(false))
                : MetricsService.List(await metrics.ListNodeMetricsAsync(request.LabelSelector, context.CancellationToken).ConfigureAwait(false));
        }
        var resource = ObjectApi.Resolve(request.Resource);
        var filter = Filter(resource, request.Namespace, request.LabelSelector, request.FieldSelector);
        var (items, revision) = await api.ListAsync(resource, filter, context.CancellationToken).ConfigureAwait(false);
        return new ListReply { List = UnsafeByteOperations.UnsafeWrap(codec.EncodeList(resource, items, revision)) };
    }

    public override async Task<ObjectReply> Update(UpdateRequest request, ServerCallContext context)
    {
        var resource = ObjectApi.Resolve(request.Resource);
        return Reply(await api.UpdateAsync(resource, request.Namespace, request.Object.Memory, context.CancellationToken).ConfigureAwait(false));
    }

    public override async Task<ObjectReply> UpdateStatus(UpdateRequest request, ServerCallContext context)
    {
        var resource = ObjectApi.Resolve(request.Resource);
        return Reply(await api.UpdateStatusAsync(resource, request.Namespace, request.Object.Memory, context.CancellationToken).ConfigureAwait(false));
    }

    public override async Task<ObjectReply> Patch(PatchRequest request, ServerCallContext context)
    {
        var resource = ObjectApi.Resolve(request.Resource);
        return Reply(await api.PatchAsync(resource, request.Namespace, request.Name, request.PatchType, request.Patch.Memory, request.Status, context.CancellationToken)
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
        var filter = Filter(resource, request.Namespace, request.LabelSelector, request.FieldSelector);
        long? from = request.ResourceVersion is "" or "0" ? null : Versions.Parse(request.ResourceVersion);
        var cache = caches.For(resource);
        await cache.Synced.WaitAsync(CacheSyncWait, ct).ConfigureAwait(false);

        var watcher = cache.Watch(filter, from, request.AllowBookmarks);
        if (watcher is null)
        {
            LogDirectWatch(logger, resource.Plural, from!.Value);
            try
            {
                await WatchStoreAsync(resource, filter, from.Value, responseStream, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
            {
                // Server shutdown.
            }
            return;
        }
        try
        {
            foreach (var e in watcher.Initial)
            {
                await Send(responseStream, e).ConfigureAwait(false);
            }
            await foreach (var e in watcher.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                await Send(responseStream, e).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // Server shutdown: end the stream normally; clients resume against the next server.
        }
        finally
        {
            cache.Unregister(watcher);
        }
    }

    /// <summary>For a version older than the cache's ring: watch etcd itself (Gone if etcd compacted it).</summary>
    private async Task WatchStoreAsync(ResourceInfo resource, ObjectFilter filter, long from, IServerStreamWriter<Protocol.V1.WatchEvent> stream, CancellationToken ct)
    {
        await foreach (var e in store.WatchAsync(resource.Plural + "/", from, ct).ConfigureAwait(false))
        {
            CachedObject? previous = e.PrevValue.IsEmpty ? null : codec.FromStorage(resource, e.Key, e.PrevValue, e.Revision);
            CacheEvent change;
            if (e.Type == StorageEventType.Put)
            {
                var current = codec.FromStorage(resource, e.Key, e.Value, e.Revision);
                change = new CacheEvent(previous is null ? CacheEventType.Added : CacheEventType.Modified, current, previous, e.Revision);
            }
            else if (e.Type == StorageEventType.Delete && previous is not null)
            {
                change = new CacheEvent(CacheEventType.Deleted, previous, previous, e.Revision);
            }
            else
            {
                continue;
            }
            var type = CacheWatcher.Translate(change, filter);
            if (type is not null)
            {
                await Send(stream, new OutgoingEvent(type, change.Object.Json, e.Revision)).ConfigureAwait(false);
            }
        }
    }

    private static Task Send(IServerStreamWriter<Protocol.V1.WatchEvent> stream, in OutgoingEvent e) =>
        stream.WriteAsync(new Protocol.V1.WatchEvent { Type = e.Type, Object = UnsafeByteOperations.UnsafeWrap(e.Json) });

    private static ObjectFilter Filter(ResourceInfo resource, string ns, string labelSelector, string fieldSelector)
    {
        Selector labels;
        FieldSelector fields;
        try
        {
            labels = Selector.Parse(labelSelector);
        }
        catch (FormatException ex)
        {
            throw ApiException.BadRequest($"unable to parse requirement: {ex.Message}");
        }
        try
        {
            fields = FieldSelector.Parse(fieldSelector);
        }
        catch (FormatException ex)
        {
            throw ApiException.BadRequest($"invalid field selector: {ex.Message}");
        }
        var supported = SupportedFields.GetOrAdd(resource.Plural, _ => resource.Fields((KubeObject)Activator.CreateInstance(resource.Type)!).Keys.ToHashSet());
        foreach (var requirement in fields.Requirements)
        {
            if (!supported.Contains(requirement.Field))
            {
                throw ApiException.BadRequest($"field label not supported: {requirement.Field}");
            }
        }
        return new ObjectFilter(resource.Namespaced && ns.Length > 0 ? ns : null, labels, fields);
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    private static ObjectReply Reply(CachedObject obj) => new() { Object = UnsafeByteOperations.UnsafeWrap(obj.Json) };

    [LoggerMessage(Level = LogLevel.Information, Message = "Watch of {Resource} from {Revision} is older than the watch cache; serving it from etcd")]
    private static partial void LogDirectWatch(ILogger logger, string resource, long revision);
}
