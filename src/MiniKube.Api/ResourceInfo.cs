namespace MiniKube.Api;

/// <summary>What the API server and clients need to know about one resource type.</summary>
public sealed record ResourceInfo(
    string Group,
    string Version,
    string Kind,
    string Plural,
    string Singular,
    IReadOnlyList<string> ShortNames,
    bool Namespaced,
    Type Type,
    bool HasStatus)
{
    public string ApiVersion => Group.Length == 0 ? Version : Group + "/" + Version;

    public string ListKind => Kind + "List";

    /// <summary>
    /// False for kinds the API server serves but never stores (metrics.k8s.io's PodMetrics and NodeMetrics): no etcd
    /// keys, no watch cache, only get and list, answered by the resource metrics pipeline.
    /// </summary>
    public bool Stored { get; init; } = true;

    /// <summary><c>plural.group</c> (<c>pods.metrics.k8s.io</c>), or the plural alone for the core group.</summary>
    public string QualifiedPlural => Group.Length == 0 ? Plural : Plural + "." + Group;

    /// <summary>
    /// Field values a field selector can test for this kind (always <c>metadata.name</c> and
    /// <c>metadata.namespace</c>; pods add <c>spec.nodeName</c>, <c>status.phase</c>, …).
    /// </summary>
    public Func<KubeObject, IReadOnlyDictionary<string, string>> Fields { get; init; } = DefaultFields;

    public static IReadOnlyDictionary<string, string> DefaultFields(KubeObject obj) => new Dictionary<string, string>
    {
        ["metadata.name"] = obj.Metadata.Name ?? "",
        ["metadata.namespace"] = obj.Metadata.Namespace ?? "",
    };
}
