using System.Collections.Frozen;
using System.Text.Json;
using MiniKube.Api;

namespace MiniKube.ApiServer.Rest;

/// <summary>
/// Discovery documents generated from <see cref="ResourceRegistry"/>: the aggregated form kubectl asks for
/// (<c>apidiscovery.k8s.io/v2</c> APIGroupDiscoveryList) and the legacy APIVersions, APIGroupList and APIResourceList.
/// </summary>
internal static class RestDiscovery
{
    public const string AggregatedContentType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

    public static readonly IReadOnlyList<string> Verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    /// <summary>What the served-only kinds (metrics.k8s.io's PodMetrics and NodeMetrics) allow, as metrics-server has it.</summary>
    private static readonly IReadOnlyList<string> ReadOnlyVerbs = ["get", "list"];

    /// <summary>The verbs of a resource: all for stored kinds, get and list for served-only ones.</summary>
    public static IReadOnlyList<string> VerbsOf(ResourceInfo r) => r.Stored ? Verbs : ReadOnlyVerbs;

    /// <summary>Kinds in kubectl's <c>all</c> category.</summary>
    private static readonly HashSet<string> AllCategory = ["pods", "services", "deployments", "replicasets", "daemonsets", "jobs", "horizontalpodautoscalers"];

    /// <summary>Subresources served for a resource: name, response kind (group, version, kind) and verbs.</summary>
    public static IReadOnlyList<(string Name, string Group, string Version, string Kind, string[] Verbs)> Subresources(ResourceInfo r)
    {
        var list = new List<(string, string, string, string, string[])>();
        if (!r.Stored)
        {
            return list;
        }
        if (r.HasStatus)
        {
            list.Add(("status", r.Group, r.Version, r.Kind, ["get", "patch", "update"]));
        }
        if (r.Plural == "pods")
        {
            list.Add(("binding", "", "v1", "Binding", ["create"]));
            list.Add(("log", "", "v1", "Pod", ["get"]));
            list.Add(("exec", "", "v1", "PodExecOptions", ["create", "get"]));
            list.Add(("portforward", "", "v1", "PodPortForwardOptions", ["create", "get"]));
            list.Add(("attach", "", "v1", "PodAttachOptions", ["create", "get"]));
            list.Add(("eviction", "policy", "v1", "Eviction", ["create"]));
            list.Add(("resize", "", "v1", "Pod", ["get", "patch", "update"]));
        }
        if (r.Plural is "deployments" or "replicasets")
        {
            list.Add(("scale", "autoscaling", "v1", "Scale", ["get", "patch", "update"]));
        }
        return list;
    }

    /// <summary>Group names in order: core first, then as registered (stored kinds and the served-only metrics.k8s.io).</summary>
    public static IEnumerable<IGrouping<string, ResourceInfo>> Groups(bool core) =>
        ResourceRegistry.All.Where(r => (r.Group.Length == 0) == core).GroupBy(r => r.Group);

    // The registry is fixed at start, so every document but APIVersions (it names the caller's server address) is
    // built once: kubectl without a discovery cache asks for them on each invocation.
    private static readonly Lazy<byte[]> AggregatedCore = new(() => BuildAggregated(core: true));
    private static readonly Lazy<byte[]> AggregatedGroups = new(() => BuildAggregated(core: false));
    private static readonly Lazy<byte[]> GroupListDocument = new(BuildGroupList);
    private static readonly Lazy<FrozenDictionary<string, byte[]>> GroupDocuments = new(() =>
        Groups(core: false).Select(g => g.Key).Concat(ReviewGroups.Select(g => g.Key)).Distinct()
            .ToFrozenDictionary(g => g, g => BuildGroup(g)!, StringComparer.Ordinal));
    private static readonly Lazy<FrozenDictionary<(string Group, string Version), byte[]>> ResourceLists = new(() =>
        ResourceRegistry.All.Select(r => (r.Group, r.Version)).Concat(ReviewGroups.Select(g => (Group: g.Key, Version: ReviewVersion))).Distinct()
            .ToFrozenDictionary(k => k, k => BuildResourceList(k.Group, k.Version)!));

    public static byte[] Aggregated(bool core) => (core ? AggregatedCore : AggregatedGroups).Value;

    public static byte[] GroupList() => GroupListDocument.Value;

    public static byte[]? Group(string name) => GroupDocuments.Value.GetValueOrDefault(name);

    /// <summary>The APIResourceList of one group version, or null when it is not served.</summary>
    public static byte[]? ResourceList(string group, string version) => ResourceLists.Value.GetValueOrDefault((group, version));

    private static byte[] BuildAggregated(bool core) => Write(w =>
    {
        w.WriteString("kind", "APIGroupDiscoveryList");
        w.WriteString("apiVersion", "apidiscovery.k8s.io/v2");
        w.WriteStartObject("metadata");
        w.WriteEndObject();
        w.WriteStartArray("items");
        foreach (var group in Groups(core))
        {
            w.WriteStartObject();
            w.WriteStartObject("metadata");
            w.WriteString("name", group.Key);
            w.WriteEndObject();
            w.WriteStartArray("versions");
            foreach (var version in group.GroupBy(r => r.Version))
            {
                w.WriteStartObject();
                w.WriteString("version", version.Key);
                w.WriteStartArray("resources");
                foreach (var r in version)
                {
                    w.WriteStartObject();
                    w.WriteString("resource", r.Plural);
                    WriteKind(w, "responseKind", r.Group, r.Version, r.Kind);
                    w.WriteString("scope", r.Namespaced ? "Namespaced" : "Cluster");
                    w.WriteString("singularResource", r.Singular);
                    WriteStrings(w, "verbs", VerbsOf(r));
                    WriteStrings(w, "shortNames", r.ShortNames);
                    if (AllCategory.Contains(r.Plural))
                    {
                        WriteStrings(w, "categories", ["all"]);
                    }
                    w.WriteStartArray("subresources");
                    foreach (var sub in Subresources(r))
                    {
                        w.WriteStartObject();
                        w.WriteString("subresource", sub.Name);
                        WriteKind(w, "responseKind", sub.Group, sub.Version, sub.Kind);
                        WriteStrings(w, "verbs", sub.Verbs);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteString("freshness", "Current");
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        if (!core)
        {
            foreach (var reviews in ReviewGroups)
            {
                w.WriteStartObject();
                w.WriteStartObject("metadata");
                w.WriteString("name", reviews.Key);
                w.WriteEndObject();
                w.WriteStartArray("versions");
                w.WriteStartObject();
                w.WriteString("version", ReviewVersion);
                w.WriteStartArray("resources");
                foreach (var review in reviews)
                {
                    w.WriteStartObject();
                    w.WriteString("resource", review.Plural);
                    WriteKind(w, "responseKind", review.Group, ReviewVersion, review.Kind);
                    w.WriteString("scope", "Cluster");
                    w.WriteString("singularResource", review.Kind.ToLowerInvariant());
                    WriteStrings(w, "verbs", CreateOnly);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteString("freshness", "Current");
                w.WriteEndObject();
                w.WriteEndArray();
                w.WriteEndObject();
            }
            // The custom metrics API: its resources (one per metric) come and go with what the pods report, so none are listed.
            w.WriteStartObject();
            w.WriteStartObject("metadata");
            w.WriteString("name", RestMetrics.CustomGroup);
            w.WriteEndObject();
            w.WriteStartArray("versions");
            w.WriteStartObject();
            w.WriteString("version", RestMetrics.CustomVersion);
            w.WriteStartArray("resources");
            w.WriteEndArray();
            w.WriteString("freshness", "Current");
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    });

    public static byte[] ApiVersions(string serverAddress) => Write(w =>
    {
        w.WriteString("kind", "APIVersions");
        WriteStrings(w, "versions", ["v1"]);
        w.WriteStartArray("serverAddressByClientCIDRs");
        w.WriteStartObject();
        w.WriteString("clientCIDR", "0.0.0.0/0");
        w.WriteString("serverAddress", serverAddress);
        w.WriteEndObject();
        w.WriteEndArray();
    });

    private static byte[] BuildGroupList() => Write(w =>
    {
        w.WriteString("kind", "APIGroupList");
        w.WriteString("apiVersion", "v1");
        w.WriteStartArray("groups");
        foreach (var group in Groups(core: false))
        {
            WriteGroup(w, group);
        }
        foreach (var reviews in ReviewGroups)
        {
            w.WriteStartObject();
            WriteReviewGroupBody(w, reviews.Key);
            w.WriteEndObject();
        }
        w.WriteStartObject();
        WriteCustomMetricsGroupBody(w);
        w.WriteEndObject();
        w.WriteEndArray();
    });

    /// <summary>The APIGroup body of custom.metrics.k8s.io (served by <see cref="RestMetrics"/>, not from the registry).</summary>
    internal static void WriteCustomMetricsGroupBody(Utf8JsonWriter w)
    {
        w.WriteString("name", RestMetrics.CustomGroup);
        w.WriteStartArray("versions");
        WriteGroupVersion(w, RestMetrics.CustomGroup, RestMetrics.CustomVersion);
        w.WriteEndArray();
        w.WritePropertyName("preferredVersion");
        WriteGroupVersion(w, RestMetrics.CustomGroup, RestMetrics.CustomVersion);
    }

    /// <summary>The review kinds (create only, never stored) are not in the registry; they are served in v1 of their groups.</summary>
    private const string ReviewVersion = "v1";

    private static readonly string[] CreateOnly = ["create"];

    private static IEnumerable<IGrouping<string, (string Group, string Kind, string Plural)>> ReviewGroups =>
        Authorization.ReviewRequests.All.GroupBy(r => r.Group);

    private static void WriteReviewGroupBody(Utf8JsonWriter w, string group)
    {
        w.WriteString("name", group);
        w.WriteStartArray("versions");
        WriteGroupVersion(w, group, ReviewVersion);
        w.WriteEndArray();
        w.WritePropertyName("preferredVersion");
        WriteGroupVersion(w, group, ReviewVersion);
    }

    private static byte[]? BuildGroup(string name)
    {
        if (ReviewGroups.Any(g => g.Key == name))
        {
            return Write(w =>
            {
                w.WriteString("kind", "APIGroup");
                w.WriteString("apiVersion", "v1");
                WriteReviewGroupBody(w, name);
            });
        }
        var group = Groups(core: false).FirstOrDefault(g => g.Key == name);
        return group is null ? null : Write(w =>
        {
            w.WriteString("kind", "APIGroup");
            w.WriteString("apiVersion", "v1");
            WriteGroupBody(w, group);
        });
    }

    private static byte[]? BuildResourceList(string group, string version)
    {
        if (version == ReviewVersion && ReviewGroups.FirstOrDefault(g => g.Key == group) is { } reviews)
        {
            return Write(w =>
            {
                w.WriteString("kind", "APIResourceList");
                w.WriteString("apiVersion", "v1");
                w.WriteString("groupVersion", group + "/" + version);
                w.WriteStartArray("resources");
                foreach (var review in reviews)
                {
                    WriteResource(w, review.Plural, "", false, review.Kind, CreateOnly, [], false);
                }
                w.WriteEndArray();
            });
        }
        var resources = ResourceRegistry.All.Where(r => r.Group == group && r.Version == version).ToList();
        if (resources.Count == 0)
        {
            return null;
        }
        return Write(w =>
        {
            w.WriteString("kind", "APIResourceList");
            w.WriteString("apiVersion", "v1");
            w.WriteString("groupVersion", group.Length == 0 ? version : group + "/" + version);
            w.WriteStartArray("resources");
            foreach (var r in resources)
            {
                WriteResource(w, r.Plural, r.Singular, r.Namespaced, r.Kind, VerbsOf(r), r.ShortNames, AllCategory.Contains(r.Plural));
                foreach (var sub in Subresources(r))
                {
                    WriteResource(w, r.Plural + "/" + sub.Name, "", r.Namespaced, sub.Kind, sub.Verbs, [], false, sub.Group, sub.Version);
                }
            }
            w.WriteEndArray();
        });
    }

    private static void WriteResource(
        Utf8JsonWriter w, string name, string singular, bool namespaced, string kind, IReadOnlyList<string> verbs, IReadOnlyList<string> shortNames,
        bool inAll, string? group = null, string? version = null)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteString("singularName", singular);
        w.WriteBoolean("namespaced", namespaced);
        if (group is not null)
        {
            w.WriteString("group", group);
            w.WriteString("version", version);
        }
        w.WriteString("kind", kind);
        WriteStrings(w, "verbs", verbs);
        if (shortNames.Count > 0)
        {
            WriteStrings(w, "shortNames", shortNames);
        }
        if (inAll)
        {
            WriteStrings(w, "categories", ["all"]);
        }
        w.WriteEndObject();
    }

    private static void WriteGroup(Utf8JsonWriter w, IGrouping<string, ResourceInfo> group)
    {
        w.WriteStartObject();
        WriteGroupBody(w, group);
        w.WriteEndObject();
    }

    private static void WriteGroupBody(Utf8JsonWriter w, IGrouping<string, ResourceInfo> group)
    {
        w.WriteString("name", group.Key);
        var versions = group.Select(r => r.Version).Distinct().ToList();
        w.WriteStartArray("versions");
        foreach (var v in versions)
        {
            WriteGroupVersion(w, group.Key, v);
        }
        w.WriteEndArray();
        w.WritePropertyName("preferredVersion");
        WriteGroupVersion(w, group.Key, versions[0]);
    }

    private static void WriteGroupVersion(Utf8JsonWriter w, string group, string version)
    {
        w.WriteStartObject();
        w.WriteString("groupVersion", group + "/" + version);
        w.WriteString("version", version);
        w.WriteEndObject();
    }

    private static void WriteKind(Utf8JsonWriter w, string property, string group, string version, string kind)
    {
        w.WriteStartObject(property);
        w.WriteString("group", group);
        w.WriteString("version", version);
        w.WriteString("kind", kind);
        w.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter w, string property, IEnumerable<string> values)
    {
        w.WriteStartArray(property);
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }
        w.WriteEndArray();
    }

    internal static byte[] Write(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
