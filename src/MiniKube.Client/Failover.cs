using Grpc.Core;

namespace MiniKube.Client;

/// <summary>When a failed call may be sent again to another API server.</summary>
internal static class Failover
{
    /// <summary>
    /// A call the server answered (it carries a Status trailer) is never sent elsewhere. A refused connection means the
    /// request never left, so any call may go to the next server. Any other transport failure (the connection broke, the
    /// server vanished mid-call) leaves a write's outcome open (<see cref="RequestOutcome.MayHaveBeenApplied"/>), so only
    /// calls that are safe to repeat (reads, the start of a watch) are sent again.
    /// </summary>
    public static bool MayRetryElsewhere(RpcException ex, bool safeToRepeat, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested || ex.Trailers.GetValueBytes(MiniKubeClient.StatusTrailer) is not null)
        {
            return false;
        }
        if (RequestOutcome.ConnectionRefused(ex))
        {
            return true;
        }
        return safeToRepeat && ex.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown;
    }
}
