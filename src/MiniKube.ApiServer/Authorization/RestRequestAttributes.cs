using MiniKube.Security;

namespace MiniKube.ApiServer.Authorization;

/// <summary>
/// What a REST request asks, read from its method and path alone, as Kubernetes' RequestInfoFactory reads it (before
/// anything knows whether the resource exists): <c>/api/v1/namespaces/NS/RESOURCE/NAME/SUBRESOURCE</c> and
/// <c>/apis/GROUP/VERSION/…</c> are resource requests, everything else (discovery, /version, /healthz) a path.
/// </summary>
public static class RestRequestAttributes
{
    public static RequestAttributes From(UserInfo user, string method, string path, string? watch, string? fieldSelector)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        int skip;
        var group = "";
        if (segments.Length >= 3 && segments[0] == "api")
        {
            skip = 2;
        }
        else if (segments.Length >= 4 && segments[0] == "apis")
        {
            group = segments[1];
            skip = 3;
        }
        else
        {
            return RequestAttributes.NonResource(user, NonResourceVerb(method), path);
        }
        var parts = segments.AsSpan(skip);
        var ns = "";
        if (parts[0] == "namespaces" && parts.Length > 1)
        {
            ns = Uri.UnescapeDataString(parts[1]);
            // "namespaces/NS/status" and "…/finalize" are subresources of the namespace itself; anything else is a resource in it.
            if (parts.Length > 2 && parts[2] is not ("status" or "finalize"))
            {
                parts = parts[2..];
            }
        }
        var resource = Uri.UnescapeDataString(parts[0]);
        var name = parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "";
        var subresource = parts.Length > 2 ? Uri.UnescapeDataString(parts[2]) : "";
        var verb = method switch
        {
            "POST" => "create",
            "GET" or "HEAD" when name.Length > 0 => "get",
            "GET" or "HEAD" => watch is "true" or "1" or "True" ? "watch" : "list",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" when name.Length > 0 => "delete",
            "DELETE" => "deletecollection",
            _ => method.ToLowerInvariant(),
        };
        // A list or watch of one object by field selector is a request for that name, so resourceNames rules can allow it.
        if (name.Length == 0 && verb is "list" or "watch" && SingleName(fieldSelector) is { } selected)
        {
            name = selected;
        }
        return new RequestAttributes(user, verb, group, resource, subresource, ns, name,
            FieldSelector: verb is "list" or "watch" or "deletecollection" ? fieldSelector ?? "" : "");
    }

    public static string NonResourceVerb(string method) => method switch
    {
        "GET" => "get",
        "POST" => "post",
        "PUT" => "put",
        "PATCH" => "patch",
        "DELETE" => "delete",
        "HEAD" => "head",
        _ => method.ToLowerInvariant(),
    };

    private static string? SingleName(string? fieldSelector)
    {
        if (string.IsNullOrEmpty(fieldSelector) || fieldSelector.Contains(','))
        {
            return null;
        }
        foreach (var prefix in new[] { "metadata.name==", "metadata.name=" })
        {
            if (fieldSelector.StartsWith(prefix, StringComparison.Ordinal))
            {
                return fieldSelector[prefix.Length..];
            }
        }
        return null;
    }
}
