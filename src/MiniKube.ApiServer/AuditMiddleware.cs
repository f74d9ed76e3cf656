using Grpc.Core;
using Microsoft.AspNetCore.Http.Features;
using MiniKube.Api;
using MiniKube.Protocol.V1;

namespace MiniKube.ApiServer;

/// <summary>
/// Audits every request of both wires: records when it arrived, lets it run, then asks the policy for its level and hands
/// a Metadata event to <see cref="AuditLog"/>. REST requests are described from their path here; gRPC calls by
/// <see cref="AuditInterceptor"/>, which sees their request message.
/// </summary>
internal sealed class AuditMiddleware(RequestDelegate next, AuditLog log, TimeProvider time)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var received = time.GetUtcNow();
        var grpc = context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true;
        var record = grpc ? new AuditRecord { Path = context.Request.Path.Value ?? "/", Verb = GrpcVerb(context.Request.Path.Value) } : AuditRecord.ForRest(context.Request);
        if (record is { Verb: "create", Name: null } && context.Request.ContentType?.StartsWith("application/json", StringComparison.Ordinal) == true)
        {
            record.Name = await NameInBodyAsync(context.Request).ConfigureAwait(false);
        }
        context.Features.Set(record);
        var failed = false;
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch
        {
            failed = true;
            throw;
        }
        finally
        {
            var code = record.Code ?? (failed ? 500 : grpc ? GrpcCode(context, record.Verb) : context.Response.StatusCode);
            var user = RequestUser.Get(context);
            if (log.Policy.LevelFor(record, user) != AuditLevel.None)
            {
                var remote = context.Connection.RemoteIpAddress;
                log.TryWrite(new AuditEvent(Guid.NewGuid(), context.Request.Path.Value + context.Request.QueryString.Value, record, user,
                    remote is null ? [] : [remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4().ToString() : remote.ToString()],
                    context.Request.Headers.UserAgent.ToString(), code, received, time.GetUtcNow()));
            }
        }
    }

    /// <summary>Peeks at a JSON create's body for the object's name, leaving the body for the handler.</summary>
    private static async Task<string?> NameInBodyAsync(HttpRequest request)
    {
        if (request.ContentLength is not (> 0 and <= RequestLimits.MaxRequestBodyBytes))
        {
            return null;
        }
        request.EnableBuffering();
        var body = new byte[request.ContentLength.Value];
        try
        {
            await request.Body.ReadExactlyAsync(body, request.HttpContext.RequestAborted).ConfigureAwait(false);
            return AuditRecord.NameIn(body);
        }
        catch (EndOfStreamException)
        {
            // A body shorter than announced is the handler's to reject.
            return null;
        }
        finally
        {
            request.Body.Position = 0;
        }
    }

    /// <summary>Before the interceptor knows better: the method's name (<c>/minikube.v1.Objects/Version</c> → <c>version</c>).</summary>
    private static string GrpcVerb(string? path) => path is null ? "" : path[(path.LastIndexOf('/') + 1)..].ToLowerInvariant();

    /// <summary>A call that never reached a service (refused before it, unknown method): its grpc-status, in trailers or headers.</summary>
    private static int GrpcCode(HttpContext context, string verb)
    {
        var status = context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers["grpc-status"] is { Count: > 0 } t ? t.ToString()
            : context.Response.Headers["grpc-status"].ToString();
        return int.TryParse(status, out var code) ? AuditRecord.HttpCodeFor((StatusCode)code, verb) : context.Response.StatusCode;
    }
}

/// <summary>
/// Describes a gRPC call for the audit log from its request message (verb, resource, namespace, name) and records its
/// outcome as the REST wire's HTTP code. Runs inside <see cref="GrpcErrors"/>, so it sees the API's own errors.
/// </summary>
internal sealed class AuditInterceptor : Grpc.Core.Interceptors.Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var record = Describe(request, context);
        try
        {
            var response = await continuation(request, context).ConfigureAwait(false);
            record?.Code = AuditRecord.HttpCodeFor(StatusCode.OK, record.Verb);
            return response;
        }
        catch (Exception ex)
        {
            record?.Code = CodeOf(ex, record.Verb, context);
            throw;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var record = Describe(request, context);
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
            record?.Code = 200;
        }
        catch (Exception ex)
        {
            record?.Code = CodeOf(ex, record.Verb, context);
            throw;
        }
    }

    private static int CodeOf(Exception ex, string verb, ServerCallContext context) => ex switch
    {
        RpcException rpc => AuditRecord.HttpCodeFor(rpc.StatusCode, verb),
        // A watch ends when its client goes away: that is its normal end.
        OperationCanceledException when context.CancellationToken.IsCancellationRequested => 200,
        _ => GrpcErrors.ToApiException(ex).Code,
    };

    private static AuditRecord? Describe(object request, ServerCallContext context)
    {
        var record = context.GetHttpContext().Features.Get<AuditRecord>();
        if (record is null)
        {
            return null;
        }
        var updateStatus = context.Method.EndsWith("/UpdateStatus", StringComparison.Ordinal);
        switch (request)
        {
            case CreateRequest r:
                Set(record, "create", r.Resource, r.Namespace, AuditRecord.NameIn(r.Object.Span), null);
                break;
            case GetRequest r:
                Set(record, "get", r.Resource, r.Namespace, r.Name, null);
                break;
            case ListRequest r:
                Set(record, "list", r.Resource, r.Namespace, null, null);
                break;
            case WatchRequest r:
                Set(record, "watch", r.Resource, r.Namespace, null, null);
                break;
            case UpdateRequest r:
                Set(record, "update", r.Resource, r.Namespace, AuditRecord.NameIn(r.Object.Span), updateStatus ? "status" : r.Subresource);
                break;
            case PatchRequest r:
                Set(record, "patch", r.Resource, r.Namespace, r.Name, r.Status ? "status" : r.Subresource);
                break;
            case DeleteRequest r:
                Set(record, "delete", r.Resource, r.Namespace, r.Name, null);
                break;
            case BindRequest r:
                Set(record, "create", "pods", r.Namespace, AuditRecord.NameIn(r.Binding.Span), "binding");
                break;
        }
        return record;
    }

    private static void Set(AuditRecord record, string verb, string plural, string? ns, string? name, string? subresource)
    {
        record.Verb = verb;
        record.SetResource(ResourceRegistry.ByPlural(plural), plural, ns, name, subresource);
    }
}
