using Grpc.Core;
using MiniKube.Api;
using MiniKube.Security;
using Status = MiniKube.Api.Status;

namespace MiniKube.ApiServer;

/// <summary>
/// Authenticates every request on both ports before anything else runs, and leaves the user on the HttpContext
/// (<see cref="RequestUser"/>). A request nobody vouches for gets 401 (REST: a Kubernetes Status; gRPC:
/// UNAUTHENTICATED with the same Status in its trailer), except the health and version endpoints, which anyone may read.
/// </summary>
internal sealed partial class RequestAuthentication(UnionAuthenticator authenticator, ILogger<RequestAuthentication> logger)
{
    private static readonly Status Unauthorized = new()
    {
        Outcome = "Failure",
        Message = "Unauthorized",
        Reason = StatusReasons.Unauthorized,
        Code = 401,
    };

    private static readonly string UnauthorizedTrailer = Convert.ToBase64String(KubeSerializer.ToJsonBytes(Unauthorized));

    public async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        var request = new AuthenticationRequest(http.Request.Headers.Authorization.ToString() is { Length: > 0 } header ? header : null,
            http.Connection.ClientCertificate);
        var result = await authenticator.AuthenticateAsync(request, http.RequestAborted).ConfigureAwait(false);
        if (result.User is { } user)
        {
            RequestUser.Set(http, user);
            await next(http).ConfigureAwait(false);
            return;
        }
        // Only a request that presents nothing is anonymous: bad credentials are refused even where anonymous is allowed.
        if (result.Error is null && IsPublic(http.Request.Path.Value))
        {
            RequestUser.Set(http, UserInfo.Anonymous);
            await next(http).ConfigureAwait(false);
            return;
        }
        LogUnauthorized(logger, http.Request.Method, http.Request.Path.Value ?? "/", result.Error ?? "no credentials");
        await RefuseAsync(http).ConfigureAwait(false);
    }

    /// <summary>What Kubernetes' system:public-info-viewer lets anyone read.</summary>
    private static bool IsPublic(string? path) => path is "/livez" or "/readyz" or "/healthz" or "/version" or "/version/";

    private static Task RefuseAsync(HttpContext http)
    {
        if (http.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true)
        {
            // A trailers-only gRPC response: the status travels in the headers and the call ends without a message.
            http.Response.StatusCode = 200;
            http.Response.ContentType = "application/grpc";
            http.Response.Headers["grpc-status"] = ((int)StatusCode.Unauthenticated).ToString(System.Globalization.CultureInfo.InvariantCulture);
            http.Response.Headers["grpc-message"] = Unauthorized.Message;
            http.Response.Headers[GrpcErrors.StatusTrailer] = UnauthorizedTrailer;
            return Task.CompletedTask;
        }
        return Rest.RestHandler.WriteStatusAsync(http, Unauthorized);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Method} {Path}: 401 Unauthorized ({Reason})")]
    private static partial void LogUnauthorized(ILogger logger, string method, string path, string reason);
}
