using MiniKube.Api;

namespace MiniKube.ApiServer;

public enum PatchType
{
    Merge,
    Json,
    Strategic,
    Apply,
}

/// <summary>The patch media types Kubernetes defines.</summary>
public static class PatchTypes
{
    public const string Merge = "application/merge-patch+json";
    public const string Json = "application/json-patch+json";
    public const string Strategic = "application/strategic-merge-patch+json";
    public const string Apply = "application/apply-patch+yaml";

    public static PatchType Parse(string? mediaType)
    {
        var bare = mediaType?.Split(';')[0].Trim() ?? "";
        return bare switch
        {
            "" or Merge => PatchType.Merge,
            Json => PatchType.Json,
            Strategic => PatchType.Strategic,
            Apply => PatchType.Apply,
            _ => throw new ApiException(new Status
            {
                Outcome = "Failure",
                Code = 415,
                Reason = "UnsupportedMediaType",
                Message = $"the body of the request was in an unknown format - accepted media types include: {Json}, {Merge}, {Strategic}, {Apply}",
            }),
        };
    }
}
