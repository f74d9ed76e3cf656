using MiniKube.Api;

namespace MiniKube.Cli;

/// <summary>One resource type and the names asked for (none: every object of the type).</summary>
public sealed record ResourceRequest(ResourceInfo Resource, IReadOnlyList<string> Names);

/// <summary>
/// Parses kubectl's resource arguments: <c>TYPE [NAME…]</c>, <c>TYPE1,TYPE2 [NAME…]</c>, <c>TYPE/NAME…</c>,
/// and the <c>all</c> category.
/// </summary>
public static class ResourceArgs
{
    /// <summary>The kinds <c>get all</c> shows, in kubectl's order.</summary>
    public static readonly IReadOnlyList<string> AllCategory = ["pods", "services", "daemonsets", "deployments", "replicasets", "horizontalpodautoscalers", "jobs"];

    public static IReadOnlyList<ResourceRequest> Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0)
        {
            return [];
        }
        if (args[0].Contains('/'))
        {
            var groups = new List<(ResourceInfo Resource, List<string> Names)>();
            foreach (var arg in args)
            {
                var slash = arg.IndexOf('/');
                if (slash <= 0 || slash == arg.Length - 1)
                {
                    throw new CliException($"arguments in resource/name form must have a single resource and name, got \"{arg}\"");
                }
                var resource = ResourceNames.Resolve(arg[..slash]);
                var name = arg[(slash + 1)..];
                var group = groups.FirstOrDefault(g => g.Resource == resource);
                if (group.Resource is null)
                {
                    group = (resource, []);
                    groups.Add(group);
                }
                group.Names.Add(name);
            }
            return groups.Select(g => new ResourceRequest(g.Resource, g.Names)).ToList();
        }
        var names = args.Skip(1).ToList();
        if (names.Any(n => n.Contains('/')))
        {
            throw new CliException(
                "there is no need to specify a resource type as a separate argument when passing arguments in resource/name form " +
                "(e.g. 'minictl get resource/<resource_name>' instead of 'minictl get resource resource/<resource_name>')");
        }
        var types = new List<ResourceInfo>();
        foreach (var typeName in args[0].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var expanded = string.Equals(typeName, "all", StringComparison.OrdinalIgnoreCase)
                ? AllCategory.Select(ResourceNames.Resolve)
                : [ResourceNames.Resolve(typeName)];
            foreach (var resource in expanded)
            {
                if (!types.Contains(resource))
                {
                    types.Add(resource);
                }
            }
        }
        if (types.Count == 0)
        {
            throw new CliException($"the server doesn't have a resource type \"{args[0]}\"");
        }
        return types.Select(t => new ResourceRequest(t, names)).ToList();
    }
}
