using MiniKube.Api;

namespace MiniKube.Security;

/// <summary>Whether one PolicyRule covers a request, matched as Kubernetes' RBAC matches it.</summary>
public static class RbacRules
{
    public const string All = "*";

    public static bool Allows(PolicyRule rule, RequestAttributes request) => request.IsResourceRequest
        ? VerbMatches(rule, request.Verb)
          && GroupMatches(rule, request.ApiGroup)
          && ResourceMatches(rule, request.Resource, request.Subresource)
          && ResourceNameMatches(rule, request.Name)
        : VerbMatches(rule, request.Verb) && NonResourceUrlMatches(rule, request.Path);

    public static bool VerbMatches(PolicyRule rule, string verb) => ContainsOrAll(rule.Verbs, verb);

    public static bool GroupMatches(PolicyRule rule, string group) => ContainsOrAll(rule.ApiGroups, group);

    /// <summary><c>*</c>, the resource (<c>pods</c>), <c>resource/subresource</c>, or <c>*/subresource</c> for a subresource request.</summary>
    public static bool ResourceMatches(PolicyRule rule, string resource, string subresource)
    {
        var resources = rule.Resources;
        if (resources is null)
        {
            return false;
        }
        foreach (var r in resources)
        {
            if (r == All)
            {
                return true;
            }
            if (subresource.Length == 0)
            {
                if (r == resource)
                {
                    return true;
                }
                continue;
            }
            // "pods/log" or "*/log"; a plain "pods" does not cover its subresources.
            var slash = r.IndexOf('/');
            if (slash < 0 || r.AsSpan(slash + 1).SequenceEqual(subresource) is false)
            {
                continue;
            }
            var head = r.AsSpan(0, slash);
            if (head.SequenceEqual(All) || head.SequenceEqual(resource))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>A rule without resourceNames covers every object; one with them only requests that name one of them.</summary>
    public static bool ResourceNameMatches(PolicyRule rule, string name)
    {
        if (rule.ResourceNames is not { Count: > 0 } names)
        {
            return true;
        }
        return name.Length > 0 && names.Contains(name);
    }

    /// <summary><c>*</c>, the exact path, or a prefix ending in <c>*</c> (<c>/apis/*</c>).</summary>
    public static bool NonResourceUrlMatches(PolicyRule rule, string path)
    {
        if (rule.NonResourceURLs is null)
        {
            return false;
        }
        foreach (var url in rule.NonResourceURLs)
        {
            if (url == All || url == path)
            {
                return true;
            }
            if (url.EndsWith('*') && path.StartsWith(url.AsSpan(0, url.Length - 1), StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    private static bool ContainsOrAll(IReadOnlyList<string>? values, string value)
    {
        if (values is null)
        {
            return false;
        }
        foreach (var v in values)
        {
            if (v == All || v == value)
            {
                return true;
            }
        }
        return false;
    }
}
