using MiniKube.ApiServer.Rest;

namespace MiniKube.ApiServer.Authorization;

/// <summary>
/// The authorization step of the HTTP/1.1 port (REST, discovery, health, /version), after authentication: a denied
/// request gets Kubernetes' 403 Status and goes no further. gRPC calls are authorized per method by
/// <see cref="GrpcAuthorization"/>, which knows what each one asks.
/// </summary>
internal static class RestAuthorization
{
    public static void Use(WebApplication app)
    {
        var authorization = app.Services.GetRequiredService<ApiAuthorization>();
        if (!authorization.Enabled)
        {
            return;
        }
        app.Use(async (http, next) =>
        {
            var request = http.Request;
            if (request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true)
            {
                await next(http).ConfigureAwait(false);
                return;
            }
            var attributes = RestRequestAttributes.From(ApiAuthorization.UserOf(http), request.Method, request.Path.Value ?? "/",
                request.Query["watch"], request.Query["fieldSelector"]);
            try
            {
                await authorization.EnsureAllowedAsync(attributes, http.RequestAborted).ConfigureAwait(false);
            }
            catch (Api.ApiException denied)
            {
                await RestHandler.WriteStatusAsync(http, denied.Status).ConfigureAwait(false);
                return;
            }
            await next(http).ConfigureAwait(false);
        });
    }
}
