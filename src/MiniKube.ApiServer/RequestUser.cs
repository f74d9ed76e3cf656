using MiniKube.Security;

namespace MiniKube.ApiServer;

/// <summary>
/// Where authentication leaves the caller's identity for the rest of the request: on the HttpContext, which gRPC calls
/// (ServerCallContext.GetHttpContext) and REST requests share, so both wires authorize the same way.
/// </summary>
public static class RequestUser
{
    public static void Set(HttpContext context, UserInfo user) => context.Features.Set(user);

    /// <summary>The authenticated user, or null when authentication did not run (a server started without it).</summary>
    public static UserInfo? Get(HttpContext context) => context.Features.Get<UserInfo>();
}
