namespace MiniKube.Api;

/// <summary>Builds lists whose apiVersion and kind ("PodList") come from the registry.</summary>
public static class KubeList
{
    public static KubeList<T> Of<T>(IEnumerable<T> items, string? resourceVersion = null, string? continueToken = null)
        where T : KubeObject
    {
        var info = ResourceRegistry.For<T>();
        return new KubeList<T>
        {
            ApiVersion = info.ApiVersion,
            Kind = info.ListKind,
            Metadata = new ListMeta { ResourceVersion = resourceVersion, Continue = continueToken },
            Items = items as IReadOnlyList<T> ?? items.ToList(),
        };
    }
}
