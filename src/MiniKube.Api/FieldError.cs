using System.Globalization;

namespace MiniKube.Api;

public enum FieldErrorType
{
    Required,
    Invalid,
    Duplicate,
    NotSupported,
    Forbidden,
    TooLong,
    TooMany,
    /// <summary>Decoding: a field the kind does not have.</summary>
    UnknownField,
    /// <summary>Decoding: a value of the wrong JSON/YAML type.</summary>
    TypeMismatch,
    /// <summary>Decoding: text that cannot be read at all (YAML/JSON syntax, a bad quantity); the detail is the whole message.</summary>
    Malformed,
    /// <summary>A reference to something that does not exist (e.g. a volumeMount naming no volume of the pod).</summary>
    NotFound,
}

/// <summary>
/// One problem with one field, rendered the way Kubernetes renders it, e.g.
/// <c>spec.containers[0].image: Required value</c> or
/// <c>metadata.name: Invalid value: "Web": a lowercase RFC 1123 subdomain must consist of …</c>.
/// </summary>
public sealed record FieldError(string Path, FieldErrorType Type, string? Detail = null, object? BadValue = null)
{
    public static FieldError Required(string path, string? detail = null) => new(path, FieldErrorType.Required, detail);
    public static FieldError Invalid(string path, object? value, string detail) => new(path, FieldErrorType.Invalid, detail, value);
    public static FieldError Duplicate(string path, object? value) => new(path, FieldErrorType.Duplicate, null, value);
    public static FieldError NotSupported(string path, object? value, IEnumerable<string> supported) =>
        new(path, FieldErrorType.NotSupported, "supported values: " + string.Join(", ", supported.Select(v => "\"" + v + "\"")), value);
    public static FieldError Forbidden(string path, string detail) => new(path, FieldErrorType.Forbidden, detail);
    public static FieldError UnknownField(string path) => new(path, FieldErrorType.UnknownField);
    public static FieldError TypeMismatch(string path, string detail) => new(path, FieldErrorType.TypeMismatch, detail);
    public static FieldError Malformed(string path, string detail) => new(path, FieldErrorType.Malformed, detail);
    public static FieldError NotFound(string path, object? value) => new(path, FieldErrorType.NotFound, null, value);

    /// <summary>The Kubernetes cause reason (StatusCause.reason) for this error.</summary>
    public string Reason => Type switch
    {
        FieldErrorType.Required => "FieldValueRequired",
        FieldErrorType.Duplicate => "FieldValueDuplicate",
        FieldErrorType.NotSupported => "FieldValueNotSupported",
        FieldErrorType.Forbidden => "FieldValueForbidden",
        FieldErrorType.TooLong => "FieldValueTooLong",
        FieldErrorType.TooMany => "FieldValueTooMany",
        FieldErrorType.UnknownField => "FieldValueInvalid",
        FieldErrorType.TypeMismatch => "FieldValueTypeInvalid",
        FieldErrorType.NotFound => "FieldValueNotFound",
        _ => "FieldValueInvalid",
    };

    /// <summary>The message without the path, e.g. <c>Required value</c>.</summary>
    public string Message
    {
        get
        {
            if (Type == FieldErrorType.Malformed)
            {
                return Detail is null ? "malformed value" : Bounded(Detail);
            }
            var head = Type switch
            {
                FieldErrorType.Required => "Required value",
                FieldErrorType.Invalid => "Invalid value",
                FieldErrorType.Duplicate => "Duplicate value",
                FieldErrorType.NotSupported => "Unsupported value",
                FieldErrorType.Forbidden => "Forbidden",
                FieldErrorType.TooLong => "Too long",
                FieldErrorType.TooMany => "Too many",
                FieldErrorType.UnknownField => "unknown field",
                FieldErrorType.TypeMismatch => "invalid type",
                FieldErrorType.NotFound => "Not found",
                _ => "Invalid value",
            };
            var parts = new List<string> { head };
            if (BadValue is not null && Type is FieldErrorType.Invalid or FieldErrorType.Duplicate or FieldErrorType.NotSupported or FieldErrorType.NotFound)
            {
                parts.Add(FormatValue(BadValue));
            }
            if (!string.IsNullOrEmpty(Detail))
            {
                parts.Add(Bounded(Detail));
            }
            return string.Join(": ", parts);
        }
    }

    public override string ToString() => string.IsNullOrEmpty(Path) ? Message : Path + ": " + Message;

    /// <summary>The longest prefix of a bad value an error quotes: a huge value must not make a huge error (or gRPC trailer).</summary>
    public const int MaxQuotedValueLength = 256;

    /// <summary>A user's value as an error quotes it: strings in quotes and cut to <see cref="MaxQuotedValueLength"/>.</summary>
    public static string Quote(object value) => FormatValue(value);

    private static string FormatValue(object value) => value switch
    {
        string s => "\"" + Cut(s) + "\"" + (s.Length > MaxQuotedValueLength ? "... (truncated; " + s.Length.ToString(CultureInfo.InvariantCulture) + " characters in all)" : ""),
        bool b => b ? "true" : "false",
        // Lists and maps print as JSON, which can be as large as the value itself.
        _ => (value is IFormattable f ? f.ToString(null, CultureInfo.InvariantCulture) : value.ToString() ?? "") is var text && text.Length > MaxQuotedValueLength
            ? Cut(text) + "... (truncated; " + text.Length.ToString(CultureInfo.InvariantCulture) + " characters in all)"
            : text,
    };

    /// <summary>The longest detail an error prints: details quote values too, and a huge value must not make a huge error.</summary>
    public const int MaxDetailLength = 1024;

    private static string Bounded(string detail) =>
        detail.Length <= MaxDetailLength ? detail : detail[..MaxDetailLength] + "... (truncated)";

    private static string Cut(string s) =>
        s.Length <= MaxQuotedValueLength ? s : s[..(char.IsHighSurrogate(s[MaxQuotedValueLength - 1]) ? MaxQuotedValueLength - 1 : MaxQuotedValueLength)];
}

/// <summary>Thrown when a manifest cannot be decoded into its kind (unknown field, wrong type, bad YAML).</summary>
public sealed class DecodeException(IReadOnlyList<FieldError> errors)
    : Exception(string.Join("; ", errors.Select(e => e.ToString())))
{
    public IReadOnlyList<FieldError> Errors { get; } = errors;

    public DecodeException(FieldError error) : this([error])
    {
    }
}
