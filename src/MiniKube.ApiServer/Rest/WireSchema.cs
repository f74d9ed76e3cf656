using System.Globalization;

namespace MiniKube.ApiServer.Rest;

/// <summary>One field of a Kubernetes protobuf message: its JSON name, its type (a scalar, a leaf such as
/// <c>quantity</c>, or another message's name) and whether it repeats or is a map of that type.</summary>
internal sealed record WireField(string JsonName, string Type, bool Repeated, bool Map);

/// <summary>
/// The field numbers of the Kubernetes messages MiniKube decodes, from protos/kubernetes/wire-schema.txt (generated from
/// the descriptors kubectl carries; see generate-wire-schema.py there).
/// </summary>
internal static class WireSchema
{
    private static readonly Lazy<IReadOnlyDictionary<string, IReadOnlyDictionary<int, WireField>>> Messages = new(Load);

    /// <summary>The message's fields by number; null when the schema does not have it.</summary>
    public static IReadOnlyDictionary<int, WireField>? Find(string message) => Messages.Value.GetValueOrDefault(message);

    /// <summary>The message of a kind: <c>apps/v1</c> Deployment is <c>api.apps.v1.Deployment</c>, a group such as
    /// <c>discovery.k8s.io</c> is its first label, and the core group is <c>core</c>; options kinds are in meta.</summary>
    public static string? MessageOf(string apiVersion, string kind)
    {
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        var group = slash < 0 ? "core" : apiVersion[..slash].Split('.')[0];
        var version = apiVersion[(slash + 1)..];
        foreach (var candidate in new[] { $"api.{group}.{version}.{kind}", "apimachinery.pkg.apis.meta.v1." + kind })
        {
            if (Messages.Value.ContainsKey(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    private static IReadOnlyDictionary<string, IReadOnlyDictionary<int, WireField>> Load()
    {
        using var stream = typeof(WireSchema).Assembly.GetManifestResourceStream("wire-schema.txt")
            ?? throw new InvalidOperationException("wire-schema.txt is not embedded in the API server");
        using var reader = new StreamReader(stream);
        var messages = new Dictionary<string, IReadOnlyDictionary<int, WireField>>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            var parts = line.Split(' ');
            var fields = new Dictionary<int, WireField>();
            foreach (var part in parts.AsSpan(1))
            {
                // jsonName=number:type, type `map:<value>` or ending in `*` when repeated.
                var equals = part.IndexOf('=', StringComparison.Ordinal);
                var colon = part.IndexOf(':', equals);
                var type = part[(colon + 1)..];
                var map = type.StartsWith("map:", StringComparison.Ordinal);
                var repeated = type.EndsWith('*');
                fields[int.Parse(part[(equals + 1)..colon], CultureInfo.InvariantCulture)] =
                    new WireField(part[..equals], map ? type[4..] : repeated ? type[..^1] : type, repeated, map);
            }
            messages[parts[0]] = fields;
        }
        return messages;
    }
}
