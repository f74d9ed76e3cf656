using MiniKube.Api;

namespace MiniKube.Client;

/// <summary>One event of a watch stream.</summary>
public sealed record WatchEvent<T>(string Type, T Object) where T : KubeObject
{
    public bool IsBookmark => Type == WatchEventTypes.Bookmark;
}
