using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using MiniKube.Api;

namespace MiniKube.ApiServer.Rest;

/// <summary>
/// OpenAPI v3 documents generated from the C# records of <see cref="ResourceRegistry"/>: <c>/openapi/v3</c> lists one
/// document per group version; each has the resources' paths (POST, PUT and PATCH operations carry
/// <c>x-kubernetes-group-version-kind</c> and the <c>fieldValidation</c> parameter, which is how kubectl learns that the
/// server validates fields itself) and schemas of every type reachable from the kinds, for <c>kubectl explain</c>.
/// </summary>
internal sealed class OpenApiDocuments
{
    private readonly Dictionary<string, byte[]> _documents = new(StringComparer.Ordinal);
    private readonly byte[] _root;

    public OpenApiDocuments()
    {
        var paths = new JsonObject();
        foreach (var gv in ResourceRegistry.Stored.Concat(Reviews).GroupBy(r => (r.Group, r.Version)))
        {
            var key = gv.Key.Group.Length == 0 ? "api/" + gv.Key.Version : "apis/" + gv.Key.Group + "/" + gv.Key.Version;
            var document = JsonSerializer.SerializeToUtf8Bytes(Build(gv.ToList()));
            _documents[key] = document;
            var hash = Convert.ToHexString(SHA256.HashData(document))[..32];
            paths[key] = new JsonObject { ["serverRelativeURL"] = "/openapi/v3/" + key + "?hash=" + hash };
        }
        _root = JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["paths"] = paths });
    }

    /// <summary>The review kinds (create only, never stored): listed so that kubectl can validate a review it creates.</summary>
    private static readonly ResourceInfo[] Reviews =
    [
        Review(Authorization.SelfSubjectAccessReviews.Group, "SelfSubjectAccessReview", Authorization.SelfSubjectAccessReviews.Plural, typeof(SelfSubjectAccessReview)),
        Review(Authorization.SelfSubjectAccessReviews.Group, "SubjectAccessReview", Authorization.SubjectAccessReviews.Plural, typeof(SubjectAccessReview)),
        Review(Authorization.ReviewRequests.AuthenticationGroup, "TokenReview", Authorization.TokenReviews.Plural, typeof(TokenReview)),
    ];

    private static ResourceInfo Review(string group, string kind, string plural, Type type) =>
        new(group, "v1", kind, plural, kind.ToLowerInvariant(), [], false, type, false) { Stored = false };

    public async Task ServeAsync(HttpContext http)
    {
        var path = (http.Request.Path.Value ?? "").TrimEnd('/');
        byte[]? body = path == "/openapi/v3" ? _root : path.StartsWith("/openapi/v3/", StringComparison.Ordinal)
            ? _documents.GetValueOrDefault(path["/openapi/v3/".Length..])
            : null;
        if (body is null)
        {
            throw RestPath.NotFound(path);
        }
        http.Response.ContentType = "application/json";
        http.Response.ContentLength = body.Length;
        await http.Response.Body.WriteAsync(body, http.RequestAborted).ConfigureAwait(false);
    }

    private static JsonObject Build(IReadOnlyList<ResourceInfo> resources)
    {
        var schemas = new JsonObject();
        var paths = new JsonObject();
        foreach (var r in resources)
        {
            var schemaName = SchemaFor(r.Type, schemas);
            ((JsonObject)schemas[schemaName]!)["x-kubernetes-group-version-kind"] = new JsonArray(Gvk(r));
            var prefix = (r.Group.Length == 0 ? "/api/" + r.Version : "/apis/" + r.Group + "/" + r.Version)
                + (r.Namespaced ? "/namespaces/{namespace}/" : "/") + r.Plural;
            if (!r.Stored)
            {
                paths[prefix] = new JsonObject { ["post"] = Operation(r, "create", schemaName, body: true) };
                continue;
            }
            paths[prefix] = new JsonObject
            {
                ["get"] = Operation(r, "list", schemaName, body: false),
                ["post"] = Operation(r, "create", schemaName, body: true),
            };
            paths[prefix + "/{name}"] = new JsonObject
            {
                ["get"] = Operation(r, "get", schemaName, body: false),
                ["put"] = Operation(r, "update", schemaName, body: true),
                ["patch"] = Operation(r, "patch", schemaName, body: true, patch: true),
                ["delete"] = Operation(r, "delete", schemaName, body: false),
            };
        }
        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "MiniKube", ["version"] = "v1.32.0" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = schemas },
        };
    }

    private static JsonObject Gvk(ResourceInfo r) => new() { ["group"] = r.Group, ["version"] = r.Version, ["kind"] = r.Kind };

    private static JsonObject Operation(ResourceInfo r, string action, string schemaName, bool body, bool patch = false)
    {
        var parameters = new JsonArray();
        if (body)
        {
            parameters.Add(new JsonObject
            {
                ["name"] = "fieldValidation",
                ["in"] = "query",
                ["description"] = "Ignore, Warn or Strict: what the server does with unknown fields in the body.",
                ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true },
            });
            parameters.Add(new JsonObject { ["name"] = "dryRun", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string" } });
        }
        var op = new JsonObject
        {
            ["operationId"] = action + r.Kind,
            ["x-kubernetes-action"] = action,
            ["x-kubernetes-group-version-kind"] = Gvk(r),
            ["parameters"] = parameters,
            ["responses"] = new JsonObject
            {
                ["200"] = new JsonObject
                {
                    ["description"] = "OK",
                    ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Ref(schemaName) } },
                },
            },
        };
        if (body)
        {
            // Strategic merge patch is not listed: kubectl then takes patch strategies from its own types.
            var content = patch
                ? new JsonObject
                {
                    [PatchTypes.Json] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "object" } },
                    [PatchTypes.Merge] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "object" } },
                }
                : new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Ref(schemaName) } };
            op["requestBody"] = new JsonObject { ["content"] = content, ["required"] = true };
        }
        return op;
    }

    private static JsonObject Ref(string name) => new() { ["$ref"] = "#/components/schemas/" + name };

    /// <summary>Adds the schema of an object type (and everything it reaches) and returns its name.</summary>
    private static string SchemaFor(Type type, JsonObject schemas)
    {
        var name = type.FullName!.Replace('+', '.');
        if (schemas.ContainsKey(name))
        {
            return name;
        }
        var schema = new JsonObject { ["type"] = "object", ["description"] = type.Name };
        schemas[name] = schema;
        var properties = new JsonObject();
        foreach (var p in KubeSerializer.Options.GetTypeInfo(type).Properties)
        {
            properties[p.Name] = PropertySchema(p.PropertyType, schemas);
        }
        schema["properties"] = properties;
        return name;
    }

    private static JsonNode PropertySchema(Type type, JsonObject schemas)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string) || type == typeof(DateTimeOffset) || type == typeof(DateTime) || type == typeof(Quantity))
        {
            return new JsonObject { ["type"] = "string" };
        }
        if (type == typeof(int) || type == typeof(long))
        {
            return new JsonObject { ["type"] = "integer", ["format"] = type == typeof(int) ? "int32" : "int64" };
        }
        if (type == typeof(bool))
        {
            return new JsonObject { ["type"] = "boolean" };
        }
        if (type == typeof(double) || type == typeof(float))
        {
            return new JsonObject { ["type"] = "number" };
        }
        if (type == typeof(FieldsV1))
        {
            return new JsonObject { ["type"] = "object" };
        }
        if (type == typeof(IntOrString))
        {
            return new JsonObject { ["x-kubernetes-int-or-string"] = true };
        }
        var info = KubeSerializer.Options.GetTypeInfo(type);
        return info.Kind switch
        {
            JsonTypeInfoKind.Dictionary => new JsonObject { ["type"] = "object", ["additionalProperties"] = PropertySchema(info.ElementType ?? typeof(string), schemas) },
            JsonTypeInfoKind.Enumerable => new JsonObject { ["type"] = "array", ["items"] = PropertySchema(info.ElementType ?? typeof(string), schemas) },
            JsonTypeInfoKind.Object => Ref(SchemaFor(type, schemas)),
            _ => new JsonObject { ["type"] = "string" },
        };
    }
}
