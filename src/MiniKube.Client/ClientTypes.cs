using MiniKube.Api;

namespace MiniKube.Client;

/// <summary>One event of a watch stream.</summary>
public sealed record WatchEvent<T>(string Type, T Object) where T : KubeObject
{
    public bool IsBookmark => Type == WatchEventTypes.Bookmark;
}

/// <summary>A list result: the items and the resourceVersion to watch from.</summary>
public sealed record ObjectList<T>(IReadOnlyList<T> Items, string ResourceVersion) where T : KubeObject;
