using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MiniKube.ApiServer;

/// <summary>Kubernetes' audit levels. Request and RequestResponse are accepted and logged as Metadata (bodies are never logged).</summary>
public enum AuditLevel
{
    None,
    Metadata,
    Request,
    RequestResponse,
}

/// <summary>A policy file given to <c>--audit-policy-file</c> that cannot be used; the message names the file and the field.</summary>
public sealed class AuditPolicyException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>One rule of an audit policy; an empty list matches everything, as in Kubernetes.</summary>
public sealed record AuditPolicyRule(
    AuditLevel Level,
    IReadOnlyList<string> Users,
    IReadOnlyList<string> UserGroups,
    IReadOnlyList<string> Verbs,
    IReadOnlyList<AuditGroupResources> Resources,
    IReadOnlyList<string> Namespaces,
    IReadOnlyList<string> NonResourceUrls,
    bool OmitResponseComplete);

/// <summary><c>resources[]</c> of a rule: a group, its resources (<c>pods</c>, <c>pods/log</c>, <c>*</c>, <c>*/status</c>, <c>pods/*</c>) and names.</summary>
public sealed record AuditGroupResources(string Group, IReadOnlyList<string> Resources, IReadOnlyList<string> ResourceNames);

/// <summary>
/// An <c>audit.k8s.io/v1</c> Policy: the first rule that matches a request sets its level; no match is None, as in Kubernetes.
/// </summary>
public sealed class AuditPolicy(IReadOnlyList<AuditPolicyRule> rules, bool omitResponseComplete)
{
    public const string ApiVersion = "audit.k8s.io/v1";
    public const string Kind = "Policy";
    private static readonly string[] Levels = ["None", "Metadata", "Request", "RequestResponse"];

    public IReadOnlyList<AuditPolicyRule> Rules { get; } = rules;

    /// <summary>The level for one request (the user is null when authentication did not run).</summary>
    public AuditLevel LevelFor(AuditRecord request, Security.UserInfo? user)
    {
        foreach (var rule in Rules)
        {
            if (Matches(rule, request, user))
            {
                return omitResponseComplete || rule.OmitResponseComplete ? AuditLevel.None : rule.Level;
            }
        }
        return AuditLevel.None;
    }

    private static bool Matches(AuditPolicyRule rule, AuditRecord request, Security.UserInfo? user)
    {
        if (rule.Users.Count > 0 && (user is null || !rule.Users.Contains(user.Name)))
        {
            return false;
        }
        if (rule.UserGroups.Count > 0 && (user is null || !user.Groups.Any(rule.UserGroups.Contains)))
        {
            return false;
        }
        if (rule.Verbs.Count > 0 && !rule.Verbs.Contains(request.Verb))
        {
            return false;
        }
        if (rule.Namespaces.Count > 0 || rule.Resources.Count > 0)
        {
            return request.IsResourceRequest && MatchesResource(rule, request);
        }
        if (rule.NonResourceUrls.Count > 0)
        {
            return !request.IsResourceRequest && rule.NonResourceUrls.Any(url => url.EndsWith('*')
                ? request.Path.StartsWith(url[..^1], StringComparison.Ordinal)
                : request.Path == url);
        }
        return true;
    }

    private static bool MatchesResource(AuditPolicyRule rule, AuditRecord request)
    {
        // A cluster-scoped request has namespace "", which a rule lists as "".
        if (rule.Namespaces.Count > 0 && !rule.Namespaces.Contains(request.Namespace ?? ""))
        {
            return false;
        }
        if (rule.Resources.Count == 0)
        {
            return true;
        }
        var resource = request.Resource ?? "";
        var sub = request.Subresource ?? "";
        var combined = sub.Length == 0 ? resource : resource + "/" + sub;
        foreach (var group in rule.Resources.Where(g => g.Group == (request.ApiGroup ?? "")))
        {
            if (group.Resources.Count == 0)
            {
                return true;
            }
            if (group.ResourceNames.Count > 0 && !group.ResourceNames.Contains(request.Name ?? ""))
            {
                continue;
            }
            foreach (var pattern in group.Resources)
            {
                if (pattern == combined || pattern == "*"
                    || (pattern.StartsWith("*/", StringComparison.Ordinal) && sub.Length > 0 && pattern[2..] == sub)
                    || (pattern.EndsWith("/*", StringComparison.Ordinal) && pattern[..^2] == resource))
                {
                    return true;
                }
            }
        }
        return false;
    }

    public static AuditPolicy Load(string path)
    {
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new AuditPolicyException($"loading audit policy file \"{path}\": {ex.Message}", ex);
        }
        catch (AuditPolicyException ex)
        {
            throw new AuditPolicyException($"loading audit policy file \"{path}\": {ex.Message}", ex);
        }
    }

    /// <summary>Checks a policy's text (YAML or JSON); the message says every problem, each with its field path.</summary>
    public static AuditPolicy Parse(string text)
    {
        YamlMappingNode document;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            document = stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlMappingNode m ? m : new YamlMappingNode();
        }
        catch (YamlException ex)
        {
            throw new AuditPolicyException($"line {ex.Start.Line}: {ex.Message}", ex);
        }
        var errors = new List<string>();
        var apiVersion = Scalar(document, "apiVersion");
        if (apiVersion != ApiVersion)
        {
            errors.Add(apiVersion is null ? "apiVersion: Required value" : $"apiVersion: Unsupported value: \"{apiVersion}\": supported values: \"{ApiVersion}\"");
        }
        var kind = Scalar(document, "kind");
        if (kind != Kind)
        {
            errors.Add(kind is null ? "kind: Required value" : $"kind: Unsupported value: \"{kind}\": supported values: \"{Kind}\"");
        }
        Unknown(document, "", errors, "apiVersion", "kind", "metadata", "rules", "omitStages", "omitManagedFields");
        var omitAll = Strings(document, "omitStages", "omitStages", errors).Contains("ResponseComplete");
        var rules = new List<AuditPolicyRule>();
        var list = Node(document, "rules");
        if (list is not YamlSequenceNode sequence || sequence.Children.Count == 0)
        {
            errors.Add("rules: Required value: policy must contain at least one rule");
        }
        else
        {
            for (var i = 0; i < sequence.Children.Count; i++)
            {
                if (Rule(sequence.Children[i], $"rules[{i}]", errors) is { } rule)
                {
                    rules.Add(rule);
                }
            }
        }
        if (errors.Count > 0)
        {
            throw new AuditPolicyException(errors.Count == 1 ? errors[0] : "[" + string.Join(", ", errors) + "]");
        }
        return new AuditPolicy(rules, omitAll);
    }

    private static AuditPolicyRule? Rule(YamlNode node, string path, List<string> errors)
    {
        if (node is not YamlMappingNode rule)
        {
            errors.Add($"{path}: Invalid value: expected an object");
            return null;
        }
        var before = errors.Count;
        Unknown(rule, path + ".", errors, "level", "users", "userGroups", "verbs", "resources", "namespaces", "nonResourceURLs", "omitStages", "omitManagedFields");
        var levelText = Scalar(rule, "level");
        var level = AuditLevel.None;
        if (levelText is null)
        {
            errors.Add($"{path}.level: Required value");
        }
        else if (!Levels.Contains(levelText))
        {
            errors.Add($"{path}.level: Unsupported value: \"{levelText}\": supported values: \"None\", \"Metadata\", \"Request\", \"RequestResponse\"");
        }
        else
        {
            level = Enum.Parse<AuditLevel>(levelText);
        }
        var resources = new List<AuditGroupResources>();
        if (Node(rule, "resources") is YamlSequenceNode groups)
        {
            for (var j = 0; j < groups.Children.Count; j++)
            {
                var at = $"{path}.resources[{j}]";
                if (groups.Children[j] is not YamlMappingNode group)
                {
                    errors.Add($"{at}: Invalid value: expected an object with group and resources");
                    continue;
                }
                Unknown(group, at + ".", errors, "group", "resources", "resourceNames");
                resources.Add(new AuditGroupResources(Scalar(group, "group") ?? "", Strings(group, "resources", at + ".resources", errors),
                    Strings(group, "resourceNames", at + ".resourceNames", errors)));
            }
        }
        else if (Node(rule, "resources") is not (null or YamlScalarNode { Value: null or "" }))
        {
            errors.Add($"{path}.resources: Invalid value: expected a list");
        }
        var namespaces = Strings(rule, "namespaces", path + ".namespaces", errors);
        var urls = Strings(rule, "nonResourceURLs", path + ".nonResourceURLs", errors);
        if (urls.Count > 0 && (resources.Count > 0 || namespaces.Count > 0))
        {
            errors.Add($"{path}.nonResourceURLs: Invalid value: rules cannot apply to both regular resources and non-resource URLs");
        }
        for (var k = 0; k < urls.Count; k++)
        {
            if (!urls[k].StartsWith('/'))
            {
                errors.Add($"{path}.nonResourceURLs[{k}]: Invalid value: \"{urls[k]}\": non-resource URL rules must begin with a '/' character");
            }
        }
        var omit = Strings(rule, "omitStages", path + ".omitStages", errors).Contains("ResponseComplete");
        return errors.Count > before
            ? null
            : new AuditPolicyRule(level, Strings(rule, "users", path + ".users", errors), Strings(rule, "userGroups", path + ".userGroups", errors),
                Strings(rule, "verbs", path + ".verbs", errors), resources, namespaces, urls, omit);
    }

    private static YamlNode? Node(YamlMappingNode node, string field) => node.Children.TryGetValue(new YamlScalarNode(field), out var value) ? value : null;

    private static string? Scalar(YamlMappingNode node, string field) => (Node(node, field) as YamlScalarNode)?.Value;

    private static List<string> Strings(YamlMappingNode node, string field, string path, List<string> errors)
    {
        switch (Node(node, field))
        {
            case null or YamlScalarNode { Value: null or "" }:
                return [];
            case YamlSequenceNode sequence when sequence.Children.All(c => c is YamlScalarNode):
                return [.. sequence.Children.Select(c => ((YamlScalarNode)c).Value ?? "")];
            default:
                errors.Add($"{path}: Invalid value: expected a list of strings");
                return [];
        }
    }

    /// <summary>Kubernetes decodes the policy strictly: an unknown (e.g. misspelt) field is an error, not ignored.</summary>
    private static void Unknown(YamlMappingNode node, string pathPrefix, List<string> errors, params string[] known)
    {
        foreach (var field in node.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value ?? "").Where(f => !known.Contains(f)))
        {
            errors.Add($"{pathPrefix}{field}: Invalid value: unknown field \"{field}\"");
        }
    }
}
