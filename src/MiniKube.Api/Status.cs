namespace MiniKube.Api;

/// <summary>The Kubernetes <c>Status</c> object returned for every failed call.</summary>
public sealed record Status
{
    public string ApiVersion { get; init; } = "v1";
    public string Kind { get; init; } = "Status";
    public ListMeta Metadata { get; init; } = new();
    /// <summary>"Success" or "Failure" (JSON <c>status</c>).</summary>
    [System.Text.Json.Serialization.JsonPropertyName("status")]
    public string? Outcome { get; init; }
    public string? Message { get; init; }
    /// <summary>Machine-readable reason: NotFound, AlreadyExists, Conflict, Invalid, Gone, BadRequest, …</summary>
    public string? Reason { get; init; }
    public StatusDetails? Details { get; init; }
    public int Code { get; init; }
}

public sealed record StatusDetails
{
    public string? Name { get; init; }
    public string? Group { get; init; }
    public string? Kind { get; init; }
    public string? Uid { get; init; }
    public IReadOnlyList<StatusCause>? Causes { get; init; }
    /// <summary>How long a client should wait before retrying (a 504 for a too-new resourceVersion, a 429).</summary>
    public int? RetryAfterSeconds { get; init; }
}

public sealed record StatusCause
{
    /// <summary>e.g. FieldValueRequired, FieldValueInvalid, FieldValueNotSupported, FieldValueDuplicate.</summary>
    public string? Reason { get; init; }
    public string? Message { get; init; }
    /// <summary>Path of the offending field, e.g. <c>spec.containers[0].image</c>.</summary>
    public string? Field { get; init; }
}
