using MiniKube.Api;

namespace MiniKube.ApiServer.Rest;

/// <summary>A request for a resource: <c>/api/v1/namespaces/{ns}/{resource}/{name}/{subresource}</c> and its shorter forms.</summary>
internal sealed record RestTarget(ResourceInfo Resource, string? Namespace, string? Name, string? Subresource);

/// <summary>Parses Kubernetes REST paths under <c>/api</c> and <c>/apis</c>.</summary>
internal static class RestPath
{
    /// <summary>
    /// The resource a path names, or null for a discovery path (<c>/api</c>, <c>/apis</c>, <c>/api/v1</c>, <c>/apis/{g}</c>,
    /// <c>/apis/{g}/{v}</c>). Unknown resources and versions are NotFound.
    /// </summary>
    public static RestTarget? Parse(string path, out string group, out string? version)
    {
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        int rest;
        version = null;
        group = "";
        if (segments.Length > 0 && segments[0] == "api")
        {
            if (segments.Length >= 2)
            {
                version = segments[1];
            }
            rest = 2;
        }
        else
        {
            if (segments.Length >= 2)
            {
                group = segments[1];
            }
            if (segments.Length >= 3)
            {
                version = segments[2];
            }
            rest = 3;
        }
        if (segments.Length <= rest)
        {
            return null;
        }
        var tail = segments[rest..];
        string? ns = null;
        string plural;
        string? name = null;
        string? sub = null;
        if (tail[0] == "namespaces" && tail.Length >= 3 && !(tail.Length == 3 && tail[2] is "status" or "finalize"))
        {
            ns = tail[1];
            plural = tail[2];
            name = tail.Length > 3 ? tail[3] : null;
            sub = tail.Length > 4 ? tail[4] : null;
            if (tail.Length > 5)
            {
                throw NotFound(path);
            }
        }
        else
        {
            plural = tail[0];
            name = tail.Length > 1 ? tail[1] : null;
            sub = tail.Length > 2 ? tail[2] : null;
            if (tail.Length > 3)
            {
                throw NotFound(path);
            }
        }
        // Qualified by the group: pods.metrics.k8s.io is not the core pods.
        var resource = ResourceRegistry.ByPlural(group.Length == 0 ? plural : plural + "." + group);
        if (resource is null || resource.Group != group || resource.Version != version || (ns is not null && !resource.Namespaced))
        {
            throw NotFound(path);
        }
        return new RestTarget(resource, ns, name, sub);
    }

    public static ApiException NotFound(string path) => new(new Status
    {
        Outcome = "Failure",
        Code = 404,
        Reason = StatusReasons.NotFound,
        Message = $"the server could not find the requested resource (path {path})",
    });
}
