using Grpc.Core;
using MiniKube.Api;

namespace MiniKube.Client;

/// <summary>Tells failures of the call itself apart from errors the API server answered with (those carry a Status trailer).</summary>
public static class CallFailures
{
    /// <summary>True when the server was never reached (as opposed to a server that answered with an error).</summary>
    public static bool IsConnectionFailure(ApiException ex) =>
        ex.InnerException is RpcException { StatusCode: StatusCode.Unavailable } rpc && rpc.Trailers.GetValueBytes(MiniKubeClient.StatusTrailer) is null;

    /// <summary>True when the call ended because the caller cancelled it.</summary>
    public static bool IsCancellation(ApiException ex) =>
        ex.InnerException is RpcException { StatusCode: StatusCode.Cancelled } rpc && rpc.Trailers.GetValueBytes(MiniKubeClient.StatusTrailer) is null;
}
