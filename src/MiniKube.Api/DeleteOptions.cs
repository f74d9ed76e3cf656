namespace MiniKube.Api;

/// <summary>
/// metav1.DeleteOptions: the optional body of a DELETE (kubectl sends one with <c>propagationPolicy</c>).
/// Not a stored kind, so it is decoded with <see cref="KubeSerializer.FromJson{T}(ReadOnlySpan{byte})"/>.
/// </summary>
public sealed record DeleteOptions
{
    public string? ApiVersion { get; init; }
    public string? Kind { get; init; }
    public long? GracePeriodSeconds { get; init; }
    public Preconditions? Preconditions { get; init; }
    /// <summary>Orphan, Background or Foreground.</summary>
    public string? PropagationPolicy { get; init; }
    public IReadOnlyList<string>? DryRun { get; init; }
}

public sealed record Preconditions
{
    public string? Uid { get; init; }
    public string? ResourceVersion { get; init; }
}
