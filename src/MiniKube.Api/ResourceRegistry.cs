namespace MiniKube.Api;

/// <summary>Every resource type MiniKube serves. CONTRACT STUB: filled in by the API-types work.</summary>
public static class ResourceRegistry
{
    public static IReadOnlyList<ResourceInfo> All { get; } = [];

    /// <summary>By plural resource name ("pods").</summary>
    public static ResourceInfo? ByPlural(string plural) => All.FirstOrDefault(r => r.Plural == plural);

    /// <summary>By apiVersion and kind ("apps/v1", "Deployment"); apiVersion may be null to match any group.</summary>
    public static ResourceInfo? ByKind(string? apiVersion, string kind) =>
        All.FirstOrDefault(r => r.Kind == kind && (apiVersion is null || r.ApiVersion == apiVersion));

    public static ResourceInfo ByType(Type type) =>
        All.FirstOrDefault(r => r.Type == type) ?? throw new ArgumentException($"{type.Name} is not a registered resource type", nameof(type));

    public static ResourceInfo For<T>() where T : KubeObject => ByType(typeof(T));

    /// <summary>What a user may type: plural, singular, short name or kind, any case ("po", "Pod", "pods").</summary>
    public static ResourceInfo? Resolve(string name) => All.FirstOrDefault(r =>
        string.Equals(r.Plural, name, StringComparison.OrdinalIgnoreCase)
        || string.Equals(r.Singular, name, StringComparison.OrdinalIgnoreCase)
        || string.Equals(r.Kind, name, StringComparison.OrdinalIgnoreCase)
        || r.ShortNames.Any(s => string.Equals(s, name, StringComparison.OrdinalIgnoreCase)));
}
