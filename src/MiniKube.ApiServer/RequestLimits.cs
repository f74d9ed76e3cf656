using System.Globalization;
using MiniKube.Api;

namespace MiniKube.ApiServer;

/// <summary>
/// How large a request may be, on both wires: Kubernetes' API server refuses bodies over 3 MiB so one client cannot
/// make it buffer without bound (etcd's own limit per value is lower still).
/// </summary>
internal static class RequestLimits
{
    public const int MaxRequestBodyBytes = 3 * 1024 * 1024;

    public static ApiException TooLarge() =>
        ApiException.RequestEntityTooLarge("Request entity too large: limit is " + MaxRequestBodyBytes.ToString(CultureInfo.InvariantCulture));
}
