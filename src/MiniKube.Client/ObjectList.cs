using MiniKube.Api;

namespace MiniKube.Client;

/// <summary>A list result: the items and the resourceVersion to watch from.</summary>
public sealed record ObjectList<T>(IReadOnlyList<T> Items, string ResourceVersion) where T : KubeObject;
