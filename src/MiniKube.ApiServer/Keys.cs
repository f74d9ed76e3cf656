using MiniKube.Api;

namespace MiniKube.ApiServer;

/// <summary>etcd keys: <c>&lt;resource&gt;/&lt;namespace&gt;/&lt;name&gt;</c>, or <c>&lt;resource&gt;/&lt;name&gt;</c> when cluster-scoped.</summary>
internal static class Keys
{
    public static string For(ResourceInfo resource, string? ns, string name) =>
        resource.Namespaced ? $"{resource.Plural}/{ns}/{name}" : $"{resource.Plural}/{name}";

    public static string NamespacePrefix(ResourceInfo resource, string ns) => $"{resource.Plural}/{ns}/";
}
