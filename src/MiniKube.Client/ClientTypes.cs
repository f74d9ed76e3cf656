using MiniKube.Api;

namespace MiniKube.Client;

/// <summary>Options of a delete call (metav1.DeleteOptions).</summary>
public sealed record DeleteOptions
{
    /// <summary>Null: the object's own default (pods: terminationGracePeriodSeconds).</summary>
    public long? GracePeriodSeconds { get; init; }

    /// <summary>Background (default), Foreground or Orphan.</summary>
    public string? PropagationPolicy { get; init; }

    public string? PreconditionUid { get; init; }

    public string? PreconditionResourceVersion { get; init; }
}

/// <summary>One event of a watch stream.</summary>
public sealed record WatchEvent<T>(string Type, T Object) where T : KubeObject
{
    public bool IsBookmark => Type == WatchEventTypes.Bookmark;
}

/// <summary>A list result: the items and the resourceVersion to watch from.</summary>
public sealed record ObjectList<T>(IReadOnlyList<T> Items, string ResourceVersion) where T : KubeObject;
