namespace MiniKube.Api;

/// <summary>core/v1 Namespace (cluster-scoped).</summary>
public sealed record Namespace : KubeObject
{
    public Namespace()
    {
        ApiVersion = "v1";
        Kind = "Namespace";
    }

    public NamespaceSpec? Spec { get; init; }
    public NamespaceStatus? Status { get; init; }
}

public sealed record NamespaceSpec
{
    public IReadOnlyList<string>? Finalizers { get; init; }
}

public sealed record NamespaceStatus
{
    public string? Phase { get; init; }
    public IReadOnlyList<NamespaceCondition>? Conditions { get; init; }
}

public static class NamespacePhase
{
    public const string Active = "Active";
    public const string Terminating = "Terminating";
}

public sealed record NamespaceCondition
{
    public string Type { get; init; } = "";
    public string Status { get; init; } = "";
    public DateTimeOffset? LastTransitionTime { get; init; }
    public string? Reason { get; init; }
    public string? Message { get; init; }
}
