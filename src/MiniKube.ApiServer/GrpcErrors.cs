using Grpc.Core;
using Grpc.Core.Interceptors;
using MiniKube.Api;
using MiniKube.Storage;

namespace MiniKube.ApiServer;

/// <summary>
/// Turns every failure into a gRPC status whose code matches the Kubernetes reason and whose
/// <c>minikube-status-bin</c> trailer carries the full Status object, so clients see Kubernetes errors.
/// </summary>
internal sealed partial class GrpcErrors(ILogger<GrpcErrors> logger) : Interceptor
{
    public const string StatusTrailer = "minikube-status-bin";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Translate(ex, context.Method);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The client went away; nothing to report.
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Translate(ex, context.Method);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The client went away; nothing to report.
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Translate(ex, context.Method);
        }
    }

    public static ApiException ToApiException(Exception ex) => ex switch
    {
        ApiException api => api,
        DecodeException decode => ApiException.BadRequest(decode.Message),
        FormatException format => ApiException.BadRequest(format.Message),
        Microsoft.AspNetCore.Http.BadHttpRequestException { StatusCode: 413 } => RequestLimits.TooLarge(),
        StorageException { Code: StorageErrorCode.Gone } gone => ApiException.Gone("too old resource version: " + gone.Message),
        StorageException { Code: StorageErrorCode.Unavailable } down => ApiException.Unavailable("storage unavailable: " + down.Message),
        // Kubernetes answers 500 with etcd's words; the rest says what still works and how to recover.
        StorageException { Code: StorageErrorCode.QuotaExceeded } full => ApiException.Internal(full.Message +
            " (etcd's space quota is used up: reads and deletes still work; to write again, compact and defragment etcd and disarm its NOSPACE alarm, see docs/reliability.md)"),
        StorageException other => ApiException.Internal(other.Message),
        OperationCanceledException => ApiException.Timeout("the request was cancelled or timed out"),
        _ => ApiException.Internal(ex.Message),
    };

    public static StatusCode CodeFor(MiniKube.Api.Status status) => status.Code switch
    {
        400 => StatusCode.InvalidArgument,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.NotFound,
        405 => StatusCode.Unimplemented,
        409 when status.Reason == StatusReasons.AlreadyExists => StatusCode.AlreadyExists,
        409 => StatusCode.Aborted,
        410 => StatusCode.OutOfRange,
        413 => StatusCode.ResourceExhausted,
        422 => StatusCode.InvalidArgument,
        503 => StatusCode.Unavailable,
        504 => StatusCode.DeadlineExceeded,
        _ => StatusCode.Internal,
    };

    public static RpcException ToRpcException(ApiException api)
    {
        var trailers = new Metadata { { StatusTrailer, KubeSerializer.ToJsonBytes(api.Status) } };
        return new RpcException(new Grpc.Core.Status(CodeFor(api.Status), api.Status.Message ?? api.Reason), trailers);
    }

    private RpcException Translate(Exception ex, string method)
    {
        var api = ToApiException(ex);
        if (api.Code >= 500)
        {
            LogServerError(logger, method, ex);
        }
        return ToRpcException(api);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} failed")]
    private static partial void LogServerError(ILogger logger, string method, Exception exception);
}
