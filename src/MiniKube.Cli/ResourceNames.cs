using MiniKube.Api;

namespace MiniKube.Cli;

/// <summary>How kubectl names resource types and objects in its output.</summary>
public static class ResourceNames
{
    /// <summary>What a user may type, resolved; unknown names fail the way kubectl reports them.</summary>
    public static ResourceInfo Resolve(string typeName) =>
        ResourceRegistry.Resolve(typeName.Trim())
        ?? throw new CliException($"the server doesn't have a resource type \"{typeName}\"");

    /// <summary><c>pod</c>, <c>deployment.apps</c>, <c>lease.coordination.k8s.io</c>.</summary>
    public static string Qualified(ResourceInfo resource) =>
        resource.Group.Length == 0 ? resource.Kind.ToLowerInvariant() : resource.Kind.ToLowerInvariant() + "." + resource.Group;

    /// <summary><c>pods</c>, <c>deployments.apps</c>: the plural with its group, as discovery lists it.</summary>
    public static string QualifiedPlural(ResourceInfo resource) =>
        resource.Group.Length == 0 ? resource.Plural : resource.Plural + "." + resource.Group;

    /// <summary><c>pod/web</c>, <c>deployment.apps/web</c>.</summary>
    public static string Reference(ResourceInfo resource, string? name) => Qualified(resource) + "/" + name;

    /// <summary><c>pod/web</c> for an object whose type is known from its CLR type.</summary>
    public static string Reference(KubeObject obj) => Reference(ResourceRegistry.ByType(obj.GetType()), obj.Metadata.Name);
}
