using Grpc.Core;
using MiniKube.Api;

namespace MiniKube.Client;

/// <summary>What a failed write tells about whether it happened.</summary>
public static class RequestOutcome
{
    /// <summary>
    /// True when the write may have been applied although it failed: the server said Timeout, or the reply was lost (the
    /// connection broke or the deadline passed after the request may have reached the server). False when the server
    /// answered with an error, or the connection was refused (the request never left). A controller must treat such a
    /// create as "may have been created" and wait for its informer, as Kubernetes' controllers do.
    /// </summary>
    public static bool MayHaveBeenApplied(Exception error)
    {
        if (error is not ApiException api)
        {
            return error is IOException or HttpRequestException;
        }
        if (api.InnerException is not RpcException rpc || rpc.Trailers.GetValueBytes("minikube-status-bin") is not null)
        {
            // The server's own answer: only its Timeout leaves the outcome open.
            return api.Reason == StatusReasons.Timeout;
        }
        if (ConnectionRefused(rpc))
        {
            return false;
        }
        return rpc.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown;
    }

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
