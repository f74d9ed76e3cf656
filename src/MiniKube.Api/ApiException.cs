namespace MiniKube.Api;

/// <summary>
/// A failed API call, carrying the Kubernetes <see cref="Api.Status"/> the server returned (or would return).
/// Thrown by the API server's handlers and re-created by clients from the wire.
/// </summary>
public sealed class ApiException(Status status, Exception? inner = null)
    : Exception(status.Message ?? status.Reason ?? "API error", inner)
{
    public Status Status { get; } = status;

    public string Reason => Status.Reason ?? "";

    public int Code => Status.Code;

    public bool IsNotFound => Reason == StatusReasons.NotFound;

    public bool IsAlreadyExists => Reason == StatusReasons.AlreadyExists;

    public bool IsConflict => Reason == StatusReasons.Conflict;

    public bool IsGone => Reason is StatusReasons.Gone or StatusReasons.Expired;

    public bool IsInvalid => Reason == StatusReasons.Invalid;

    public static ApiException NotFound(ResourceInfo resource, string name) =>
        Failure(404, StatusReasons.NotFound, $"{resource.Plural} \"{name}\" not found", resource, name);

    public static ApiException NamespaceNotFound(string ns) =>
        Failure(404, StatusReasons.NotFound, $"namespaces \"{ns}\" not found", null, ns, kind: "namespaces");

    public static ApiException AlreadyExists(ResourceInfo resource, string name) =>
        Failure(409, StatusReasons.AlreadyExists, $"{resource.Plural} \"{name}\" already exists", resource, name);

    public static ApiException Conflict(ResourceInfo resource, string name, string? why = null) =>
        Failure(409, StatusReasons.Conflict,
            $"Operation cannot be fulfilled on {resource.Plural} \"{name}\": " +
            (why ?? "the object has been modified; please apply your changes to the latest version and try again"),
            resource, name);

    public static ApiException Gone(string message) => Failure(410, StatusReasons.Expired, message, null, null);

    public static ApiException BadRequest(string message) => Failure(400, StatusReasons.BadRequest, message, null, null);

    public static ApiException Forbidden(ResourceInfo? resource, string name, string why) =>
        Failure(403, StatusReasons.Forbidden,
            resource is null ? why : $"{resource.Plural} \"{name}\" is forbidden: {why}", resource, name);

    public static ApiException MethodNotAllowed(string message) => Failure(405, StatusReasons.MethodNotAllowed, message, null, null);

    /// <summary>413, as Kubernetes answers a request body over its limit.</summary>
    public static ApiException RequestEntityTooLarge(string message) => Failure(413, StatusReasons.RequestEntityTooLarge, message, null, null);

    /// <summary>415, as Kubernetes answers a request body in an encoding it cannot decode.</summary>
    public static ApiException UnsupportedMediaType(string message) => Failure(415, StatusReasons.UnsupportedMediaType, message, null, null);

    public static ApiException Internal(string message) => Failure(500, StatusReasons.InternalError, message, null, null);

    public static ApiException Unavailable(string message) => Failure(503, StatusReasons.ServiceUnavailable, message, null, null);

    public static ApiException Timeout(string message) => Failure(504, StatusReasons.Timeout, message, null, null);

    /// <summary>A 504 Timeout that tells the client when to retry, and why (Kubernetes' NewTimeoutError with a cause).</summary>
    public static ApiException Timeout(string message, int retryAfterSeconds, StatusCause cause) =>
        new(new Status
        {
            Outcome = "Failure",
            Code = 504,
            Reason = StatusReasons.Timeout,
            Message = message,
            Details = new StatusDetails { Causes = [cause], RetryAfterSeconds = retryAfterSeconds },
        });

    /// <summary>Kubernetes' Invalid error: <c>Pod "web" is invalid: spec.containers[0].image: Required value</c>.</summary>
    public static ApiException Invalid(string kind, string name, IReadOnlyList<FieldError> errors)
    {
        var rendered = errors.Count == 1 ? errors[0].ToString() : "[" + string.Join(", ", errors.Select(e => e.ToString())) + "]";
        return new ApiException(new Status
        {
            Outcome = "Failure",
            Code = 422,
            Reason = StatusReasons.Invalid,
            Message = $"{kind} \"{name}\" is invalid: {rendered}",
            Details = new StatusDetails
            {
                Name = name,
                Kind = kind,
                Causes = errors.Select(e => new StatusCause { Reason = e.Reason, Message = e.Message, Field = e.Path }).ToList(),
            },
        });
    }

    private static ApiException Failure(int code, string reason, string message, ResourceInfo? resource, string? name, string? kind = null) =>
        new(new Status
        {
            Outcome = "Failure",
            Code = code,
            Reason = reason,
            Message = message,
            Details = name is null && resource is null && kind is null ? null : new StatusDetails
            {
                Name = name,
                Group = resource?.Group is { Length: > 0 } g ? g : null,
                Kind = kind ?? resource?.Plural,
            },
        });
}

/// <summary>Kubernetes' StatusReason values.</summary>
public static class StatusReasons
{
    public const string NotFound = "NotFound";
    public const string AlreadyExists = "AlreadyExists";
    public const string Conflict = "Conflict";
    public const string Invalid = "Invalid";
    public const string Gone = "Gone";
    public const string Expired = "Expired";
    public const string BadRequest = "BadRequest";
    public const string Forbidden = "Forbidden";
    public const string Unauthorized = "Unauthorized";
    public const string MethodNotAllowed = "MethodNotAllowed";
    public const string InternalError = "InternalError";
    public const string ServiceUnavailable = "ServiceUnavailable";
    public const string Timeout = "Timeout";
    public const string RequestEntityTooLarge = "RequestEntityTooLarge";
    public const string UnsupportedMediaType = "UnsupportedMediaType";
}
