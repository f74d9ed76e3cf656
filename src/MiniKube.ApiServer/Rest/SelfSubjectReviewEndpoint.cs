using System.Text.Json;
using MiniKube.Security;

namespace MiniKube.ApiServer.Rest;

/// <summary>
/// <c>POST /apis/authentication.k8s.io/v1/selfsubjectreviews</c>: who the server takes the caller for (<c>kubectl auth whoami</c>).
/// Served, not stored, and not (yet) listed in discovery: kubectl calls it directly.
/// </summary>
internal static class SelfSubjectReviewEndpoint
{
    public const string Path = "/apis/authentication.k8s.io/v1/selfsubjectreviews";

    public static void Map(WebApplication app) => app.MapPost(Path, ServeAsync);

    private static async Task ServeAsync(HttpContext http)
    {
        // Without authentication every caller is served as if anonymous; say so rather than invent a user.
        var user = RequestUser.Get(http) ?? UserInfo.Anonymous;
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("kind", "SelfSubjectReview");
            w.WriteString("apiVersion", "authentication.k8s.io/v1");
            w.WriteStartObject("metadata");
            w.WriteNull("creationTimestamp");
            w.WriteEndObject();
            w.WriteStartObject("status");
            w.WriteStartObject("userInfo");
            w.WriteString("username", user.Name);
            if (user.Uid.Length > 0)
            {
                w.WriteString("uid", user.Uid);
            }
            w.WriteStartArray("groups");
            foreach (var group in user.Groups)
            {
                w.WriteStringValue(group);
            }
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        }
        http.Response.StatusCode = 201;
        http.Response.ContentType = "application/json";
        await http.Response.Body.WriteAsync(buffer.ToArray(), http.RequestAborted).ConfigureAwait(false);
    }
}
