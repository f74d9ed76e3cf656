using System.Text.RegularExpressions;
using MiniKube.Api;

namespace MiniKube.Cli.Commands;

/// <summary>
/// <c>set resources</c> as kubectl has it: sets the given requests and limits on the selected containers of a workload's pod
/// template (Deployment, ReplicaSet, DaemonSet, Job; a changed template rolls the pods) or of a pod's spec (which the API server
/// refuses, as Kubernetes does: resize a running pod with <c>patch --subresource resize</c>). A quantity of 0 removes that
/// resource. Pure apart from the parsing errors it throws.
/// </summary>
public static class SetResources
{
    /// <summary>Parses <c>cpu=100m,memory=256Mi</c> as kubectl does; <paramref name="flag"/> qualifies the errors.</summary>
    public static IReadOnlyDictionary<string, Quantity> ParseList(string flag, string? text)
    {
        var list = new Dictionary<string, Quantity>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(text))
        {
            return list;
        }
        foreach (var item in text.Split(','))
        {
            var parts = item.Split('=');
            if (parts.Length != 2 || parts[0].Length == 0)
            {
                throw new CliException($"{flag}: invalid argument syntax \"{item}\", expected <resource>=<value>");
            }
            if (!Quantity.TryParse(parts[1], out var quantity, out var error))
            {
                throw new CliException($"{flag}: {parts[0]}: invalid quantity \"{parts[1]}\": {error}");
            }
            list[parts[0]] = quantity;
        }
        return list;
    }

    /// <summary>
    /// The object with the requests and limits set on every container (and init container) whose name matches
    /// <paramref name="containerSelector"/> (a glob, <c>*</c> for all); throws when none matches or the kind has no pod template.
    /// </summary>
    public static KubeObject Apply(KubeObject obj, string containerSelector, IReadOnlyDictionary<string, Quantity> requests,
        IReadOnlyDictionary<string, Quantity> limits)
    {
        var spec = SpecOf(obj);
        var match = Glob(containerSelector);
        if (!spec.Containers.Any(c => match.IsMatch(c.Name)) && spec.InitContainers?.Any(c => match.IsMatch(c.Name)) != true)
        {
            throw new CliException($"unable to find container named \"{containerSelector}\"");
        }
        Container Set(Container c) => match.IsMatch(c.Name)
            ? c with
            {
                Resources = new ResourceRequirements
                {
                    Requests = Merge(c.Resources?.Requests, requests),
                    Limits = Merge(c.Resources?.Limits, limits),
                },
            }
            : c;
        return WithSpec(obj, spec with { Containers = [.. spec.Containers.Select(Set)], InitContainers = spec.InitContainers?.Select(Set).ToList() });
    }

    private static IReadOnlyDictionary<string, Quantity>? Merge(IReadOnlyDictionary<string, Quantity>? current, IReadOnlyDictionary<string, Quantity> changes)
    {
        if (changes.Count == 0)
        {
            return current;
        }
        var merged = new Dictionary<string, Quantity>(current ?? new Dictionary<string, Quantity>(), StringComparer.Ordinal);
        foreach (var (name, quantity) in changes)
        {
            if (quantity.IsZero)
            {
                merged.Remove(name);
            }
            else
            {
                merged[name] = quantity;
            }
        }
        return merged.Count == 0 ? null : merged;
    }

    private static PodSpec SpecOf(KubeObject obj) => obj switch
    {
        Deployment d => d.Spec?.Template.Spec,
        ReplicaSet r => r.Spec?.Template?.Spec,
        DaemonSet d => d.Spec?.Template.Spec,
        Job j => j.Spec?.Template.Spec,
        Pod p => p.Spec,
        _ => throw new CliException($"{ResourceNames.QualifiedPlural(ResourceRegistry.ByType(obj.GetType()))} have no pod template: set resources works on "
            + "deployments, replicasets, daemonsets, jobs and pods"),
    } ?? new PodSpec();

    private static KubeObject WithSpec(KubeObject obj, PodSpec spec) => obj switch
    {
        Deployment d => d with { Spec = d.Spec! with { Template = d.Spec.Template with { Spec = spec } } },
        ReplicaSet r => r with { Spec = r.Spec! with { Template = (r.Spec.Template ?? new PodTemplateSpec()) with { Spec = spec } } },
        DaemonSet d => d with { Spec = d.Spec! with { Template = d.Spec.Template with { Spec = spec } } },
        Job j => j with { Spec = j.Spec! with { Template = j.Spec.Template with { Spec = spec } } },
        Pod p => p with { Spec = spec },
        _ => throw new InvalidOperationException("unreachable: SpecOf refused " + obj.Kind),
    };

    /// <summary>A shell-style glob (<c>*</c>, <c>?</c>) over the whole name, as kubectl's container selector.</summary>
    private static Regex Glob(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
}
