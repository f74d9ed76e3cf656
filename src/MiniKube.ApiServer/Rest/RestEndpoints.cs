namespace MiniKube.ApiServer.Rest;

/// <summary>Routes the Kubernetes REST API (<c>/api</c>, <c>/apis</c>, <c>/openapi</c>) on the HTTP/1.1 port to <see cref="RestHandler"/>.</summary>
internal static class RestEndpoints
{
    public static void AddRest(this IServiceCollection services)
    {
        services.AddSingleton<OpenApiDocuments>();
        services.AddSingleton<RestMetrics>();
        services.AddSingleton<RestHandler>();
    }

    public static void Map(WebApplication app)
    {
        var handler = app.Services.GetRequiredService<RestHandler>();
        foreach (var pattern in new[] { "/api", "/api/{**rest}", "/apis", "/apis/{**rest}", "/openapi/{**rest}" })
        {
            app.Map(pattern, handler.HandleAsync);
        }
    }
}
