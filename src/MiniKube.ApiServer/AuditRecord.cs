using Grpc.Core;
using MiniKube.Api;
using MiniKube.ApiServer.Rest;

namespace MiniKube.ApiServer;

/// <summary>
/// What the audit log says about one request, filled in as the request goes: the REST path gives the verb and object at
/// once, a gRPC call's request message does (<see cref="AuditInterceptor"/>), and the outcome comes last.
/// </summary>
public sealed class AuditRecord
{
    public string Verb { get; set; } = "";

    /// <summary>The URL path (non-resource rules match it).</summary>
    public string Path { get; set; } = "";

    public bool IsResourceRequest => Resource is { Length: > 0 };

    public string? ApiGroup { get; set; }

    public string? ApiVersion { get; set; }

    public string? Resource { get; set; }

    public string? Subresource { get; set; }

    public string? Namespace { get; set; }

    public string? Name { get; set; }

    /// <summary>The HTTP code of the answer (for gRPC, the code the same answer has on the REST wire); null until known.</summary>
    public int? Code { get; set; }

    public void SetResource(ResourceInfo? resource, string plural, string? ns, string? name, string? subresource)
    {
        Resource = resource?.Plural ?? plural;
        ApiGroup = resource?.Group ?? "";
        ApiVersion = resource?.Version;
        Namespace = ns is { Length: > 0 } ? ns : null;
        Name = name is { Length: > 0 } ? name : null;
        Subresource = subresource is { Length: > 0 } ? subresource : null;
    }

    /// <summary>Kubernetes' RequestInfo verbs from a REST request: get, list, watch, create, update, patch, delete, deletecollection.</summary>
    public static AuditRecord ForRest(HttpRequest request)
    {
        var record = new AuditRecord { Path = request.Path.Value ?? "/" };
        var method = request.Method.ToLowerInvariant();
        RestTarget? target = null;
        if (record.Path.StartsWith("/api/", StringComparison.Ordinal) || record.Path.StartsWith("/apis/", StringComparison.Ordinal))
        {
            try
            {
                target = RestPath.Parse(record.Path, out _, out _);
            }
            catch (ApiException)
            {
                // An unknown resource is answered 404; logged as the non-resource request it then is.
            }
        }
        if (target is null)
        {
            record.Verb = method;
            return record;
        }
        record.SetResource(target.Resource, target.Resource.Plural, target.Namespace, target.Name, target.Subresource);
        var watch = request.Query["watch"] is { Count: > 0 } w && w[0] is "true" or "1";
        record.Verb = method switch
        {
            "get" or "head" when watch => "watch",
            "get" or "head" => target.Name is null ? "list" : "get",
            "post" => "create",
            "put" => "update",
            "patch" => "patch",
            "delete" => target.Name is null ? "deletecollection" : "delete",
            _ => method,
        };
        return record;
    }

    /// <summary>
    /// <c>metadata.name</c> of an object's JSON, or null: a create or update names its object only in the body, and
    /// Kubernetes' audit event names it (objectRef.name) even at the Metadata level.
    /// </summary>
    public static string? NameIn(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new System.Text.Json.Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != System.Text.Json.JsonTokenType.StartObject)
            {
                return null;
            }
            while (reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.PropertyName)
            {
                var isMetadata = reader.ValueTextEquals("metadata"u8);
                reader.Read();
                if (!isMetadata || reader.TokenType != System.Text.Json.JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }
                while (reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.PropertyName)
                {
                    var isName = reader.ValueTextEquals("name"u8);
                    reader.Read();
                    if (isName)
                    {
                        return reader.TokenType == System.Text.Json.JsonTokenType.String ? reader.GetString() : null;
                    }
                    reader.Skip();
                }
                return null;
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // A malformed body is the API's to reject; the event just has no name.
        }
        return null;
    }

    /// <summary>The HTTP code Kubernetes would answer for a gRPC status (the REST wire's code for the same failure).</summary>
    public static int HttpCodeFor(StatusCode code, string verb) => code switch
    {
        StatusCode.OK => verb == "create" ? 201 : 200,
        StatusCode.InvalidArgument => 400,
        StatusCode.Unauthenticated => 401,
        StatusCode.PermissionDenied => 403,
        StatusCode.NotFound => 404,
        StatusCode.Unimplemented => 405,
        StatusCode.AlreadyExists or StatusCode.Aborted => 409,
        StatusCode.OutOfRange => 410,
        StatusCode.ResourceExhausted => 429,
        StatusCode.Unavailable => 503,
        StatusCode.DeadlineExceeded => 504,
        _ => 500,
    };
}
