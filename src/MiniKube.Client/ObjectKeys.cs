using MiniKube.Api;

namespace MiniKube.Client;

/// <summary>Cache keys as Kubernetes writes them: <c>namespace/name</c>, or <c>name</c> for cluster-scoped objects.</summary>
public static class ObjectKeys
{
    public static string For(KubeObject obj) => For(obj.Metadata.Namespace, obj.Metadata.Name ?? "");

    public static string For(string? ns, string name) => string.IsNullOrEmpty(ns) ? name : ns + "/" + name;

    public static (string? Namespace, string Name) Split(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (null, key) : (key[..slash], key[(slash + 1)..]);
    }
}
