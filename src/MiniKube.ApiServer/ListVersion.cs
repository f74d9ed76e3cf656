using System.Globalization;
using MiniKube.Api;

namespace MiniKube.ApiServer;

/// <summary>How fresh a list must be: a list's <c>resourceVersion</c> and <c>resourceVersionMatch</c>, as Kubernetes reads them.</summary>
/// <remarks>
/// No resourceVersion: the most recent data. "0": any data (the watch cache as it is). N (or N with NotOlderThan): data at least
/// as new as N; N newer than the store is a 504 with cause ResourceVersionTooLarge. N with Exact: the data as it was at N, read
/// from etcd's history; 410 Gone once N is compacted.
/// </remarks>
public sealed record ListVersion(ListVersionKind Kind, long Revision)
{
    public const string Exact = "Exact";
    public const string NotOlderThan = "NotOlderThan";

    public static ListVersion Latest { get; } = new(ListVersionKind.Latest, 0);

    /// <summary>Checks the list options as Kubernetes' ValidateListOptions does (non-watch lists).</summary>
    public static ListVersion Parse(string? resourceVersion, string? match, string? continueToken)
    {
        var errors = new List<FieldError>();
        var hasVersion = !string.IsNullOrEmpty(resourceVersion);
        if (!string.IsNullOrEmpty(match))
        {
            if (!hasVersion)
            {
                errors.Add(FieldError.Forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden unless resourceVersion is provided"));
            }
            if (!string.IsNullOrEmpty(continueToken))
            {
                errors.Add(FieldError.Forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided"));
            }
            if (match is not (Exact or NotOlderThan))
            {
                errors.Add(FieldError.NotSupported("resourceVersionMatch", match, [Exact, NotOlderThan, ""]));
            }
            if (match == Exact && resourceVersion == "0")
            {
                errors.Add(FieldError.Forbidden("resourceVersionMatch", "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\""));
            }
        }
        long revision = 0;
        if (hasVersion && !long.TryParse(resourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out revision))
        {
            errors.Add(FieldError.Invalid("resourceVersion", resourceVersion, "must be a resource version returned by the server"));
        }
        if (errors.Count > 0)
        {
            throw ApiException.Invalid("ListOptions.meta.k8s.io", "", errors);
        }
        if (!hasVersion)
        {
            return Latest;
        }
        if (revision == 0)
        {
            return new ListVersion(ListVersionKind.Any, 0);
        }
        return new ListVersion(match == Exact ? ListVersionKind.Exact : ListVersionKind.NotOlderThan, revision);
    }

    /// <summary>Kubernetes' answer to a list newer than the store: 504 Timeout with cause ResourceVersionTooLarge.</summary>
    public static ApiException TooLarge(long requested, long current)
    {
        var message = $"Too large resource version: {requested}, current: {current}";
        return ApiException.Timeout(message, retryAfterSeconds: 1, new StatusCause { Reason = "ResourceVersionTooLarge", Message = message });
    }
}

public enum ListVersionKind
{
    /// <summary>The most recent data (a quorum read).</summary>
    Latest,
    /// <summary>resourceVersion "0": whatever the watch cache holds.</summary>
    Any,
    NotOlderThan,
    Exact,
}
