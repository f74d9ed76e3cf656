using MiniKube.Api;

namespace MiniKube.ApiServer;

/// <summary>A watch's sendInitialEvents and resourceVersionMatch, checked as Kubernetes' validateWatchOptions does.</summary>
public static class WatchListOptions
{
    /// <summary>The sendInitialEvents asked for (null when absent); throws Kubernetes' Invalid error for a combination it refuses.</summary>
    public static bool? Parse(string? sendInitialEvents, string? match, bool allowWatchBookmarks)
    {
        bool? send = sendInitialEvents switch
        {
            null or "" => null,
            "true" or "1" => true,
            "false" or "0" => false,
            _ => throw ApiException.BadRequest($"sendInitialEvents \"{sendInitialEvents}\" is not a boolean"),
        };
        var errors = new List<FieldError>();
        if (send is not null && match != ListVersion.NotOlderThan)
        {
            errors.Add(FieldError.Forbidden("resourceVersionMatch", "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"));
        }
        if (!string.IsNullOrEmpty(match))
        {
            if (send is null)
            {
                errors.Add(FieldError.Forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"));
            }
            if (match != ListVersion.NotOlderThan)
            {
                errors.Add(FieldError.NotSupported("resourceVersionMatch", match, [ListVersion.NotOlderThan]));
            }
        }
        if (send == true && !allowWatchBookmarks)
        {
            errors.Add(FieldError.Forbidden("allowWatchBookmarks", "allowWatchBookmarks must be set to true when sendInitialEvents is provided"));
        }
        if (errors.Count > 0)
        {
            throw ApiException.Invalid("ListOptions.meta.k8s.io", "", errors);
        }
        return send;
    }
}
