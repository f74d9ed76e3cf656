using System.Globalization;
using System.Text;
using MiniKube.Api;
using MiniKube.Controllers;
using MiniKube.Controllers.Deployments;

namespace MiniKube.Rollout;

/// <summary>One revision of a Deployment: its ReplicaSet and the change-cause recorded on it.</summary>
public sealed record RevisionInfo(long Revision, string? ChangeCause, ReplicaSet ReplicaSet);

/// <summary><c>rollout history</c>: revisions from the ReplicaSets' revision annotations, printed as kubectl prints them.</summary>
public static class RolloutHistory
{
    /// <summary>The ReplicaSets the Deployment controls.</summary>
    public static async Task<IReadOnlyList<ReplicaSet>> ReplicaSetsOfAsync(IControllerClient client, Deployment d, CancellationToken ct) =>
        [.. (await client.ListAsync<ReplicaSet>(d.Metadata.Namespace, ct).ConfigureAwait(false)).Where(rs => Owners.IsControlledBy(rs, d))];

    public static IReadOnlyList<RevisionInfo> Revisions(IEnumerable<ReplicaSet> sets) =>
    [
        .. sets.Select(rs => new RevisionInfo(DeploymentUtil.Revision(rs),
                rs.Metadata.Annotations?.GetValueOrDefault(DeploymentUtil.ChangeCauseAnnotation), rs))
            .Where(r => r.Revision > 0)
            .OrderBy(r => r.Revision),
    ];

    /// <summary>kubectl's table: the object line, then REVISION and CHANGE-CAUSE columns.</summary>
    public static string Format(string objectName, IReadOnlyList<RevisionInfo> revisions)
    {
        var width = Math.Max("REVISION".Length, revisions.Select(r => r.Revision.ToString(CultureInfo.InvariantCulture).Length).DefaultIfEmpty(0).Max()) + 2;
        var text = new StringBuilder();
        text.Append(objectName).Append(" \n");
        text.Append("REVISION".PadRight(width)).Append("CHANGE-CAUSE\n");
        foreach (var r in revisions)
        {
            text.Append(r.Revision.ToString(CultureInfo.InvariantCulture).PadRight(width))
                .Append(string.IsNullOrEmpty(r.ChangeCause) ? "<none>" : r.ChangeCause).Append('\n');
        }
        return text.Append('\n').ToString();
    }

    /// <summary>kubectl's <c>--revision N</c> view: the object line and the revision's pod template.</summary>
    public static string FormatRevision(string objectName, RevisionInfo revision)
    {
        var template = PodTemplateHash.WithoutHash(revision.ReplicaSet.Spec?.Template ?? new PodTemplateSpec());
        var text = new StringBuilder();
        text.Append(objectName).Append(" with revision #").Append(revision.Revision.ToString(CultureInfo.InvariantCulture)).Append('\n');
        text.Append("Pod Template:\n");
        text.Append("  Labels:\t").Append(Pairs(template.Metadata?.Labels, "\n  \t")).Append('\n');
        var annotations = new Dictionary<string, string>(template.Metadata?.Annotations ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        if (!string.IsNullOrEmpty(revision.ChangeCause))
        {
            annotations[DeploymentUtil.ChangeCauseAnnotation] = revision.ChangeCause;
        }
        if (annotations.Count > 0)
        {
            text.Append("  Annotations:\t").Append(Pairs(annotations, "\n  \t")).Append('\n');
        }
        text.Append("  Containers:\n");
        foreach (var c in template.Spec?.Containers ?? [])
        {
            text.Append("   ").Append(c.Name).Append(":\n");
            text.Append("    Image:\t").Append(c.Image).Append('\n');
            var port = c.Ports?.FirstOrDefault();
            text.Append("    Port:\t").Append(port is null ? "<none>" : $"{port.ContainerPort}/{port.Protocol ?? "TCP"}").Append('\n');
            if (c.Command is { Count: > 0 })
            {
                text.Append("    Command:\n");
                foreach (var part in c.Command)
                {
                    text.Append("      ").Append(part).Append('\n');
                }
            }
            text.Append("    Environment:\t").Append(c.Env is { Count: > 0 } env ? "\n" + string.Join("\n", env.Select(e => $"      {e.Name}:\t{e.Value}")) : "<none>").Append('\n');
        }
        return text.Append('\n').ToString();
    }

    private static string Pairs(IReadOnlyDictionary<string, string>? map, string separator) =>
        map is null || map.Count == 0 ? "<none>" : string.Join(separator, map.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
}
