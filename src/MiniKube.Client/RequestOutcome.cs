using Grpc.Core;
using MiniKube.Api;

namespace MiniKube.Client;

/// <summary>What a failed write tells about whether it happened.</summary>
public static class RequestOutcome
{
    /// <summary>
    /// True when the write may have been applied although it failed: the server said Timeout, or it said ServiceUnavailable
    /// (its etcd call broke, and etcd may have committed the write before it went away), or the reply was lost (the
    /// connection broke or the deadline passed after the request may have reached the server). False when the server
    /// answered with any other error, or the connection was refused (the request never left). A controller must treat such
    /// a create as "may have been created": wait for its informer, as Kubernetes' controllers do, or repeat it under the
    /// same name until the answer is sure (<see cref="ServerAnswered"/>).
    /// </summary>
    public static bool MayHaveBeenApplied(Exception error)
    {
        if (error is not ApiException api)
        {
            return error is IOException or HttpRequestException;
        }
        if (api.InnerException is not RpcException rpc || rpc.Trailers.GetValueBytes("minikube-status-bin") is not null)
        {
            // The server's own answer: only its Timeout and its storage failure leave the outcome open.
            return api.Reason is StatusReasons.Timeout or StatusReasons.ServiceUnavailable;
        }
        if (ConnectionRefused(rpc))
        {
            return false;
        }
        return rpc.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown;
    }

    /// <summary>
    /// True when the error is the API server's own answer (a Status it sent), false when the call failed on the way: the
    /// connection was refused or broke, or the deadline passed.
    /// </summary>
    public static bool ServerAnswered(Exception error) =>
        error is ApiException api && (api.InnerException is not RpcException rpc || rpc.Trailers.GetValueBytes("minikube-status-bin") is not null);

    internal static bool ConnectionRefused(RpcException rpc)
    {
        for (Exception? e = rpc.Status.DebugException ?? rpc.InnerException; e is not null; e = e.InnerException)
        {
            if (e is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused })
            {
                return true;
            }
        }
        return rpc.Status.Detail.Contains("Connection refused", StringComparison.OrdinalIgnoreCase);
    }
}
