using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using MiniKube.Api;
using MiniKube.Protocol.V1;
using Status = MiniKube.Api.Status;

namespace MiniKube.Client;

/// <summary>
/// Typed client of the MiniKube API server over gRPC. Every failure surfaces as an <see cref="ApiException"/>
/// carrying the server's Kubernetes Status (or one describing why the server could not be reached).
/// Thread-safe; share one per process.
/// </summary>
public sealed class MiniKubeClient : IDisposable
{
    /// <summary>The gRPC channel's reconnect back-off after a refused or broken connection.</summary>
    public static class ReconnectBackoff
    {
        public static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(100);
        public static readonly TimeSpan Max = TimeSpan.FromMilliseconds(500);
    }

    internal const string StatusTrailer = "minikube-status-bin";
    private readonly ServerEndpoints _endpoints;

    /// <param name="server">One API server URL, or several separated by commas (<c>--server URL,URL,…</c>): the client
    /// uses one at a time and moves on to the next when a call finds it gone.</param>
    /// <param name="credentials">A token, client certificate and CA bundle (see <see cref="ClientCredentials"/>); none by default.</param>
    public MiniKubeClient(string server, ClientCredentials? credentials = null)
    {
        credentials ??= ClientCredentials.None;
        var urls = ClientConfig.ParseServers(server);
        if (ClientConfig.ServerProblem(server) is { } problem)
        {
            throw new ArgumentException(problem, nameof(server));
        }
        Server = string.Join(',', urls);
        _endpoints = new ServerEndpoints(urls, url => GrpcChannel.ForAddress(url, new GrpcChannelOptions
        {
            HttpHandler = WithCredentials(new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                // A server that went silent (its host or container gone, the process stopped) sends no reset: the ping
                // is what ends a watch or call on it, so the client moves on to the next server within ~11 s (was 30 s).
                KeepAlivePingDelay = TimeSpan.FromSeconds(8),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(3),
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
                ConnectTimeout = TimeSpan.FromSeconds(5),
            }, credentials),
            // The channel owns its handler: without this, disposing the channel leaves the handler's connections open
            // (a test host that ran 1,000 minictl commands in-process held ~20,000 sockets).
            DisposeHttpClient = true,
            MaxReceiveMessageSize = 256 * 1024 * 1024,
            MaxSendMessageSize = 64 * 1024 * 1024,
            // The channel's own reconnect back-off (default 1 s growing to 120 s) decides how soon a call can reach a
            // server that is back: keep it short so a restarted API server is reached within a second.
            InitialReconnectBackoff = ReconnectBackoff.Initial,
            MaxReconnectBackoff = ReconnectBackoff.Max,
        }));
    }

    private static HttpMessageHandler WithCredentials(SocketsHttpHandler handler, ClientCredentials credentials)
    {
        credentials.ApplyTls(handler);
        return credentials.BearerToken is { Length: > 0 } token ? new BearerTokenHandler(token, handler) : handler;
    }

    /// <summary>Every API server this client may use, comma-separated, as given.</summary>
    public string Server { get; }

    /// <summary>The API servers this client may use, in order.</summary>
    public IReadOnlyList<string> Servers => _endpoints.Urls;

    /// <summary>The API server the client currently sends its calls to.</summary>
    public string CurrentServer => _endpoints.Urls[_endpoints.Current];

    /// <summary>When set, every unary call waits for its turn here first (watches and streams do not).</summary>
    public RequestThrottle? Throttle { get; init; }

    /// <summary>
    /// Receives the warnings the server returns with a unary call (its <c>warning</c> trailers, such as Pod Security's
    /// <c>would violate PodSecurity …</c>), as client-go's WarningHandler does; null ignores them.
    /// </summary>
    public Action<string>? WarningHandler { get; init; }

    /// <summary>The trailer that carries one warning per entry.</summary>
    internal const string WarningTrailer = "warning";

    /// <summary>The current server's channel, for other services of the same server (see <see cref="PodProxyClient"/>).</summary>
    internal GrpcChannel Channel => _endpoints.Channel(_endpoints.Current);

    // ---- Typed API ----

    public async Task<T> CreateAsync<T>(T obj, CancellationToken cancellationToken = default) where T : KubeObject =>
        (T)await CreateAsync((KubeObject)obj, dryRun: false, cancellationToken).ConfigureAwait(false);

    public async Task<T> GetAsync<T>(string name, string? ns = null, CancellationToken cancellationToken = default) where T : KubeObject =>
        (T)await GetAsync(ResourceRegistry.For<T>(), name, ns, cancellationToken).ConfigureAwait(false);

    public async Task<ObjectList<T>> ListAsync<T>(string? ns = null, string? labelSelector = null, string? fieldSelector = null,
        CancellationToken cancellationToken = default) where T : KubeObject
    {
        var (items, version) = await ListAsync(ResourceRegistry.For<T>(), ns, labelSelector, fieldSelector, cancellationToken).ConfigureAwait(false);
        return new ObjectList<T>(items.Cast<T>().ToList(), version);
    }

    public async Task<T> UpdateAsync<T>(T obj, CancellationToken cancellationToken = default) where T : KubeObject =>
        (T)await UpdateAsync((KubeObject)obj, cancellationToken).ConfigureAwait(false);

    public async Task<T> UpdateStatusAsync<T>(T obj, CancellationToken cancellationToken = default) where T : KubeObject =>
        (T)await UpdateStatusAsync((KubeObject)obj, cancellationToken).ConfigureAwait(false);

    public async Task<T> PatchAsync<T>(string name, string? ns, string mergePatch, bool status = false, CancellationToken cancellationToken = default)
        where T : KubeObject =>
        (T)await PatchAsync(ResourceRegistry.For<T>(), name, ns, mergePatch, status, cancellationToken).ConfigureAwait(false);

    public async Task<T> DeleteAsync<T>(string name, string? ns = null, DeleteOptions? options = null, CancellationToken cancellationToken = default)
        where T : KubeObject =>
        (T)await DeleteAsync(ResourceRegistry.For<T>(), name, ns, options, cancellationToken).ConfigureAwait(false);

    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(string? ns = null, string? labelSelector = null, string? fieldSelector = null,
        string? resourceVersion = null, bool allowBookmarks = false, [EnumeratorCancellation] CancellationToken cancellationToken = default,
        Action? onEstablished = null)
        where T : KubeObject
    {
        await foreach (var e in WatchAsync(ResourceRegistry.For<T>(), ns, labelSelector, fieldSelector, resourceVersion, allowBookmarks, cancellationToken,
                               onEstablished)
                           .ConfigureAwait(false))
        {
            yield return new WatchEvent<T>(e.Type, (T)e.Object);
        }
    }

    /// <summary>Assigns a pod to a node through the binding subresource.</summary>
    public async Task<Pod> BindAsync(string ns, string podName, string nodeName, string? podUid = null, CancellationToken cancellationToken = default)
    {
        var binding = new Binding
        {
            Metadata = new ObjectMeta { Name = podName, Namespace = ns, Uid = podUid },
            Target = new ObjectReference { Kind = "Node", Name = nodeName, ApiVersion = "v1" },
        };
        var reply = await Unary(o => o.BindAsync(new BindRequest { Namespace = ns, Binding = Bytes(binding) }, cancellationToken: cancellationToken), safeToRepeat: false, cancellationToken)
            .ConfigureAwait(false);
        return KubeSerializer.FromJson<Pod>(reply.Object.Span);
    }

    /// <summary>
    /// A token for the ServiceAccount <paramref name="name"/> through its token subresource (authentication.k8s.io/v1
    /// TokenRequest); the answer carries it in <c>status.token</c>.
    /// </summary>
    public async Task<TokenRequest> CreateTokenAsync(string ns, string name, TokenRequest request, CancellationToken cancellationToken = default)
    {
        var reply = await Unary(o => o.CreateTokenAsync(new CreateTokenRequest { Namespace = ns, Name = name, TokenRequest = Bytes(request) },
            cancellationToken: cancellationToken), safeToRepeat: true, cancellationToken).ConfigureAwait(false);
        return KubeSerializer.FromJson<TokenRequest>(reply.Object.Span);
    }

    // ---- Untyped API (by resource), for tools that handle any kind ----

    public async Task<KubeObject> CreateAsync(KubeObject obj, bool dryRun = false, CancellationToken cancellationToken = default)
    {
        var resource = ResourceRegistry.ByType(obj.GetType());
        var reply = await Unary(o => o.CreateAsync(new CreateRequest
        {
            Resource = Wire(resource),
            Namespace = obj.Metadata.Namespace ?? "",
            Object = Bytes(obj),
            DryRun = dryRun,
        }, cancellationToken: cancellationToken), safeToRepeat: false, cancellationToken).ConfigureAwait(false);
        return Decode(resource, reply.Object);
    }

    /// <summary>Asks whether the caller may do what the review's spec says (authorization.k8s.io SelfSubjectAccessReview; not stored).</summary>
    public async Task<SelfSubjectAccessReview> ReviewSelfAccessAsync(SelfSubjectAccessReview review, CancellationToken cancellationToken = default)
    {
        var reply = await Unary(o => o.CreateAsync(new CreateRequest { Resource = "selfsubjectaccessreviews", Object = Bytes(review) },
            cancellationToken: cancellationToken), safeToRepeat: true, cancellationToken).ConfigureAwait(false);
        return KubeSerializer.FromJson<SelfSubjectAccessReview>(reply.Object.Span);
    }

    /// <summary>
    /// Sends a review the API server answers without storing it (<c>subjectaccessreviews</c>, <c>tokenreviews</c>, by
    /// plural) and returns the answered review.
    /// </summary>
    public async Task<T> ReviewAsync<T>(string plural, T review, CancellationToken cancellationToken = default) where T : KubeObject
    {
        var reply = await Unary(o => o.CreateAsync(new CreateRequest { Resource = plural, Object = Bytes(review) },
            cancellationToken: cancellationToken), safeToRepeat: true, cancellationToken).ConfigureAwait(false);
        return KubeSerializer.FromJson<T>(reply.Object.Span);
    }

    public async Task<KubeObject> GetAsync(ResourceInfo resource, string name, string? ns = null, CancellationToken cancellationToken = default)
    {
        var reply = await Unary(o => o.GetAsync(new GetRequest { Resource = Wire(resource), Namespace = ns ?? "", Name = name },
            cancellationToken: cancellationToken), safeToRepeat: true, cancellationToken).ConfigureAwait(false);
        return Decode(resource, reply.Object);
    }

    /// <summary>Raw JSON of one object, as served.</summary>
    public async Task<byte[]> GetJsonAsync(ResourceInfo resource, string name, string? ns = null, CancellationToken cancellationToken = default)
    {
        var reply = await Unary(o => o.GetAsync(new GetRequest { Resource = Wire(resource), Namespace = ns ?? "", Name = name },
            cancellationToken: cancellationToken), safeToRepeat: true, cancellationToken).ConfigureAwait(false);
        return reply.Object.ToByteArray();
    }

    public Task<(IReadOnlyList<KubeObject> Items, string ResourceVersion)> ListAsync(ResourceInfo resource, string? ns = null,
        string? labelSelector = null, string? fieldSelector = null, CancellationToken cancellationToken = default) =>
        ListAsync(resource, ns, labelSelector, fieldSelector, resourceVersion: null, resourceVersionMatch: null, cancellationToken);

    /// <summary>
    /// A list as fresh as Kubernetes' list options ask: no <paramref name="resourceVersion"/> for the most recent data, "0" for any,
    /// N for at least N, or N with <paramref name="resourceVersionMatch"/> "Exact" for the data as it was at N.
    /// </summary>
    public async Task<(IReadOnlyList<KubeObject> Items, string ResourceVersion)> ListAsync(ResourceInfo resource, string? ns, string? labelSelector,
        string? fieldSelector, string? resourceVersion, string? resourceVersionMatch, CancellationToken cancellationToken = default)
    {
        var reply = await Unary(o => o.ListAsync(new ListRequest
        {
            Resource = Wire(resource),
            Namespace = ns ?? "",
            LabelSelector = labelSelector ?? "",
            FieldSelector = fieldSelector ?? "",
            ResourceVersion = resourceVersion ?? "",
            ResourceVersionMatch = resourceVersionMatch ?? "",
        }, cancellationToken: cancellationToken), safeToRepeat: true, cancellationToken).ConfigureAwait(false);
        return DecodeList(resource, reply.List.Span);
    }

    public async Task<KubeObject> UpdateAsync(KubeObject obj, CancellationToken cancellationToken = default)
    {
        var resource = ResourceRegistry.ByType(obj.GetType());
        var reply = await Unary(o => o.UpdateAsync(new UpdateRequest { Resource = Wire(resource), Namespace = obj.Metadata.Namespace ?? "", Object = Bytes(obj) },
            cancellationToken: cancellationToken), safeToRepeat: false, cancellationToken).ConfigureAwait(false);
        return Decode(resource, reply.Object);
    }

    public async Task<KubeObject> UpdateStatusAsync(KubeObject obj, CancellationToken cancellationToken = default)
    {
        var resource = ResourceRegistry.ByType(obj.GetType());
        var reply = await Unary(o => o.UpdateStatusAsync(new UpdateRequest { Resource = Wire(resource), Namespace = obj.Metadata.Namespace ?? "", Object = Bytes(obj) },
            cancellationToken: cancellationToken), safeToRepeat: false, cancellationToken).ConfigureAwait(false);
        return Decode(resource, reply.Object);
    }

    public async Task<KubeObject> PatchAsync(ResourceInfo resource, string name, string? ns, string mergePatch, bool status = false,
        CancellationToken cancellationToken = default)
    {
        var reply = await Unary(o => o.PatchAsync(new PatchRequest
        {
            Resource = Wire(resource),
            Namespace = ns ?? "",
            Name = name,
            PatchType = "application/merge-patch+json",
            Patch = ByteString.CopyFromUtf8(mergePatch),
            Status = status,
        }, cancellationToken: cancellationToken), safeToRepeat: false, cancellationToken).ConfigureAwait(false);
        return Decode(resource, reply.Object);
    }

    /// <summary>
    /// A JSON merge patch through the pod's <c>resize</c> subresource (in-place resize): it may change the containers' cpu and
    /// memory requests and limits (and their resize policies); a change of the pod's QoS class is refused as Invalid.
    /// </summary>
    public Task<Pod> ResizePodAsync(string ns, string name, string mergePatch, CancellationToken cancellationToken = default) =>
        ResizePodAsync(ns, name, mergePatch, "application/merge-patch+json", cancellationToken);

    /// <summary>
    /// A patch of the given media type (<c>application/merge-patch+json</c>, <c>application/strategic-merge-patch+json</c>, whose
    /// containers merge by name, or <c>application/json-patch+json</c>) through the pod's <c>resize</c> subresource.
    /// </summary>
    public async Task<Pod> ResizePodAsync(string ns, string name, string patch, string patchType, CancellationToken cancellationToken = default)
    {
        var pods = ResourceRegistry.For<Pod>();
        var reply = await Unary(o => o.PatchAsync(new PatchRequest
        {
            Resource = Wire(pods),
            Namespace = ns,
            Name = name,
            PatchType = patchType,
            Patch = ByteString.CopyFromUtf8(patch),
            Subresource = "resize",
        }, cancellationToken: cancellationToken), safeToRepeat: false, cancellationToken).ConfigureAwait(false);
        return (Pod)Decode(pods, reply.Object);
    }

    public async Task<KubeObject> DeleteAsync(ResourceInfo resource, string name, string? ns = null, DeleteOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var request = new DeleteRequest
        {
            Resource = Wire(resource),
            Namespace = ns ?? "",
            Name = name,
            PropagationPolicy = options?.PropagationPolicy ?? "",
            PreconditionUid = options?.Preconditions?.Uid ?? "",
            PreconditionResourceVersion = options?.Preconditions?.ResourceVersion ?? "",
        };
        if (options?.GracePeriodSeconds is { } grace)
        {
            request.GracePeriodSeconds = grace;
        }
        var reply = await Unary(o => o.DeleteAsync(request, cancellationToken: cancellationToken), safeToRepeat: false, cancellationToken).ConfigureAwait(false);
        return Decode(resource, reply.Object);
    }

    /// <summary>
    /// Watches a resource. No <paramref name="resourceVersion"/>: the current objects arrive as ADDED, then changes.
    /// A version from a list: every change after it. A version too old for the server ends with an
    /// <see cref="ApiException"/> whose <see cref="ApiException.IsGone"/> is true (re-list). <paramref name="onEstablished"/> runs
    /// once the server has registered the watch (it sends the response headers then), before any event; again after a resume.
    /// With several servers, a watch that cannot start moves on to the next server, and a watch from a given version whose
    /// server vanishes resumes on the next one from the version of the last event it delivered, so no event is missed or
    /// repeated (all servers share one etcd, whose revisions are the versions).
    /// </summary>
    public async IAsyncEnumerable<WatchEvent<KubeObject>> WatchAsync(ResourceInfo resource, string? ns = null, string? labelSelector = null,
        string? fieldSelector = null, string? resourceVersion = null, bool allowBookmarks = false,
        [EnumeratorCancellation] CancellationToken cancellationToken = default, Action? onEstablished = null)
    {
        // From no version the server first sends the current objects, whose versions do not order them: such a watch can
        // move to another server only before its first event.
        var resumable = resourceVersion is { Length: > 0 } and not "0";
        var from = resourceVersion ?? "";
        var index = _endpoints.Current;
        var delivered = false;
        var failures = 0;
        while (true)
        {
            using var call = new Objects.ObjectsClient(_endpoints.Channel(index)).Watch(new WatchRequest
            {
                Resource = Wire(resource),
                Namespace = ns ?? "",
                LabelSelector = labelSelector ?? "",
                FieldSelector = fieldSelector ?? "",
                ResourceVersion = from,
                AllowBookmarks = allowBookmarks,
            }, cancellationToken: cancellationToken);
            RpcException? broken = null;
            if (onEstablished is not null)
            {
                try
                {
                    await call.ResponseHeadersAsync.ConfigureAwait(false);
                    onEstablished();
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException(cancellationToken);
                }
                catch (RpcException ex)
                {
                    broken = ex;
                }
            }
            var stream = call.ResponseStream;
            while (broken is null)
            {
                bool more;
                try
                {
                    more = await stream.MoveNext(cancellationToken).ConfigureAwait(false);
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException(cancellationToken);
                }
                catch (RpcException ex)
                {
                    broken = ex;
                    break;
                }
                if (!more)
                {
                    break;
                }
                var e = stream.Current;
                if (e.Type == WatchEventTypes.Error)
                {
                    throw new ApiException(KubeSerializer.FromJson<Status>(e.Object.Span));
                }
                var obj = Decode(resource, e.Object);
                delivered = true;
                failures = 0;
                if (resumable && obj.Metadata.ResourceVersion is { Length: > 0 } rv)
                {
                    from = rv;
                }
                yield return new WatchEvent<KubeObject>(e.Type, obj);
            }
            if (broken is null)
            {
                // The server ended the watch: it does so when it shuts down (ObjectsService.Watch), so a watch that can
                // resume moves on to the next server; one that cannot, or with no server left to try, ends here.
                if ((delivered && !resumable) || _endpoints.Count == 1 || ++failures >= _endpoints.Count)
                {
                    yield break;
                }
            }
            else if ((delivered && !resumable) || ++failures >= _endpoints.Count
                     || !Failover.MayRetryElsewhere(broken, safeToRepeat: true, cancellationToken))
            {
                throw ToApiException(broken, _endpoints.Urls[index]);
            }
            index = _endpoints.MoveOnFrom(index);
        }
    }

    public async Task<IReadOnlyList<ApiResource>> DiscoverAsync(CancellationToken cancellationToken = default)
    {
        var reply = await Unary(o => o.DiscoverAsync(new DiscoverRequest(), cancellationToken: cancellationToken), safeToRepeat: true, cancellationToken).ConfigureAwait(false);
        return reply.Resources;
    }

    /// <summary>The Kubernetes version the server implements (gitVersion, e.g. <c>v1.32.0-minikube</c>).</summary>
    public async Task<VersionReply> GetVersionAsync(CancellationToken cancellationToken = default) =>
        await Unary(o => o.VersionAsync(new VersionRequest(), cancellationToken: cancellationToken), safeToRepeat: true, cancellationToken).ConfigureAwait(false);

    public void Dispose() => _endpoints.Dispose();

    // Served-only kinds share their plural with a stored one ("pods"), so they travel group-qualified ("pods.metrics.k8s.io").
    private static string Wire(ResourceInfo resource) => resource.Stored ? resource.Plural : resource.QualifiedPlural;

    private static KubeObject Decode(ResourceInfo resource, ByteString bytes) => (KubeObject)KubeSerializer.FromJson(bytes.Span, resource.Type);

    private static (IReadOnlyList<KubeObject> Items, string ResourceVersion) DecodeList(ResourceInfo resource, ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        var version = root.TryGetProperty("metadata", out var meta) && meta.TryGetProperty("resourceVersion", out var rv) ? rv.GetString() ?? "" : "";
        var items = new List<KubeObject>();
        if (root.TryGetProperty("items", out var array))
        {
            foreach (var item in array.EnumerateArray())
            {
                items.Add((KubeObject)KubeSerializer.FromJson(Encoding.UTF8.GetBytes(item.GetRawText()), resource.Type));
            }
        }
        return (items, version);
    }

    private static ByteString Bytes(object obj) => UnsafeByteOperations.UnsafeWrap(KubeSerializer.ToJsonBytes(obj));

    private Task<T> Unary<T>(Func<Objects.ObjectsClient, AsyncUnaryCall<T>> call, bool safeToRepeat, CancellationToken cancellationToken) =>
        CallAsync(channel => call(new Objects.ObjectsClient(channel)), safeToRepeat, cancellationToken);

    /// <summary>
    /// Runs a unary call on the current server; when it fails so that <see cref="Failover.MayRetryElsewhere"/> allows,
    /// runs it again on the next server, trying each server at most once.
    /// </summary>
    internal async Task<T> CallAsync<T>(Func<GrpcChannel, AsyncUnaryCall<T>> call, bool safeToRepeat, CancellationToken cancellationToken)
    {
        if (Throttle is { } throttle)
        {
            await throttle.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        var index = _endpoints.Current;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var pending = call(_endpoints.Channel(index));
                var response = await pending.ResponseAsync.ConfigureAwait(false);
                if (WarningHandler is not null)
                {
                    ReportWarnings(pending.GetTrailers());
                }
                return response;
            }
            catch (RpcException ex) when (attempt < _endpoints.Count && Failover.MayRetryElsewhere(ex, safeToRepeat, cancellationToken))
            {
                index = _endpoints.MoveOnFrom(index);
            }
            catch (RpcException ex)
            {
                ReportWarnings(ex.Trailers);
                throw ToApiException(ex, _endpoints.Urls[index]);
            }
        }
    }

    private void ReportWarnings(Metadata trailers)
    {
        if (WarningHandler is not { } handler)
        {
            return;
        }
        foreach (var entry in trailers)
        {
            if (entry.Key == WarningTrailer && !entry.IsBinary)
            {
                handler(entry.Value);
            }
        }
    }

    internal ApiException ToApiException(RpcException ex) => ToApiException(ex, CurrentServer);

    private static ApiException ToApiException(RpcException ex, string server)
    {
        var trailer = ex.Trailers.GetValueBytes(StatusTrailer);
        if (trailer is not null)
        {
            try
            {
                return new ApiException(KubeSerializer.FromJson<Status>(trailer), ex);
            }
            catch (DecodeException)
            {
                // Fall through to a status built from the gRPC code.
            }
        }
        var (code, reason, message) = ex.StatusCode switch
        {
            StatusCode.Unavailable => (503, StatusReasons.ServiceUnavailable,
                $"cannot reach the API server at {server}: {ex.Status.Detail} (is minikube-apiserver running? set --server or {ClientConfig.ServerEnvironmentVariable})"),
            StatusCode.DeadlineExceeded => (504, StatusReasons.Timeout, $"the API server at {server} did not answer in time"),
            StatusCode.Cancelled => (499, "Cancelled", "the request was cancelled"),
            StatusCode.NotFound => (404, StatusReasons.NotFound, ex.Status.Detail),
            StatusCode.Unauthenticated => (401, StatusReasons.Unauthorized, "Unauthorized"),
            // The server's message-size check runs before any handler, so no Status trailer says more.
            StatusCode.ResourceExhausted => (413, StatusReasons.RequestEntityTooLarge, "Request entity too large: " + ex.Status.Detail),
            _ => (500, StatusReasons.InternalError, $"{ex.StatusCode}: {ex.Status.Detail}"),
        };
        return new ApiException(new Status { Outcome = "Failure", Code = code, Reason = reason, Message = message }, ex);
    }
}
