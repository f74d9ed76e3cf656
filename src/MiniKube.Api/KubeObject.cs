using System.Text.Json.Serialization;

namespace MiniKube.Api;

/// <summary>
/// Base of every top-level API object. Records give value semantics and <c>with</c> copies;
/// a <c>with</c> on a <see cref="KubeObject"/> reference clones the derived type, which is what lets the
/// API server and controllers rewrite metadata generically.
/// </summary>
public abstract record KubeObject
{
    [JsonPropertyOrder(-3)]
    public string ApiVersion { get; init; } = "";

    [JsonPropertyOrder(-2)]
    public string Kind { get; init; } = "";

    [JsonPropertyOrder(-1)]
    public ObjectMeta Metadata { get; init; } = new();
}

/// <summary>Standard object metadata (metav1.ObjectMeta).</summary>
public sealed record ObjectMeta
{
    public string? Name { get; init; }
    public string? GenerateName { get; init; }
    public string? Namespace { get; init; }
    public string? Uid { get; init; }
    public string? ResourceVersion { get; init; }
    public long? Generation { get; init; }
    public DateTimeOffset? CreationTimestamp { get; init; }
    public DateTimeOffset? DeletionTimestamp { get; init; }
    public long? DeletionGracePeriodSeconds { get; init; }
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }
    public IReadOnlyList<OwnerReference>? OwnerReferences { get; init; }
    public IReadOnlyList<string>? Finalizers { get; init; }
    /// <summary>Which manager owns which fields (server-side apply); maintained by the API server.</summary>
    public IReadOnlyList<ManagedFieldsEntry>? ManagedFields { get; init; }
}

public sealed record OwnerReference
{
    public string ApiVersion { get; init; } = "";
    public string Kind { get; init; } = "";
    public string Name { get; init; } = "";
    public string Uid { get; init; } = "";
    public bool? Controller { get; init; }
    public bool? BlockOwnerDeletion { get; init; }
}

/// <summary>Metadata of list objects (metav1.ListMeta).</summary>
public sealed record ListMeta
{
    public string? ResourceVersion { get; init; }
    public string? Continue { get; init; }
}

/// <summary>A list of objects of one kind, e.g. PodList.</summary>
public sealed record KubeList<T> where T : KubeObject
{
    [JsonPropertyOrder(-3)]
    public string ApiVersion { get; init; } = "";

    [JsonPropertyOrder(-2)]
    public string Kind { get; init; } = "";

    [JsonPropertyOrder(-1)]
    public ListMeta Metadata { get; init; } = new();

    public IReadOnlyList<T> Items { get; init; } = [];
}
