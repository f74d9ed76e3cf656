namespace MiniKube.Security;

/// <summary>
/// Kubernetes' words for a denied request: <c>pods is forbidden: User "jane" cannot create resource "pods" in API group ""
/// in the namespace "default"</c>, <c>nodes "n1" is forbidden: … at the cluster scope</c>, and for a path
/// <c>forbidden: User "jane" cannot get path "/metrics"</c>.
/// </summary>
public static class ForbiddenMessage
{
    public static string For(RequestAttributes request, string reason)
    {
        var why = Why(request);
        if (reason.Length > 0)
        {
            why += ": " + reason;
        }
        if (!request.IsResourceRequest)
        {
            return "forbidden: " + why;
        }
        var qualified = request.ApiGroup.Length == 0 ? request.Resource : request.Resource + "." + request.ApiGroup;
        return request.Name.Length == 0 ? $"{qualified} is forbidden: {why}" : $"{qualified} \"{request.Name}\" is forbidden: {why}";
    }

    /// <summary>The sentence without the object: <c>User "jane" cannot list resource "pods" in API group "" at the cluster scope</c>.</summary>
    public static string Why(RequestAttributes request)
    {
        var user = request.User.Name;
        if (!request.IsResourceRequest)
        {
            return $"User \"{user}\" cannot {request.Verb} path \"{request.Path}\"";
        }
        var resource = request.Subresource.Length == 0 ? request.Resource : request.Resource + "/" + request.Subresource;
        return request.Namespace.Length > 0
            ? $"User \"{user}\" cannot {request.Verb} resource \"{resource}\" in API group \"{request.ApiGroup}\" in the namespace \"{request.Namespace}\""
            : $"User \"{user}\" cannot {request.Verb} resource \"{resource}\" in API group \"{request.ApiGroup}\" at the cluster scope";
    }
}
