using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace MiniKube.Api.Serialization;

/// <summary>
/// Walks a parsed document against the serializer's own type metadata and reports every problem at once:
/// unknown fields, wrong JSON types, bad quantities, timestamps and base64, each with its Kubernetes path.
/// It also normalises the document the way Kubernetes' decoder treats it (a null field is an unset field),
/// so the deserializer that runs afterwards sees nothing it would reject. A field it reports is removed from the
/// document, so what is left still deserializes (for callers that report every problem and go on with the rest).
/// </summary>
internal sealed class StrictChecker(JsonSerializerOptions options)
{
    private enum ShapeKind
    {
        Any,
        Object,
        Array,
        Map,
        StringMap,
        String,
        Boolean,
        Integer,
        Number,
        Time,
        Quantity,
        IntOrString,
        Bytes,
    }

    private sealed record Shape(
        ShapeKind Kind,
        Type? ElementType = null,
        FrozenDictionary<string, Type>? Properties = null,
        long Min = 0,
        long Max = 0,
        string? IntegerName = null);

    private readonly ConcurrentDictionary<Type, Shape> _shapes = new();

    /// <summary>Reports every problem; false when <paramref name="node"/> itself cannot be read as <paramref name="type"/>.</summary>
    public bool Check(JsonNode node, Type type, string path, List<FieldError> errors) => Visit(node, type, path, errors);

    private Shape ShapeOf(Type type) => _shapes.GetOrAdd(type, BuildShape);

    private Shape BuildShape(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t == typeof(string))
        {
            return new Shape(ShapeKind.String);
        }
        if (t == typeof(bool))
        {
            return new Shape(ShapeKind.Boolean);
        }
        if (t == typeof(int))
        {
            return new Shape(ShapeKind.Integer, Min: int.MinValue, Max: int.MaxValue, IntegerName: "32-bit integer");
        }
        if (t == typeof(long))
        {
            return new Shape(ShapeKind.Integer, Min: long.MinValue, Max: long.MaxValue, IntegerName: "64-bit integer");
        }
        if (t == typeof(double) || t == typeof(float) || t == typeof(decimal))
        {
            return new Shape(ShapeKind.Number);
        }
        if (t == typeof(DateTimeOffset))
        {
            return new Shape(ShapeKind.Time);
        }
        if (t == typeof(Quantity))
        {
            return new Shape(ShapeKind.Quantity);
        }
        if (t == typeof(IntOrString))
        {
            return new Shape(ShapeKind.IntOrString);
        }
        if (t == typeof(byte[]))
        {
            return new Shape(ShapeKind.Bytes);
        }
        if (t == typeof(IReadOnlyDictionary<string, string>))
        {
            return new Shape(ShapeKind.StringMap);
        }

        var info = options.GetTypeInfo(t);
        return info.Kind switch
        {
            JsonTypeInfoKind.Object => new Shape(
                ShapeKind.Object,
                Properties: info.Properties.Where(p => p.Get is not null || p.Set is not null)
                    .ToFrozenDictionary(p => p.Name, p => p.PropertyType, StringComparer.Ordinal)),
            JsonTypeInfoKind.Enumerable => new Shape(ShapeKind.Array, info.ElementType),
            JsonTypeInfoKind.Dictionary => new Shape(ShapeKind.Map, info.ElementType),
            _ => new Shape(ShapeKind.Any),
        };
    }

    /// <summary>False when the node cannot be read as the type (it is then removed from its parent); its own bad fields are removed.</summary>
    private bool Visit(JsonNode node, Type type, string path, List<FieldError> errors)
    {
        var shape = ShapeOf(type);
        var before = errors.Count;
        switch (shape.Kind)
        {
            case ShapeKind.Object:
                return VisitObject(node, shape, path, errors);
            case ShapeKind.Array:
                return VisitArray(node, shape, path, errors);
            case ShapeKind.Map:
                return VisitMap(node, shape, path, errors);
            case ShapeKind.StringMap:
                VisitStringMap(node, path, errors);
                break;
            case ShapeKind.String:
                if (Expect(node, JsonValueKind.String, "string", path, errors))
                {
                    CheckNul(node.GetValue<string>(), path, errors);
                }
                break;
            case ShapeKind.Boolean:
                if (Kind(node) is not (JsonValueKind.True or JsonValueKind.False))
                {
                    errors.Add(Mismatch(path, "boolean", node));
                }
                break;
            case ShapeKind.Integer:
                VisitInteger(node, shape, path, errors);
                break;
            case ShapeKind.Number:
                Expect(node, JsonValueKind.Number, "number", path, errors);
                break;
            case ShapeKind.Time:
                if (Expect(node, JsonValueKind.String, "string", path, errors))
                {
                    var text = node.GetValue<string>();
                    if (!Timestamps.TryParse(text, out _))
                    {
                        errors.Add(FieldError.Invalid(path, text, "must be an RFC 3339 timestamp such as \"2024-05-01T10:00:00Z\""));
                    }
                }
                break;
            case ShapeKind.Quantity:
                VisitQuantity(node, path, errors);
                break;
            case ShapeKind.IntOrString:
                VisitIntOrString(node, path, errors);
                break;
            case ShapeKind.Bytes:
                if (Expect(node, JsonValueKind.String, "string", path, errors))
                {
                    var text = node.GetValue<string>();
                    var buffer = new byte[text.Length];
                    if (!Convert.TryFromBase64String(text, buffer, out _))
                    {
                        errors.Add(FieldError.Malformed(path, "illegal base64 data: the value must be base64-encoded"));
                    }
                }
                break;
        }
        return errors.Count == before;
    }

    private bool VisitObject(JsonNode node, Shape shape, string path, List<FieldError> errors)
    {
        if (node is not JsonObject obj)
        {
            errors.Add(Mismatch(path, "object", node));
            return false;
        }
        List<string>? unset = null;
        foreach (var (name, child) in obj)
        {
            var childPath = Join(path, name);
            if (!shape.Properties!.TryGetValue(name, out var propertyType))
            {
                errors.Add(FieldError.UnknownField(childPath));
                (unset ??= []).Add(name);
                continue;
            }
            // Kubernetes reads `field: null` as "not set"; dropping it lets defaults apply.
            if (child is null || !Visit(child, propertyType, childPath, errors))
            {
                (unset ??= []).Add(name);
            }
        }
        if (unset is not null)
        {
            foreach (var name in unset)
            {
                obj.Remove(name);
            }
        }
        return true;
    }

    /// <summary>An item that cannot be read makes the whole list unreadable (removing it would renumber the others' paths).</summary>
    private bool VisitArray(JsonNode node, Shape shape, string path, List<FieldError> errors)
    {
        if (node is not JsonArray array)
        {
            errors.Add(Mismatch(path, "array", node));
            return false;
        }
        var usable = true;
        for (var i = 0; i < array.Count; i++)
        {
            var itemPath = path + "[" + i.ToString(CultureInfo.InvariantCulture) + "]";
            var item = array[i];
            if (item is null)
            {
                errors.Add(Mismatch(itemPath, Describe(ShapeOf(shape.ElementType!)), null));
                usable = false;
                continue;
            }
            usable &= Visit(item, shape.ElementType!, itemPath, errors);
        }
        return usable;
    }

    private bool VisitMap(JsonNode node, Shape shape, string path, List<FieldError> errors)
    {
        if (node is not JsonObject obj)
        {
            errors.Add(Mismatch(path, "object", node));
            return false;
        }
        List<string>? unset = null;
        foreach (var (key, child) in obj)
        {
            if (child is null || !Visit(child, shape.ElementType!, Join(path, key), errors))
            {
                (unset ??= []).Add(key);
            }
        }
        if (unset is not null)
        {
            foreach (var key in unset)
            {
                obj.Remove(key);
            }
        }
        return true;
    }

    private static void VisitStringMap(JsonNode node, string path, List<FieldError> errors)
    {
        if (node is not JsonObject obj)
        {
            errors.Add(Mismatch(path, "object", node));
            return;
        }
        foreach (var (key, child) in obj)
        {
            // null is read as "" (see StringMapConverter), anything else must already be a string.
            if (child is not null && Kind(child) != JsonValueKind.String)
            {
                errors.Add(Mismatch(Join(path, key), "string", child));
            }
            else if (!CheckNul(key, path, errors) && child is not null)
            {
                CheckNul(child.GetValue<string>(), Join(path, key), errors);
            }
        }
    }

    /// <summary>
    /// NUL cannot pass through the container runtime or most tools (it ends a C string), so a string holding one is refused
    /// rather than silently cut. Returns whether it did.
    /// </summary>
    private static bool CheckNul(string text, string path, List<FieldError> errors)
    {
        var at = text.IndexOf('\0', StringComparison.Ordinal);
        if (at < 0)
        {
            return false;
        }
        errors.Add(FieldError.Malformed(path, $"invalid value: contains a NUL character (\\u0000) at offset {at}; strings may not contain NUL"));
        return true;
    }

    private static void VisitInteger(JsonNode node, Shape shape, string path, List<FieldError> errors)
    {
        if (!Expect(node, JsonValueKind.Number, "integer", path, errors))
        {
            return;
        }
        var text = node.ToJsonString();
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            errors.Add(decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && decimal.Truncate(d) == d
                ? FieldError.Invalid(path, text, "out of range for a " + shape.IntegerName)
                : FieldError.TypeMismatch(path, "expected integer, got number " + text));
            return;
        }
        if (value < shape.Min || value > shape.Max)
        {
            errors.Add(FieldError.Invalid(path, value, "out of range for a " + shape.IntegerName));
        }
    }

    private static void VisitQuantity(JsonNode node, string path, List<FieldError> errors)
    {
        string text;
        switch (Kind(node))
        {
            case JsonValueKind.String:
                text = node.GetValue<string>();
                break;
            case JsonValueKind.Number:
                text = node.ToJsonString();
                break;
            default:
                errors.Add(Mismatch(path, "quantity (string or number)", node));
                return;
        }
        if (!Quantity.TryParse(text, out _, out var error))
        {
            errors.Add(FieldError.Malformed(path, error!));
        }
    }

    private static void VisitIntOrString(JsonNode node, string path, List<FieldError> errors)
    {
        switch (Kind(node))
        {
            case JsonValueKind.String:
                return;
            case JsonValueKind.Number:
                var text = node.ToJsonString();
                if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
                {
                    errors.Add(FieldError.TypeMismatch(path, "expected 32-bit integer or string, got number " + text));
                }
                return;
            default:
                errors.Add(Mismatch(path, "integer or string", node));
                return;
        }
    }

    private static bool Expect(JsonNode node, JsonValueKind kind, string expected, string path, List<FieldError> errors)
    {
        if (Kind(node) == kind)
        {
            return true;
        }
        errors.Add(Mismatch(path, expected, node));
        return false;
    }

    private static JsonValueKind Kind(JsonNode? node) => node?.GetValueKind() ?? JsonValueKind.Null;

    private static FieldError Mismatch(string path, string expected, JsonNode? actual) =>
        FieldError.TypeMismatch(path, "expected " + expected + ", got " + Describe(Kind(actual)));

    internal static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };

    private static string Describe(Shape shape) => shape.Kind switch
    {
        ShapeKind.Object or ShapeKind.Map or ShapeKind.StringMap => "object",
        ShapeKind.Array => "array",
        ShapeKind.Boolean => "boolean",
        ShapeKind.Integer => "integer",
        ShapeKind.Number => "number",
        ShapeKind.Quantity => "quantity (string or number)",
        ShapeKind.IntOrString => "integer or string",
        ShapeKind.Any => "a value",
        _ => "string",
    };

    internal static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;
}
