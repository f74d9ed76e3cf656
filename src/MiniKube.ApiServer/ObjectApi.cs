using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using MiniKube.Api;
using MiniKube.Storage;

namespace MiniKube.ApiServer;

/// <summary>
/// The semantics of the API, independent of the wire: defaulting, validation, spec/status separation,
/// optimistic concurrency, finalizers and the pod binding subresource; deletion itself is <see cref="ObjectDeletion"/>.
/// </summary>
internal sealed partial class ObjectApi
{
    private const int MaxConflictRetries = 16;

    private readonly IObjectStore _store;
    private readonly ObjectCodec _codec;
    private readonly WatchCacheSet _caches;
    private readonly TimeProvider _time;
    private readonly ILogger<ObjectApi> _logger;

    private readonly ApiServerOptions _options;
    private readonly ServiceAllocator _services;
    private readonly ObjectDeletion _deletion;
    private readonly PodSecurityAdmission _podSecurity;
    private readonly NodeRestriction _nodeRestriction;
    private readonly ServiceAccountAdmission _serviceAccounts;
    private readonly IHttpContextAccessor? _http;

    public ObjectApi(IObjectStore store, ObjectCodec codec, WatchCacheSet caches, ApiServerOptions options, TimeProvider time, ILogger<ObjectApi> logger,
        PodSecurityAdmission podSecurity, NodeRestriction nodeRestriction, IHttpContextAccessor? http = null)
    {
        _nodeRestriction = nodeRestriction;
        _options = options;
        _podSecurity = podSecurity;
        _serviceAccounts = new ServiceAccountAdmission(store, codec, caches, options);
        _http = http;
        _services = new ServiceAllocator(store, options);
        _deletion = new ObjectDeletion(store, codec, time);
        _store = store;
        _codec = codec;
        _caches = caches;
        _time = time;
        _logger = logger;
    }

    /// <summary>A stored resource by its (optionally group-qualified) plural; served-only kinds (metrics) are refused.</summary>
    public static ResourceInfo Resolve(string resource)
    {
        var info = ResourceRegistry.ByPlural(resource)
            ?? throw new ApiException(new Status
            {
                Outcome = "Failure",
                Code = 404,
                Reason = StatusReasons.NotFound,
                Message = $"the server could not find the requested resource \"{resource}\"",
            });
        return info.Stored ? info : throw ApiException.MethodNotAllowed($"{info.QualifiedPlural} can only be read (get, list)");
    }

    public async Task<CachedObject> CreateAsync(ResourceInfo resource, string? requestNamespace, ReadOnlyMemory<byte> body, bool dryRun, string? fieldManager, CancellationToken ct)
    {
        var obj = _codec.DecodeRequest(resource, body.Span);
        var ns = ResolveNamespace(resource, requestNamespace, obj.Metadata.Namespace);
        var now = Now();
        var meta = obj.Metadata with
        {
            Namespace = ns,
            Uid = Guid.NewGuid().ToString(),
            CreationTimestamp = now,
            ResourceVersion = null,
            Generation = 1,
            DeletionTimestamp = null,
            DeletionGracePeriodSeconds = null,
        };
        if (string.IsNullOrEmpty(meta.Name) && string.IsNullOrEmpty(meta.GenerateName))
        {
            throw ApiException.Invalid(resource.Kind, "", [FieldError.Required("metadata.name", "name or generateName is required")]);
        }
        obj = obj with { Metadata = meta };
        if (resource.HasStatus && resource.Kind is not ("Node" or "Namespace"))
        {
            // As in Kubernetes, clients cannot create status for most kinds; controllers and kubelets report it.
            obj = ObjectParts.WithStatus(obj, null);
        }
        obj = NamespaceFinalization.OnCreate(Defaulter.Apply(obj, _options.Admission));
        obj = await AdmitVpaAsync(obj, ct).ConfigureAwait(false);
        obj = obj with { Metadata = obj.Metadata with { ManagedFields = ManagedFields.ForWrite(null, null, obj, fieldManager, resource.ApiVersion, now) } };
        var inNamespace = ns is null ? null : await EnsureNamespaceAcceptsAsync(ns, ct).ConfigureAwait(false);
        if (ns is not null && resource.Kind == "Pod")
        {
            obj = await _serviceAccounts.AdmitAsync(obj, ns, ct).ConfigureAwait(false);
        }

        for (var attempt = 0; ; attempt++)
        {
            var candidate = obj;
            if (string.IsNullOrEmpty(obj.Metadata.Name))
            {
                candidate = obj with { Metadata = obj.Metadata with { Name = NameGenerator.Generate(obj.Metadata.GenerateName!) } };
            }
            var errors = Validator.Validate(candidate);
            if (errors.Count > 0)
            {
                throw ApiException.Invalid(resource.Kind, candidate.Metadata.Name ?? "", errors);
            }
            if (attempt == 0)
            {
                _nodeRestriction.AdmitCreate(_http?.HttpContext, resource, candidate);
            }
            if (inNamespace is not null && attempt == 0 && PodSecurityAdmission.PodOf(candidate) is not null)
            {
                await AdmitPodSecurityAsync(resource, candidate, inNamespace, ct).ConfigureAwait(false);
            }
            var key = Keys.For(resource, ns, candidate.Metadata.Name!);
            try
            {
                if (candidate is Service service)
                {
                    // ClusterIP and NodePorts are allocated in the same etcd transaction that creates the Service.
                    var (allocated, revision, serviceBytes) = await WriteServiceAsync(key, service, null, null, dryRun, ct).ConfigureAwait(false);
                    return dryRun ? _codec.Stamp(resource, key, allocated, revision, serviceBytes) : Written(resource, key, allocated, revision, serviceBytes);
                }
                if (dryRun)
                {
                    return _codec.Stamp(resource, key, candidate, 0);
                }
                var bytes = _codec.EncodeForStorage(candidate);
                var pending = Expect(resource, key, candidate, bytes);
                try
                {
                    var stored = candidate is Event
                        ? await _store.CreateAsync(key, bytes, _options.EventTtl, ct).ConfigureAwait(false)
                        : await _store.CreateAsync(key, bytes, ct).ConfigureAwait(false);
                    return Written(resource, pending, stored.ModRevision);
                }
                catch
                {
                    _caches.For(resource).AbandonWrite(pending);
                    throw;
                }
            }
            catch (StorageException ex) when (ex.Code == StorageErrorCode.AlreadyExists)
            {
                if (!string.IsNullOrEmpty(obj.Metadata.Name) || attempt >= 8)
                {
                    throw ApiException.AlreadyExists(resource, candidate.Metadata.Name!);
                }
            }
        }
    }

    public async Task<CachedObject> GetAsync(ResourceInfo resource, string? ns, string name, CancellationToken ct)
    {
        RequireName(name);
        var key = Keys.For(resource, NamespaceFor(resource, ns), name);
        var stored = await _store.GetAsync(key, ct).ConfigureAwait(false) ?? throw ApiException.NotFound(resource, name);
        return _codec.FromStorage(resource, key, stored.Value, stored.ModRevision);
    }

    /// <summary>A consistent list: from the watch cache when it has caught up with etcd, else from etcd.</summary>
    public Task<(IReadOnlyList<CachedObject> Items, long Revision)> ListAsync(ResourceInfo resource, ObjectFilter filter, CancellationToken ct) =>
        ListAsync(resource, filter, ListVersion.Latest, ct);

    /// <summary>A list as fresh as <paramref name="version"/> asks: see <see cref="ListVersion"/>.</summary>
    public async Task<(IReadOnlyList<CachedObject> Items, long Revision)> ListAsync(ResourceInfo resource, ObjectFilter filter, ListVersion version,
        CancellationToken ct)
    {
        var cache = _caches.For(resource);
        var prefix = resource.Namespaced && !string.IsNullOrEmpty(filter.Namespace) ? Keys.NamespacePrefix(resource, filter.Namespace) : resource.Plural + "/";
        if (version.Kind == ListVersionKind.Exact)
        {
            try
            {
                return Decode(resource, filter, await _store.ListAsync(prefix, version.Revision, ct).ConfigureAwait(false));
            }
            catch (StorageException ex) when (ex.Code == StorageErrorCode.Gone)
            {
                throw ApiException.Gone("The resourceVersion for the provided list is too old.");
            }
            catch (StorageException ex) when (ex.Code == StorageErrorCode.TooLarge)
            {
                throw ListVersion.TooLarge(version.Revision, await _store.GetRevisionAsync(ct).ConfigureAwait(false));
            }
        }
        if (version.Kind == ListVersionKind.Any && cache.TryList(filter, 0) is { } any)
        {
            return any;
        }
        var current = await _store.GetRevisionAsync(ct).ConfigureAwait(false);
        if (version.Kind == ListVersionKind.NotOlderThan && version.Revision > current)
        {
            throw ListVersion.TooLarge(version.Revision, current);
        }
        if (cache.TryList(filter, current) is { } cached)
        {
            return cached;
        }
        return Decode(resource, filter, await _store.ListAsync(prefix, ct).ConfigureAwait(false));
    }

    private (IReadOnlyList<CachedObject> Items, long Revision) Decode(ResourceInfo resource, ObjectFilter filter, StoredList list)
    {
        var items = new List<CachedObject>(list.Items.Count);
        foreach (var item in list.Items)
        {
            var obj = _codec.FromStorage(resource, item.Key, item.Value, item.ModRevision);
            if (filter.Matches(obj))
            {
                items.Add(obj);
            }
        }
        return (items, list.Revision);
    }

    /// <summary>PUT: replaces the object except its status (and server-owned metadata).</summary>
    public Task<CachedObject> UpdateAsync(ResourceInfo resource, string? requestNamespace, ReadOnlyMemory<byte> body, string? fieldManager, CancellationToken ct,
        bool dryRun = false)
    {
        var incoming = _codec.DecodeRequest(resource, body.Span);
        return ReplaceAsync(resource, requestNamespace, incoming, WritePart.Object, fieldManager, dryRun, ct);
    }

    /// <summary>PUT on the status subresource: replaces only the status.</summary>
    public Task<CachedObject> UpdateStatusAsync(ResourceInfo resource, string? requestNamespace, ReadOnlyMemory<byte> body, CancellationToken ct,
        bool dryRun = false)
    {
        if (!resource.HasStatus)
        {
            throw ApiException.MethodNotAllowed($"{resource.Plural} have no status subresource");
        }
        var incoming = _codec.DecodeRequest(resource, body.Span);
        return ReplaceAsync(resource, requestNamespace, incoming, WritePart.Status, fieldManager: null, dryRun, ct);
    }

    /// <summary>
    /// A patch of the object or its status: JSON merge patch (RFC 7386, the default), JSON patch (RFC 6902), strategic merge
    /// patch or server-side apply (<see cref="ApplyAsync"/>); retried on conflicts unless the patch pins a resourceVersion.
    /// </summary>
    public async Task<CachedObject> PatchAsync(ResourceInfo resource, string? requestNamespace, string name, string patchType, ReadOnlyMemory<byte> patch, bool status,
        string? fieldManager, bool force, bool dryRun, CancellationToken ct)
    {
        var type = PatchTypes.Parse(patchType);
        if (status && !resource.HasStatus)
        {
            throw ApiException.MethodNotAllowed($"{resource.Plural} have no status subresource");
        }
        if (type == PatchType.Apply)
        {
            return await ApplyAsync(resource, requestNamespace, name, patch, status, fieldManager, force, dryRun, ct).ConfigureAwait(false);
        }
        return await PatchPartAsync(resource, requestNamespace, name, type, patch, status ? WritePart.Status : WritePart.Object, fieldManager, dryRun, ct)
            .ConfigureAwait(false);
    }

    /// <summary>
    /// A patch through the pod <c>resize</c> subresource: only the containers' cpu and memory requests and limits and their
    /// resize policies change (<see cref="Validator.ValidatePodResize"/>); everything else in the patch is dropped.
    /// </summary>
    public async Task<CachedObject> PatchResizeAsync(string? requestNamespace, string name, string patchType, ReadOnlyMemory<byte> patch, bool dryRun,
        CancellationToken ct)
    {
        var type = PatchTypes.Parse(patchType);
        if (type == PatchType.Apply)
        {
            throw ApiException.MethodNotAllowed("server-side apply of the resize subresource is not supported");
        }
        return await PatchPartAsync(ResourceRegistry.For<Pod>(), requestNamespace, name, type, patch, WritePart.Resize, fieldManager: null, dryRun, ct)
            .ConfigureAwait(false);
    }

    /// <summary>PUT on the pod <c>resize</c> subresource: the whole pod, of which only the resizable fields are taken.</summary>
    public Task<CachedObject> UpdateResizeAsync(string? requestNamespace, ReadOnlyMemory<byte> body, bool dryRun, CancellationToken ct)
    {
        var pods = ResourceRegistry.For<Pod>();
        return ReplaceAsync(pods, requestNamespace, _codec.DecodeRequest(pods, body.Span), WritePart.Resize, fieldManager: null, dryRun, ct);
    }

    private async Task<CachedObject> PatchPartAsync(ResourceInfo resource, string? requestNamespace, string name, PatchType type, ReadOnlyMemory<byte> patch,
        WritePart part, string? fieldManager, bool dryRun, CancellationToken ct)
    {
        JsonNode? patchNode;
        try
        {
            patchNode = KubeSerializer.ParseJsonTree(patch.Span);
        }
        catch (DecodeException ex)
        {
            throw ApiException.BadRequest("the patch is not valid JSON: " + ex.Message);
        }
        if (type == PatchType.Json ? patchNode is not JsonArray : patchNode is not JsonObject)
        {
            throw ApiException.BadRequest(type == PatchType.Json ? "a JSON patch must be a JSON array of operations" : "a merge patch must be a JSON object");
        }
        var pinned = type == PatchType.Json
            ? ((JsonArray)patchNode).Any(op => op is JsonObject o && o["path"] is JsonValue path && path.TryGetValue<string>(out var p) && p == "/metadata/resourceVersion")
            : patchNode["metadata"] is JsonObject metadata && metadata["resourceVersion"] is not null;
        for (var attempt = 0; ; attempt++)
        {
            RequireName(name);
            var current = await CurrentAsync(resource, Keys.For(resource, NamespaceFor(resource, requestNamespace), name), null, allowCache: attempt == 0, ct)
                .ConfigureAwait(false) ?? throw ApiException.NotFound(resource, name);
            var merged = type switch
            {
                PatchType.Json => JsonPatch.Apply(JsonNode.Parse(current.Json), (JsonArray)patchNode),
                PatchType.Strategic => StrategicMergePatch.Apply(JsonNode.Parse(current.Json), patchNode),
                _ => JsonMergePatch.Apply(JsonNode.Parse(current.Json), patchNode),
            };
            var bytes = System.Text.Encoding.UTF8.GetBytes(merged?.ToJsonString() ?? "null");
            var incoming = _codec.DecodeRequest(resource, bytes);
            if (incoming.Metadata.Name != name)
            {
                throw ApiException.BadRequest("a patch may not change metadata.name");
            }
            try
            {
                return await ReplaceAsync(resource, requestNamespace, incoming, part, part == WritePart.Object ? fieldManager : null, dryRun, ct).ConfigureAwait(false);
            }
            catch (ApiException ex) when (ex.IsConflict && !pinned)
            {
                // Someone wrote in between; re-apply the patch to the new state. No retry cap, as Kubernetes'
                // GuaranteedUpdate: every lost round means another writer won, so the loop ends; the request's own
                // deadline (ct) bounds it. A cap made concurrent patches of one object fail with Conflict.
                ct.ThrowIfCancellationRequested();
            }
        }
    }

    public async Task<CachedObject> DeleteAsync(ResourceInfo resource, string? ns, string name, DeleteOptions options, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var current = await GetAsync(resource, ns, name, ct).ConfigureAwait(false);
            _nodeRestriction.AdmitDelete(_http?.HttpContext, resource, current.Object);
            try
            {
                return await _deletion.DeleteAsync(resource, current, options, ct).ConfigureAwait(false);
            }
            catch (StorageException ex) when (ex.Code == StorageErrorCode.Conflict && attempt < MaxConflictRetries)
            {
                // Changed under us: decide again on the new state.
            }
            catch (StorageException ex) when (ex.Code == StorageErrorCode.NotFound)
            {
                throw ApiException.NotFound(resource, name);
            }
        }
    }

    /// <summary>The pod binding subresource: sets spec.nodeName exactly once and marks the pod scheduled.</summary>
    public async Task<CachedObject> BindAsync(string? requestNamespace, ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        var pods = ResourceRegistry.For<Pod>();
        Binding binding;
        try
        {
            binding = KubeSerializer.FromJson<Binding>(body.Span);
        }
        catch (DecodeException ex)
        {
            throw ApiException.BadRequest("Binding cannot be decoded: " + ex.Message);
        }
        var podName = binding.Metadata.Name ?? "";
        var node = binding.Target.Name;
        var errors = new List<FieldError>();
        if (string.IsNullOrEmpty(podName))
        {
            errors.Add(FieldError.Required("metadata.name"));
        }
        if (string.IsNullOrEmpty(node))
        {
            errors.Add(FieldError.Required("target.name"));
        }
        if (binding.Target.Kind is { Length: > 0 } kind && kind != "Node")
        {
            errors.Add(FieldError.NotSupported("target.kind", kind, ["Node"]));
        }
        if (errors.Count > 0)
        {
            throw ApiException.Invalid("Binding", podName, errors);
        }
        var ns = NamespaceFor(pods, requestNamespace ?? binding.Metadata.Namespace);
        for (var attempt = 0; ; attempt++)
        {
            var current = await CurrentAsync(pods, Keys.For(pods, ns, podName), null, allowCache: attempt == 0, ct).ConfigureAwait(false)
                ?? throw ApiException.NotFound(pods, podName);
            var pod = (Pod)current.Object;
            if (binding.Metadata.Uid is { Length: > 0 } uid && uid != pod.Metadata.Uid)
            {
                throw ApiException.Conflict(pods, podName, $"the pod's UID is {pod.Metadata.Uid}, not {uid}");
            }
            if (pod.Metadata.DeletionTimestamp is not null)
            {
                throw ApiException.Conflict(pods, podName, "pod is being deleted, cannot be assigned to a host");
            }
            if (!string.IsNullOrEmpty(pod.Spec?.NodeName))
            {
                throw ApiException.Conflict(pods, podName, $"pod {podName} is already assigned to node \"{pod.Spec!.NodeName}\"");
            }
            var conditions = (pod.Status?.Conditions ?? []).Where(c => c.Type != PodConditionType.PodScheduled).ToList();
            conditions.Insert(0, new PodCondition { Type = PodConditionType.PodScheduled, Status = ConditionStatus.True, LastTransitionTime = Now() });
            var bound = pod with
            {
                Metadata = pod.Metadata with { ResourceVersion = null },
                Spec = (pod.Spec ?? new PodSpec()) with { NodeName = node },
                Status = (pod.Status ?? new PodStatus()) with { Conditions = conditions },
            };
            try
            {
                var bytes = _codec.EncodeForStorage(bound);
                var pending = Expect(pods, current.Key, bound, bytes);
                try
                {
                    var stored = await _store.UpdateAsync(current.Key, bytes, current.Revision, ct).ConfigureAwait(false);
                    return Written(pods, pending, stored.ModRevision);
                }
                catch
                {
                    _caches.For(pods).AbandonWrite(pending);
                    throw;
                }
            }
            catch (StorageException ex) when (ex.Code == StorageErrorCode.Conflict && attempt < MaxConflictRetries)
            {
                // A status write raced the bind; try again on the new state.
            }
        }
    }

    /// <summary>
    /// Server-side apply (<c>application/apply-patch+yaml</c>, YAML or JSON) by <paramref name="fieldManager"/>: creates the object
    /// when it does not exist, else merges the configuration into it as <see cref="ServerSideApply"/> decides; retried when
    /// another write wins the race, unless the configuration pins a resourceVersion.
    /// </summary>
    private async Task<CachedObject> ApplyAsync(ResourceInfo resource, string? requestNamespace, string name, ReadOnlyMemory<byte> body, bool status,
        string? fieldManager, bool force, bool dryRun, CancellationToken ct)
    {
        if (status)
        {
            throw ApiException.MethodNotAllowed("server-side apply of the status subresource is not supported");
        }
        if (string.IsNullOrEmpty(fieldManager))
        {
            throw ApiException.Invalid("PatchOptions", "", [FieldError.Required("fieldManager", "is required for apply patch")]);
        }
        RequireName(name);
        JsonObject config;
        try
        {
            config = KubeSerializer.ParseDocument(System.Text.Encoding.UTF8.GetString(body.Span)) as JsonObject
                ?? throw ApiException.BadRequest("an apply configuration must be an object");
        }
        catch (DecodeException ex)
        {
            throw ApiException.BadRequest("the apply configuration cannot be decoded: " + ex.Message);
        }
        if (config["metadata"] is not JsonObject metadata)
        {
            config["metadata"] = metadata = [];
        }
        var nameInConfig = (metadata["name"] as JsonValue)?.ToString();
        if (nameInConfig is not null && nameInConfig != name)
        {
            throw ApiException.BadRequest($"the name of the object ({nameInConfig}) does not match the name on the URL ({name})");
        }
        metadata["name"] = name;
        var pinned = metadata["resourceVersion"] is not null;
        var key = Keys.For(resource, ResolveNamespace(resource, requestNamespace, (metadata["namespace"] as JsonValue)?.ToString()), name);
        for (var attempt = 0; ; attempt++)
        {
            var current = await CurrentAsync(resource, key, null, allowCache: attempt == 0, ct).ConfigureAwait(false);
            var live = current is null ? null : JsonNode.Parse(current.Json) as JsonObject;
            var merged = ServerSideApply.Apply(live, config, fieldManager, force, resource.ApiVersion, Now());
            var bytes = System.Text.Encoding.UTF8.GetBytes(merged.ToJsonString());
            try
            {
                if (current is null)
                {
                    return await CreateAsync(resource, requestNamespace, bytes, dryRun, fieldManager: null, ct).ConfigureAwait(false);
                }
                return await ReplaceAsync(resource, requestNamespace, _codec.DecodeRequest(resource, bytes), WritePart.Object, fieldManager: null, dryRun, ct).ConfigureAwait(false);
            }
            catch (ApiException ex) when (((current is null && ex.Status.Reason == StatusReasons.AlreadyExists) || (current is not null && ex.IsNotFound) || ex.IsConflict) && !pinned)
            {
                // Another writer created, deleted or changed the object in between: apply again to what it is now.
                ct.ThrowIfCancellationRequested();
            }
        }
    }

    /// <summary>The update all writes of an existing object share; <paramref name="dryRun"/> decides and validates everything but stores nothing.</summary>
    private async Task<CachedObject> ReplaceAsync(ResourceInfo resource, string? requestNamespace, KubeObject incoming, WritePart part, string? fieldManager, bool dryRun,
        CancellationToken ct)
    {
        var statusOnly = part == WritePart.Status;
        var name = incoming.Metadata.Name ?? "";
        RequireName(name);
        var ns = ResolveNamespace(resource, requestNamespace, incoming.Metadata.Namespace);
        var key = Keys.For(resource, ns, name);
        var expected = Versions.Parse(incoming.Metadata.ResourceVersion);
        for (var attempt = 0; ; attempt++)
        {
            var stored = await CurrentAsync(resource, key, expected, allowCache: attempt == 0, ct).ConfigureAwait(false)
                ?? throw ApiException.NotFound(resource, name);
            if (expected is { } rv && rv != stored.Revision)
            {
                throw ApiException.Conflict(resource, name);
            }
            var old = stored.Object;
            KubeObject next;
            IReadOnlyList<FieldError> errors;
            if (part == WritePart.Resize)
            {
                var (resized, resizeErrors) = Validator.ValidatePodResize(Defaulter.Apply((Pod)incoming, _options.Admission), (Pod)old);
                errors = resizeErrors;
                // As Kubernetes: the spec changed, so metadata.generation moves on (the kubelet reports status.observedGeneration).
                next = ObjectParts.SpecChanged(resized, old)
                    ? resized with { Metadata = resized.Metadata with { Generation = (old.Metadata.Generation ?? 1) + 1 } }
                    : resized;
            }
            else if (statusOnly)
            {
                next = ObjectParts.WithStatus(old, ObjectParts.GetStatus(incoming));
                errors = [];
            }
            else
            {
                next = incoming;
                if (resource.HasStatus)
                {
                    next = ObjectParts.WithStatus(next, ObjectParts.GetStatus(old));
                }
                next = Defaulter.Apply(next, _options.Admission);
                if (next is Service svc && old is Service oldService)
                {
                    next = ServiceAllocator.CarryOver(svc, oldService);
                }
                var generation = old.Metadata.Generation ?? 1;
                if (ObjectParts.SpecChanged(next, old))
                {
                    generation++;
                }
                next = next with
                {
                    Metadata = next.Metadata with
                    {
                        Uid = old.Metadata.Uid,
                        Namespace = old.Metadata.Namespace,
                        CreationTimestamp = old.Metadata.CreationTimestamp,
                        DeletionTimestamp = old.Metadata.DeletionTimestamp,
                        DeletionGracePeriodSeconds = old.Metadata.DeletionGracePeriodSeconds,
                        Generation = generation,
                    },
                };
                var oldJson = fieldManager is null ? null : JsonNode.Parse(stored.Json) as JsonObject;
                next = next with
                {
                    Metadata = next.Metadata with
                    {
                        ManagedFields = ManagedFields.ForWrite(oldJson, old.Metadata.ManagedFields, next, fieldManager, resource.ApiVersion, Now()),
                    },
                };
                errors = [];
            }
            next = next with { Metadata = next.Metadata with { ResourceVersion = null } };
            _nodeRestriction.AdmitUpdate(_http?.HttpContext, resource, old, next, statusOnly);
            if (part != WritePart.Resize)
            {
                errors = Validator.ValidateUpdate(next, old);
            }
            if (errors.Count > 0)
            {
                throw ApiException.Invalid(resource.Kind, name, errors);
            }
            if (dryRun)
            {
                return _codec.Stamp(resource, key, next, stored.Revision);
            }
            try
            {
                var meta = next.Metadata;
                if (meta.DeletionTimestamp is not null && (meta.Finalizers is null || meta.Finalizers.Count == 0) && (meta.DeletionGracePeriodSeconds ?? 0) == 0
                    && !NamespaceFinalization.HeldBySpec(next))
                {
                    // The last finalizer is gone from an object being deleted: the deletion completes now.
                    var revision = await _deletion.RemoveAsync(key, stored.Revision, old, ct).ConfigureAwait(false);
                    return _codec.Stamp(resource, key, next, revision);
                }
                if (!statusOnly && next is Service service)
                {
                    var (allocated, revision, serviceBytes) = await WriteServiceAsync(key, service, (Service)old, stored.Revision, dryRun: false, ct)
                        .ConfigureAwait(false);
                    return Written(resource, key, allocated, revision, serviceBytes);
                }
                var bytes = _codec.EncodeForStorage(next);
                var pending = Expect(resource, key, next, bytes);
                try
                {
                    var written = await _store.UpdateAsync(key, bytes, stored.Revision, ct).ConfigureAwait(false);
                    return Written(resource, pending, written.ModRevision);
                }
                catch
                {
                    _caches.For(resource).AbandonWrite(pending);
                    throw;
                }
            }
            catch (StorageException ex) when (ex.Code == StorageErrorCode.Conflict)
            {
                if (expected is not null || attempt >= MaxConflictRetries)
                {
                    throw ApiException.Conflict(resource, name);
                }
                // An unconditional update: last writer wins, so retry on the new state.
            }
            catch (StorageException ex) when (ex.Code == StorageErrorCode.NotFound)
            {
                throw ApiException.NotFound(resource, name);
            }
        }
    }

    /// <summary>
    /// Creates (<paramref name="expectedRevision"/> null) or updates a Service together with its allocations in one etcd
    /// transaction. A randomly picked value that another writer took in the meantime is picked again; a value the user asked
    /// for that is taken is an Invalid error. Failures of the Service's own key surface as <see cref="StorageException"/>.
    /// </summary>
    private async Task<(Service Service, long Revision, byte[] Bytes)> WriteServiceAsync(string key, Service service, Service? old, long? expectedRevision,
        bool dryRun, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var plan = await _services.PlanAsync(service, old, dryRun, ct).ConfigureAwait(false);
            var bytes = _codec.EncodeForStorage(plan.Service);
            if (dryRun)
            {
                return (plan.Service, 0, bytes);
            }
            var ops = plan.Operations();
            ops.Add(expectedRevision is { } rev ? StoreOperation.Update(key, bytes, rev) : StoreOperation.Create(key, bytes));
            try
            {
                var revision = await _store.CommitAsync(ops, ct).ConfigureAwait(false);
                return (plan.Service, revision, bytes);
            }
            catch (StorageException ex) when (ex.Code == StorageErrorCode.AlreadyExists && plan.ClaimFor(ex.Key) is { } claim)
            {
                if (claim.Requested)
                {
                    throw ApiException.Invalid("Service", service.Metadata.Name ?? "", [FieldError.Invalid(claim.Path, claim.Value, claim.TakenMessage)]);
                }
                if (attempt >= MaxConflictRetries)
                {
                    throw ApiException.Internal($"failed to allocate {claim.Value} for {claim.Path}: taken by another writer {attempt + 1} times in a row");
                }
                // Another API server took the value we picked between our read and our write: pick again.
            }
        }
    }

    /// <summary>
    /// The object to base a conditional write on. The watch cache usually has it, which saves an etcd read; the write
    /// itself is conditional on the revision, so a stale cache costs only a retry (which then reads etcd).
    /// </summary>
    private async Task<CachedObject?> CurrentAsync(ResourceInfo resource, string key, long? expected, bool allowCache, CancellationToken ct)
    {
        if (allowCache && _caches.For(resource).TryGet(key) is { } cached && (expected is null || cached.Revision == expected))
        {
            return cached;
        }
        var stored = await _store.GetAsync(key, ct).ConfigureAwait(false);
        return stored is { } value ? _codec.FromStorage(resource, key, value.Value, value.ModRevision) : null;
    }

    /// <summary>
    /// Pod Security admission with the namespace's labels. The namespace comes from the watch cache; before a rejection it
    /// is read from etcd, so a namespace labelled just before the create (a test, a script) is never judged by old labels.
    /// </summary>
    private async Task AdmitPodSecurityAsync(ResourceInfo resource, KubeObject obj, Namespace ns, CancellationToken ct)
    {
        // The enforce check runs once per create; only a rejection re-reads the namespace (the cached one may be stale).
        var enforced = _podSecurity.Enforced(obj, ns);
        if (enforced is { Count: > 0 })
        {
            var namespaces = ResourceRegistry.For<Namespace>();
            var key = Keys.For(namespaces, null, ns.Metadata.Name!);
            if (await _store.GetAsync(key, ct).ConfigureAwait(false) is { } stored)
            {
                ns = (Namespace)_codec.FromStorage(namespaces, key, stored.Value, stored.ModRevision).Object;
                enforced = null;
            }
        }
        _podSecurity.Admit(resource, obj, ns, _http?.HttpContext, enforced);
    }

    private async Task<Namespace> EnsureNamespaceAcceptsAsync(string ns, CancellationToken ct)
    {
        var namespaces = ResourceRegistry.For<Namespace>();
        var key = Keys.For(namespaces, null, ns);
        var cached = _caches.For(namespaces).TryGet(key)?.Object;
        if (cached is null)
        {
            var stored = await _store.GetAsync(key, ct).ConfigureAwait(false) ?? throw ApiException.NamespaceNotFound(ns);
            cached = _codec.FromStorage(namespaces, key, stored.Value, stored.ModRevision).Object;
        }
        if (cached.Metadata.DeletionTimestamp is not null || (cached as Namespace)?.Status?.Phase == NamespacePhase.Terminating)
        {
            throw ApiException.Forbidden(null, ns, $"unable to create new content in namespace {ns} because it is being terminated");
        }
        return (Namespace)cached;
    }

    private static string? ResolveNamespace(ResourceInfo resource, string? requestNamespace, string? objectNamespace)
    {
        if (!resource.Namespaced)
        {
            return null;
        }
        if (!string.IsNullOrEmpty(requestNamespace) && !string.IsNullOrEmpty(objectNamespace) && requestNamespace != objectNamespace)
        {
            throw ApiException.BadRequest(
                $"the namespace of the provided object ({objectNamespace}) does not match the namespace sent on the request ({requestNamespace})");
        }
        var ns = !string.IsNullOrEmpty(requestNamespace) ? requestNamespace : objectNamespace;
        return string.IsNullOrEmpty(ns) ? "default" : ns;
    }

    private static string? NamespaceFor(ResourceInfo resource, string? ns) =>
        resource.Namespaced ? (string.IsNullOrEmpty(ns) ? "default" : ns) : null;

    private static void RequireName(string name)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw ApiException.BadRequest("resource name may not be empty");
        }
    }

    /// <summary>
    /// The served form of what a write just stored; the watch cache is offered the object so it need not decode the same
    /// bytes again when the write's event arrives.
    /// </summary>
    /// <summary>
    /// Announces to the watch cache a write of <paramref name="stored"/> (the encoding of <paramref name="obj"/> without a
    /// resourceVersion) before it goes to etcd, so that its event is applied without decoding (see <see cref="WatchCache.ExpectWrite"/>).
    /// </summary>
    private WatchCache.PendingWrite Expect(ResourceInfo resource, string key, KubeObject obj, byte[] stored) =>
        _caches.For(resource).ExpectWrite(key, Unversioned(obj), stored);

    /// <summary>The reply for a stored write, also handed to the watch cache for the write's event: one stamp per write, no decode.</summary>
    private CachedObject Written(ResourceInfo resource, WatchCache.PendingWrite pending, long revision)
    {
        var served = _codec.Stamp(resource, pending.Key, pending.Object!, revision, pending.Stored);
        _caches.For(resource).CompleteWrite(pending, served);
        return served;
    }

    /// <summary>The reply for a stored write whose bytes were made inside the transaction (Services), offered to the watch cache.</summary>
    private CachedObject Written(ResourceInfo resource, string key, KubeObject obj, long revision, byte[] stored)
    {
        var served = _codec.Stamp(resource, key, Unversioned(obj), revision, stored);
        _caches.For(resource).OfferWritten(served, stored);
        return served;
    }

    /// <summary>Without the old version the served JSON is spliced from the stored bytes instead of encoding the object again.</summary>
    private static KubeObject Unversioned(KubeObject obj) =>
        obj.Metadata.ResourceVersion is null ? obj : obj with { Metadata = obj.Metadata with { ResourceVersion = null } };

    /// <summary>Which part of an object a write replaces: the object (not its status), its status, or a pod's resizable resources.</summary>
    private enum WritePart
    {
        Object,
        Status,
        Resize,
    }

    /// <summary>Kubernetes timestamps have second precision.</summary>
    private DateTimeOffset Now() => Timestamps.TruncateToSeconds(_time.GetUtcNow());
}
