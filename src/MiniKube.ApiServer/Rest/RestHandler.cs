using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using MiniKube.Api;
using MiniKube.Storage;

namespace MiniKube.ApiServer.Rest;

/// <summary>
/// The Kubernetes REST face of <see cref="ObjectApi"/> on the HTTP/1.1 port: discovery, get/list (plain or as Tables),
/// watch, create, update, patch, delete and the status, binding and scale subresources. The semantics are
/// <see cref="ObjectApi"/>'s and the watches <see cref="WatchStreams"/>' — the same the gRPC service serves.
/// </summary>
internal sealed partial class RestHandler(
    ObjectApi api, WatchStreams watches, OpenApiDocuments openApi, KubeletProxy kubelets, IScaleSubresource scales, RestMetrics metrics,
    IHostApplicationLifetime lifetime, TimeProvider time, Authorization.ApiAuthorization authorization, Security.UnionAuthenticator authenticator,
    TokenRequests tokens, ILogger<RestHandler> logger)
{
    private const string Json = "application/json";

    public async Task HandleAsync(HttpContext http)
    {
        try
        {
            await DispatchAsync(http).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested || lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // The client went away or the server is stopping.
        }
        catch (Exception ex) when (!http.Response.HasStarted)
        {
            var status = GrpcErrors.ToApiException(ex).Status;
            if (status.Code >= 500)
            {
                LogServerError(logger, http.Request.Method, http.Request.Path, ex);
            }
            await WriteStatusAsync(http, status).ConfigureAwait(false);
        }
    }

    public static async Task WriteStatusAsync(HttpContext http, Status status)
    {
        http.Response.StatusCode = status.Code == 0 ? 500 : status.Code;
        http.Response.ContentType = Json;
        await http.Response.Body.WriteAsync(KubeSerializer.ToJsonBytes(status), http.RequestAborted).ConfigureAwait(false);
    }

    private async Task DispatchAsync(HttpContext http)
    {
        var request = http.Request;
        var path = request.Path.Value ?? "/";
        if (path.StartsWith("/openapi/", StringComparison.Ordinal))
        {
            await openApi.ServeAsync(http).ConfigureAwait(false);
            return;
        }
        if (RestMetrics.IsCustom(path))
        {
            await WriteJsonAsync(http, await metrics.GetCustomAsync(request, path, http.RequestAborted).ConfigureAwait(false)).ConfigureAwait(false);
            return;
        }
        if (ReviewPlural(path) is { } review)
        {
            await ServeReviewAsync(http, review).ConfigureAwait(false);
            return;
        }
        var target = RestPath.Parse(path, out var group, out var version);
        if (target is null)
        {
            await ServeDiscoveryAsync(http, path, group, version).ConfigureAwait(false);
            return;
        }
        var method = request.Method;
        var ct = http.RequestAborted;
        var query = request.Query;
        if (!target.Resource.Stored)
        {
            await WriteJsonAsync(http, await metrics.GetAsync(request, target, ct).ConfigureAwait(false)).ConfigureAwait(false);
            return;
        }
        if (target.Name is null)
        {
            switch (method)
            {
                case "GET" when IsTrue(query["watch"]):
                    await WatchAsync(http, target).ConfigureAwait(false);
                    return;
                case "GET":
                    await ListAsync(http, target).ConfigureAwait(false);
                    return;
                case "POST":
                {
                    var body = await ReadBodyAsync(http).ConfigureAwait(false);
                    var created = await api.CreateAsync(target.Resource, target.Namespace, Decode(http, target.Resource, body), DryRun(query),
                        FieldManager(http), ct).ConfigureAwait(false);
                    await WriteObjectAsync(http, created, 201).ConfigureAwait(false);
                    return;
                }
                case "DELETE":
                    await DeleteCollectionAsync(http, target).ConfigureAwait(false);
                    return;
            }
            throw MethodNotAllowed(method, path);
        }
        switch (target.Subresource)
        {
            case null:
                await ServeObjectAsync(http, target, status: false).ConfigureAwait(false);
                return;
            case "status" when target.Resource.HasStatus:
                await ServeObjectAsync(http, target, status: true).ConfigureAwait(false);
                return;
            case "binding" when target.Resource.Plural == "pods" && method == "POST":
            {
                var body = await ReadBodyAsync(http).ConfigureAwait(false);
                await api.BindAsync(target.Namespace, body, ct).ConfigureAwait(false);
                await WriteJsonAsync(http, KubeSerializer.ToJsonBytes(new Status { Outcome = "Success", Code = 201 }), 201).ConfigureAwait(false);
                return;
            }
            case "eviction" when target.Resource.Plural == "pods" && method == "POST":
                await PodEviction.ServeAsync(http, api, target, await ReadBodyAsync(http).ConfigureAwait(false)).ConfigureAwait(false);
                return;
            case "token" when target.Resource.Plural == "serviceaccounts" && method == "POST":
            {
                var body = await ReadBodyAsync(http).ConfigureAwait(false);
                await WriteJsonAsync(http, await tokens.CreateAsync(target.Namespace, target.Name!, body, ct).ConfigureAwait(false), 201).ConfigureAwait(false);
                return;
            }
            case "log" when target.Resource.Plural == "pods" && method == "GET":
                await ServeLogAsync(http, target).ConfigureAwait(false);
                return;
            case "exec" or "attach" when target.Resource.Plural == "pods" && method is "GET" or "POST":
                await PodExecSocket.ServeAsync(http, kubelets, target, target.Subresource).ConfigureAwait(false);
                return;
            case "portforward" when target.Resource.Plural == "pods" && method is "GET" or "POST":
                await PodPortForward.ServeAsync(http, api, target).ConfigureAwait(false);
                return;
            case "resize" when target.Resource.Plural == "pods":
                await ServeResizeAsync(http, target).ConfigureAwait(false);
                return;
            case "scale" when target.Resource.Plural is "deployments" or "replicasets":
                await ServeScaleAsync(http, target).ConfigureAwait(false);
                return;
        }
        throw RestPath.NotFound(path);
    }

    /// <summary>The plural of <c>/apis/GROUP/v1/PLURAL</c> when it is a review answered here (create only, never stored), else null.</summary>
    private static string? ReviewPlural(string path)
    {
        var segments = path.Trim('/').Split('/');
        return segments is ["apis", var group, "v1", var plural] && Authorization.ReviewRequests.GroupOf(plural) == group ? plural : null;
    }

    /// <summary>SelfSubjectAccessReview, SubjectAccessReview, TokenReview: answered and not stored.</summary>
    private async Task ServeReviewAsync(HttpContext http, string plural)
    {
        if (http.Request.Method != "POST")
        {
            throw MethodNotAllowed(http.Request.Method, http.Request.Path.Value ?? "");
        }
        var body = await ReadBodyAsync(http).ConfigureAwait(false);
        var answer = await Authorization.ReviewRequests.AnswerAsync(plural, authorization, authenticator, Authorization.ApiAuthorization.UserOf(http), body,
            http.RequestAborted).ConfigureAwait(false);
        await WriteJsonAsync(http, answer, 201).ConfigureAwait(false);
    }

    private async Task ServeObjectAsync(HttpContext http, RestTarget target, bool status)
    {
        var ct = http.RequestAborted;
        var resource = target.Resource;
        var name = target.Name!;
        switch (http.Request.Method)
        {
            case "GET":
            {
                var obj = await api.GetAsync(resource, target.Namespace, name, ct).ConfigureAwait(false);
                if (TableEncoder.Wants(http.Request.Headers.Accept))
                {
                    var include = TableEncoder.ParseInclude(http.Request.Query["includeObject"]);
                    await WriteJsonAsync(http, TableEncoder.Encode(resource, [obj], null, null, null, true, include, time.GetUtcNow())).ConfigureAwait(false);
                    return;
                }
                await WriteObjectAsync(http, obj).ConfigureAwait(false);
                return;
            }
            case "PUT":
            {
                var body = Decode(http, resource, await ReadBodyAsync(http).ConfigureAwait(false));
                var nameInBody = NameInBody(body);
                if (nameInBody != name)
                {
                    throw ApiException.BadRequest($"the name of the object ({nameInBody}) does not match the name on the URL ({name})");
                }
                var updated = status
                    ? await api.UpdateStatusAsync(resource, target.Namespace, body, ct, DryRun(http.Request.Query)).ConfigureAwait(false)
                    : await api.UpdateAsync(resource, target.Namespace, body, FieldManager(http), ct, DryRun(http.Request.Query)).ConfigureAwait(false);
                await WriteObjectAsync(http, updated).ConfigureAwait(false);
                return;
            }
            case "PATCH":
            {
                var body = await ReadBodyAsync(http).ConfigureAwait(false);
                var apply = PatchTypes.Parse(http.Request.ContentType) == PatchType.Apply;
                var patched = await api.PatchAsync(resource, target.Namespace, name, http.Request.ContentType ?? "", body, status,
                    apply ? http.Request.Query["fieldManager"] : FieldManager(http), IsTrue(http.Request.Query["force"]), DryRun(http.Request.Query), ct).ConfigureAwait(false);
                await WriteObjectAsync(http, patched).ConfigureAwait(false);
                return;
            }
            case "DELETE" when !status:
            {
                var options = await DeleteOptionsAsync(http).ConfigureAwait(false);
                CachedObject deleted;
                if (options.DryRun?.Contains("All") == true)
                {
                    deleted = await api.GetAsync(resource, target.Namespace, name, ct).ConfigureAwait(false);
                }
                else
                {
                    deleted = await api.DeleteAsync(resource, target.Namespace, name, options, ct).ConfigureAwait(false);
                }
                await WriteObjectAsync(http, deleted).ConfigureAwait(false);
                return;
            }
        }
        throw MethodNotAllowed(http.Request.Method, http.Request.Path.Value ?? "");
    }

    /// <summary>The pod <c>resize</c> subresource: GET reads the pod, PUT and PATCH change only its resizable resources.</summary>
    private async Task ServeResizeAsync(HttpContext http, RestTarget target)
    {
        var ct = http.RequestAborted;
        var name = target.Name!;
        switch (http.Request.Method)
        {
            case "GET":
                await WriteObjectAsync(http, await api.GetAsync(target.Resource, target.Namespace, name, ct).ConfigureAwait(false)).ConfigureAwait(false);
                return;
            case "PUT":
            {
                var body = Decode(http, target.Resource, await ReadBodyAsync(http).ConfigureAwait(false));
                var nameInBody = NameInBody(body);
                if (nameInBody != name)
                {
                    throw ApiException.BadRequest($"the name of the object ({nameInBody}) does not match the name on the URL ({name})");
                }
                await WriteObjectAsync(http, await api.UpdateResizeAsync(target.Namespace, body, DryRun(http.Request.Query), ct).ConfigureAwait(false)).ConfigureAwait(false);
                return;
            }
            case "PATCH":
            {
                var body = await ReadBodyAsync(http).ConfigureAwait(false);
                var patched = await api.PatchResizeAsync(target.Namespace, name, http.Request.ContentType ?? "", body, DryRun(http.Request.Query), ct).ConfigureAwait(false);
                await WriteObjectAsync(http, patched).ConfigureAwait(false);
                return;
            }
        }
        throw MethodNotAllowed(http.Request.Method, http.Request.Path.Value ?? "");
    }

    private async Task ListAsync(HttpContext http, RestTarget target)
    {
        var query = http.Request.Query;
        var resource = target.Resource;
        var filter = ObjectFilters.Parse(resource, target.Namespace, query["labelSelector"], query["fieldSelector"]);
        var token = (string?)query["continue"];
        var listVersion = ListVersion.Parse(query["resourceVersion"], query["resourceVersionMatch"], token);
        var (all, revision) = await api.ListAsync(resource, filter, listVersion, http.RequestAborted).ConfigureAwait(false);
        var items = all.OrderBy(i => i.Key, StringComparer.Ordinal).AsEnumerable();
        if (!string.IsNullOrEmpty(token))
        {
            var after = ContinueToken.Decode(token);
            items = items.Where(i => string.CompareOrdinal(i.Key, after) > 0);
        }
        var remainingList = items.ToList();
        string? next = null;
        long? remaining = null;
        if (int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit > 0 && remainingList.Count > limit)
        {
            remaining = remainingList.Count - limit;
            remainingList = remainingList.Take(limit).ToList();
            next = ContinueToken.Encode(remainingList[^1].Key);
        }
        var version = Versions.Format(revision);
        if (TableEncoder.Wants(http.Request.Headers.Accept))
        {
            var include = TableEncoder.ParseInclude(query["includeObject"]);
            await WriteJsonAsync(http, TableEncoder.Encode(resource, remainingList, version, next, remaining, true, include, time.GetUtcNow())).ConfigureAwait(false);
            return;
        }
        await WriteJsonAsync(http, EncodeList(resource, remainingList, version, next, remaining)).ConfigureAwait(false);
    }

    private async Task WatchAsync(HttpContext http, RestTarget target)
    {
        var query = http.Request.Query;
        var resource = target.Resource;
        var filter = ObjectFilters.Parse(resource, target.Namespace, query["labelSelector"], query["fieldSelector"]);
        var rv = (string?)query["resourceVersion"];
        var bookmarks = IsTrue(query["allowWatchBookmarks"]);
        var sendInitialEvents = WatchListOptions.Parse(query["sendInitialEvents"], query["resourceVersionMatch"], bookmarks);
        long? from = rv is null or "" or "0" ? null : Versions.Parse(rv);
        (IReadOnlyList<CachedObject> Items, long Revision)? consistent = null;
        switch (sendInitialEvents)
        {
            case true when rv is null or "":
                // No resourceVersion: the initial state is a consistent one (rv "0" takes the watch cache as it is).
                consistent = await api.ListAsync(resource, filter, http.RequestAborted).ConfigureAwait(false);
                break;
            case true:
                // The state at least as new as rv, then the changes after it.
                if (from is { } atLeast && !await watches.WaitForRevisionAsync(resource, atLeast, http.RequestAborted).ConfigureAwait(false))
                {
                    throw ListVersion.TooLarge(atLeast, watches.CurrentRevision(resource));
                }
                from = null;
                break;
            case false when from is null:
                // No initial state: changes from now on.
                from = watches.CurrentRevision(resource);
                break;
        }
        var tables = TableEncoder.Wants(http.Request.Headers.Accept);
        var include = tables ? TableEncoder.ParseInclude(query["includeObject"]) : TableObjects.Metadata;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        if (int.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var timeout) && timeout > 0)
        {
            stop.CancelAfter(TimeSpan.FromSeconds(timeout));
        }
        var ct = stop.Token;
        var events = (consistent is { } state
            ? watches.WatchListAsync(resource, filter, state.Items, state.Revision, bookmarks, ct)
            : watches.WatchAsync(resource, filter, from, bookmarks, ct, initialEventsEnd: sendInitialEvents == true)).GetAsyncEnumerator(ct);
        var response = http.Response;
        response.StatusCode = 200;
        response.ContentType = Json;
        response.Headers.CacheControl = "no-cache, private";
        await response.StartAsync(http.RequestAborted).ConfigureAwait(false);
        await response.Body.FlushAsync(http.RequestAborted).ConfigureAwait(false);
        var first = true;
        try
        {
            while (await events.MoveNextAsync().ConfigureAwait(false))
            {
                var e = events.Current;
                var obj = e.Json;
                if (tables && e.Type != WatchEventTypes.Bookmark)
                {
                    var decoded = (KubeObject)KubeSerializer.FromJson(e.Json, resource.Type);
                    var cached = new CachedObject("", decoded, e.Json, e.Revision, resource.Fields(decoded));
                    obj = TableEncoder.Encode(resource, [cached], Versions.Format(e.Revision), null, null, first, include, time.GetUtcNow());
                    first = false;
                }
                await WriteEventAsync(response, e.Type, obj, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // timeoutSeconds elapsed, the client left or the server stops: end the stream.
        }
        catch (StorageException ex) when (ex.Code == StorageErrorCode.Gone)
        {
            var gone = ApiException.Gone("too old resource version: " + ex.Message).Status;
            await WriteEventAsync(response, "ERROR", KubeSerializer.ToJsonBytes(gone), CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            await events.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task WriteEventAsync(HttpResponse response, string type, byte[] obj, CancellationToken ct)
    {
        var line = new byte[obj.Length + type.Length + 24];
        var head = Encoding.UTF8.GetBytes("{\"type\":\"" + type + "\",\"object\":");
        head.CopyTo(line, 0);
        obj.CopyTo(line, head.Length);
        var end = head.Length + obj.Length;
        line[end] = (byte)'}';
        line[end + 1] = (byte)'\n';
        await response.Body.WriteAsync(line.AsMemory(0, end + 2), ct).ConfigureAwait(false);
        await response.Body.FlushAsync(ct).ConfigureAwait(false);
    }

    private async Task DeleteCollectionAsync(HttpContext http, RestTarget target)
    {
        var query = http.Request.Query;
        var resource = target.Resource;
        var ct = http.RequestAborted;
        var options = await DeleteOptionsAsync(http).ConfigureAwait(false);
        var filter = ObjectFilters.Parse(resource, target.Namespace, query["labelSelector"], query["fieldSelector"]);
        var (items, revision) = await api.ListAsync(resource, filter, ct).ConfigureAwait(false);
        var deleted = new List<CachedObject>();
        foreach (var item in items)
        {
            if (options.DryRun?.Contains("All") == true)
            {
                deleted.Add(item);
                continue;
            }
            try
            {
                deleted.Add(await api.DeleteAsync(resource, item.Namespace, item.Object.Metadata.Name!, options, ct).ConfigureAwait(false));
            }
            catch (ApiException ex) when (ex.IsNotFound)
            {
                // Gone already.
            }
        }
        await WriteJsonAsync(http, EncodeList(resource, deleted, Versions.Format(revision), null, null)).ConfigureAwait(false);
    }

    /// <summary>pods/log: the kubelet's log stream relayed as text/plain (follow, tailLines, timestamps, previous, container).</summary>
    private async Task ServeLogAsync(HttpContext http, RestTarget target)
    {
        var query = http.Request.Query;
        var ct = http.RequestAborted;
        var options = new PodLogQuery(query["container"], IsTrue(query["follow"]), IsTrue(query["timestamps"]), IsTrue(query["previous"]),
            LongQuery(query, "tailLines"), LongQuery(query, "sinceSeconds"), PodLogQuery.ParseSinceTime(query["sinceTime"]));
        using var upstream = await kubelets.LogsAsync(target.Namespace ?? "default", target.Name!, options, ct).ConfigureAwait(false);
        await using var body = await upstream.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        http.Response.StatusCode = 200;
        http.Response.ContentType = "text/plain";
        await http.Response.StartAsync(ct).ConfigureAwait(false);
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            await http.Response.Body.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
            await http.Response.Body.FlushAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>autoscaling/v1 Scale of a Deployment or ReplicaSet through <see cref="IScaleSubresource"/>, the gRPC Scales service's path.</summary>
    private async Task ServeScaleAsync(HttpContext http, RestTarget target)
    {
        var ct = http.RequestAborted;
        var resource = target.Resource;
        var name = target.Name!;
        Scale scale;
        switch (http.Request.Method)
        {
            case "GET":
                scale = await scales.GetAsync(resource, target.Namespace, name, ct).ConfigureAwait(false);
                break;
            case "PUT" or "PATCH":
            {
                var body = await ReadBodyAsync(http).ConfigureAwait(false);
                JsonNode? requested;
                if (http.Request.Method == "PUT")
                {
                    requested = JsonNode.Parse(body.Span);
                }
                else
                {
                    var current = await scales.GetAsync(resource, target.Namespace, name, ct).ConfigureAwait(false);
                    var currentScale = JsonNode.Parse(KubeSerializer.ToJsonBytes(current));
                    var patch = JsonNode.Parse(body.Span);
                    requested = PatchTypes.Parse(http.Request.ContentType) switch
                    {
                        PatchType.Json => JsonPatch.Apply(currentScale, patch as JsonArray ?? throw ApiException.BadRequest("a JSON patch must be an array")),
                        PatchType.Strategic => StrategicMergePatch.Apply(currentScale, patch),
                        _ => JsonMergePatch.Apply(currentScale, patch),
                    };
                }
                // Only spec.replicas is written (a missing one is 0, as in Kubernetes' Scale); the target's own write
                // path validates it.
                var replicas = requested?["spec"]?["replicas"]?.GetValue<int>() ?? 0;
                scale = await scales.UpdateAsync(resource, target.Namespace, name, new Scale { Spec = new ScaleSpec { Replicas = replicas } },
                    FieldManager(http), ct)
                    .ConfigureAwait(false);
                break;
            }
            default:
                throw MethodNotAllowed(http.Request.Method, http.Request.Path.Value ?? "");
        }
        await WriteJsonAsync(http, KubeSerializer.ToJsonBytes(scale)).ConfigureAwait(false);
    }

    private async Task ServeDiscoveryAsync(HttpContext http, string path, string group, string? version)
    {
        if (http.Request.Method != "GET")
        {
            throw MethodNotAllowed(http.Request.Method, path);
        }
        var aggregated = (http.Request.Headers.Accept.ToString()).Contains("as=APIGroupDiscoveryList", StringComparison.Ordinal);
        var core = path.TrimEnd('/') == "/api" || path.StartsWith("/api/", StringComparison.Ordinal);
        byte[]? body;
        if (core && version is null)
        {
            body = aggregated ? RestDiscovery.Aggregated(core: true) : RestDiscovery.ApiVersions(http.Request.Host.Value ?? "");
        }
        else if (!core && group.Length == 0)
        {
            body = aggregated ? RestDiscovery.Aggregated(core: false) : RestDiscovery.GroupList();
        }
        else if (!core && version is null)
        {
            body = RestDiscovery.Group(group);
            aggregated = false;
        }
        else
        {
            body = RestDiscovery.ResourceList(core ? "" : group, version!);
            aggregated = false;
        }
        if (body is null)
        {
            throw RestPath.NotFound(path);
        }
        if (aggregated)
        {
            http.Response.Headers["Vary"] = "Accept";
        }
        await WriteJsonAsync(http, body, contentType: aggregated ? RestDiscovery.AggregatedContentType : Json).ConfigureAwait(false);
    }

    /// <summary>The request body, checked against <c>fieldValidation</c>: Strict (and our default) refuses unknown fields, Warn and Ignore drop them.</summary>
    private static ReadOnlyMemory<byte> Decode(HttpContext http, ResourceInfo resource, ReadOnlyMemory<byte> body)
    {
        var mode = (string?)http.Request.Query["fieldValidation"];
        if (mode is null or "" or "Strict")
        {
            return body;
        }
        if (mode is not ("Warn" or "Ignore"))
        {
            throw ApiException.BadRequest($"fieldValidation \"{mode}\" is not one of Ignore, Warn, Strict");
        }
        var (cleaned, unknown) = UnknownFields.Remove(resource.Type, body);
        if (mode == "Warn")
        {
            foreach (var field in unknown)
            {
                http.Response.Headers.Append("Warning", $"299 - \"unknown field \\\"{field}\\\"\"");
            }
        }
        return cleaned;
    }

    private static async Task<DeleteOptions> DeleteOptionsAsync(HttpContext http)
    {
        var body = await ReadBodyAsync(http).ConfigureAwait(false);
        var options = body.IsEmpty ? new DeleteOptions() : KubeSerializer.FromJson<DeleteOptions>(body.Span);
        var query = http.Request.Query;
        if (long.TryParse(query["gracePeriodSeconds"], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var grace))
        {
            options = options with { GracePeriodSeconds = grace };
        }
        if (query["propagationPolicy"] is { Count: > 0 } policy)
        {
            options = options with { PropagationPolicy = policy.ToString() };
        }
        if (DryRun(query))
        {
            options = options with { DryRun = ["All"] };
        }
        return options;
    }

    private static long? LongQuery(IQueryCollection query, string name)
    {
        var value = (string?)query[name];
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }
        return long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw ApiException.BadRequest($"{name} \"{value}\" is not an integer");
    }

    private static bool DryRun(IQueryCollection query)
    {
        var value = (string?)query["dryRun"];
        return value switch
        {
            null or "" => false,
            "All" => true,
            _ => throw ApiException.BadRequest($"dryRun \"{value}\" is not supported: use All"),
        };
    }

    /// <summary>The body's metadata.name, null when it has none or the body is not an object; bad JSON is a 400.</summary>
    private static string? NameInBody(ReadOnlyMemory<byte> body) =>
        KubeSerializer.ParseJsonTree(body.Span) is JsonObject { } root && root["metadata"] is JsonObject metadata
        && metadata["name"] is JsonValue name && name.TryGetValue<string>(out var text) ? text : null;

    private static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpContext http)
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, http.RequestAborted).ConfigureAwait(false);
        // kubectl's generator subcommands (create configmap, create deployment …) and typed clients send protobuf bodies.
        return KubernetesProtobuf.IsProtobuf(http.Request.ContentType)
            ? KubernetesProtobuf.ToJson(buffer.GetBuffer().AsSpan(0, (int)buffer.Length))
            : buffer.ToArray();
    }

    private static byte[] EncodeList(ResourceInfo resource, IReadOnlyList<CachedObject> items, string version, string? next, long? remaining) =>
        RestDiscovery.Write(w =>
        {
            w.WriteString("kind", resource.ListKind);
            w.WriteString("apiVersion", resource.ApiVersion);
            w.WriteStartObject("metadata");
            w.WriteString("resourceVersion", version);
            if (next is not null)
            {
                w.WriteString("continue", next);
            }
            if (remaining is { } left)
            {
                w.WriteNumber("remainingItemCount", left);
            }
            w.WriteEndObject();
            w.WriteStartArray("items");
            foreach (var item in items)
            {
                w.WriteRawValue(item.Json, skipInputValidation: true);
            }
            w.WriteEndArray();
        });

    private static Task WriteObjectAsync(HttpContext http, CachedObject obj, int code = 200) => WriteJsonAsync(http, obj.Json, code);

    private static async Task WriteJsonAsync(HttpContext http, byte[] body, int code = 200, string contentType = Json)
    {
        http.Response.StatusCode = code;
        http.Response.ContentType = contentType;
        http.Response.ContentLength = body.Length;
        await http.Response.Body.WriteAsync(body, http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>The manager a write is recorded under: <c>fieldManager</c>, else the User-Agent's product name, as in Kubernetes.</summary>
    private static string? FieldManager(HttpContext http)
    {
        var manager = (string?)http.Request.Query["fieldManager"];
        if (string.IsNullOrEmpty(manager))
        {
            manager = http.Request.Headers.UserAgent.ToString().Split('/')[0].Trim();
        }
        return manager.Length == 0 ? null : manager;
    }

    private static bool IsTrue(string? value) => value is "true" or "1" or "True";

    private static ApiException MethodNotAllowed(string method, string path) => ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource ({method} {path})");

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed")]
    private static partial void LogServerError(ILogger logger, string method, string path, Exception exception);
}

/// <summary>List continuation: the key after which the next chunk starts, opaque to clients.</summary>
internal static class ContinueToken
{
    public static string Encode(string key) => Convert.ToBase64String(Encoding.UTF8.GetBytes(key));

    public static string Decode(string token)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException)
        {
            throw ApiException.BadRequest("continue: invalid token, it must come from a previous list of this server");
        }
    }
}
