using System.Globalization;
using MiniKube.Api;

namespace MiniKube.Dashboard.State;

/// <summary>URLs of the dashboard's pages, and the short texts tables show (quantities, times; ages are MiniKube.Printing's HumanDuration).</summary>
public static class Links
{
    /// <summary>Stands for "no namespace" in a details URL of a cluster-scoped object.</summary>
    public const string ClusterScope = "_";

    public static string Details(ResourceInfo resource, string? ns, string name) =>
        $"objects/{resource.Plural}/{Uri.EscapeDataString(resource.Namespaced && !string.IsNullOrEmpty(ns) ? ns : ClusterScope)}/{Uri.EscapeDataString(name)}";

    public static string Details(KubeObject obj) =>
        Details(ResourceRegistry.ByType(obj.GetType()), obj.Metadata.Namespace, obj.Metadata.Name ?? "");

    /// <summary>A link for an owner reference or an event's involved object; null when the kind is not served.</summary>
    public static string? Details(string? apiVersion, string? kind, string? ns, string? name)
    {
        if (kind is null || name is null || ResourceRegistry.ByKind(string.IsNullOrEmpty(apiVersion) ? null : apiVersion, kind) is not { } resource)
        {
            return null;
        }
        return Details(resource, ns, name);
    }

    public static string Time(DateTimeOffset? t) => t is { } v ? v.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "—";

    public static string MilliCpu(long milli) => milli % 1000 == 0 ? Invariant(milli / 1000) : Invariant(milli) + "m";

    public static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => (bytes / (double)(1L << 30)).ToString("0.#", CultureInfo.InvariantCulture) + "Gi",
        >= 1L << 20 => (bytes / (double)(1L << 20)).ToString("0.#", CultureInfo.InvariantCulture) + "Mi",
        >= 1L << 10 => (bytes / (double)(1L << 10)).ToString("0.#", CultureInfo.InvariantCulture) + "Ki",
        _ => Invariant(bytes),
    };

    public static string Percent(long part, long whole) => whole <= 0 ? "—" : Invariant((int)Math.Round(100.0 * part / whole)) + "%";

    public static string Labels(IReadOnlyDictionary<string, string>? labels) =>
        labels is null || labels.Count == 0 ? "" : string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value));

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
