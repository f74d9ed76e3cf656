using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Cli.Printing;
using MiniKube.Printing;

namespace MiniKube.Cli.Describe;

/// <summary>What a describer may use: the client (for related objects), the clock and the command's token.</summary>
public sealed class DescribeContext(MiniKubeClient client, DateTimeOffset now, CancellationToken cancellationToken)
{
    public MiniKubeClient Client { get; } = client;

    public DateTimeOffset Now { get; } = now;

    public CancellationToken Token { get; } = cancellationToken;

    public async Task<IReadOnlyList<T>> ListAsync<T>(string? ns, string? labelSelector = null, string? fieldSelector = null) where T : KubeObject =>
        (await Client.ListAsync<T>(ns, labelSelector, fieldSelector, Token).ConfigureAwait(false)).Items;

    /// <summary>Events whose involvedObject is <paramref name="obj"/>, oldest first.</summary>
    public async Task<IReadOnlyList<Event>> EventsForAsync(ResourceInfo resource, KubeObject obj)
    {
        var fields = $"involvedObject.name={obj.Metadata.Name},involvedObject.kind={resource.Kind}";
        string? ns = null;
        if (resource.Namespaced)
        {
            ns = obj.Metadata.Namespace;
            fields += $",involvedObject.namespace={ns}";
        }
        var events = await ListAsync<Event>(ns, fieldSelector: fields).ConfigureAwait(false);
        return events.Where(e => e.InvolvedObject.Uid is null or "" || obj.Metadata.Uid is null || e.InvolvedObject.Uid == obj.Metadata.Uid)
            .OrderBy(e => Text.LastSeen(e) ?? DateTimeOffset.MinValue)
            .ToList();
    }

    /// <summary>The closing <c>Events:</c> section: a Type/Reason/Age/From/Message table, or <c>&lt;none&gt;</c>.</summary>
    public static void WriteEvents(DescribeWriter w, IReadOnlyList<Event> events, DateTimeOffset now)
    {
        if (events.Count == 0)
        {
            w.Field(0, "Events", null);
            return;
        }
        w.Section(0, "Events");
        // kubectl's own underline (Age gets four dashes).
        w.Line(1, "Type\tReason\tAge\tFrom\tMessage");
        w.Line(1, "----\t------\t----\t----\t-------");
        foreach (var e in events)
        {
            var from = !string.IsNullOrEmpty(e.Source?.Component) ? e.Source.Component : e.ReportingComponent ?? "";
            w.Line(1, $"{e.Type}\t{e.Reason}\t{Text.EventInterval(e, now)}\t{from}\t{(e.Message ?? "").Trim()}");
        }
    }
}

/// <summary>Writes the kind-specific sections of one object (the Events section is added by the command).</summary>
public interface IDescriber
{
    Task DescribeAsync(KubeObject obj, DescribeWriter w, DescribeContext context);
}

/// <summary>Kinds without their own describer: the usual header, then the object as YAML.</summary>
public sealed class GenericDescriber : IDescriber
{
    public Task DescribeAsync(KubeObject obj, DescribeWriter w, DescribeContext context)
    {
        w.Field(0, "Name", obj.Metadata.Name);
        if (obj.Metadata.Namespace is { Length: > 0 } ns)
        {
            w.Field(0, "Namespace", ns);
        }
        w.Labels(0, "Labels", obj.Metadata.Labels);
        w.Annotations(0, "Annotations", obj.Metadata.Annotations);
        w.Raw(ObjectPrinter.Yaml(obj));
        return Task.CompletedTask;
    }
}

/// <summary>The describer for each kind.</summary>
public static class Describers
{
    private static readonly Dictionary<Type, IDescriber> ByType = new()
    {
        [typeof(Pod)] = new PodDescriber(),
        [typeof(Node)] = new NodeDescriber(),
        [typeof(Deployment)] = new DeploymentDescriber(),
        [typeof(ReplicaSet)] = new ReplicaSetDescriber(),
        [typeof(Service)] = new ServiceDescriber(),
        [typeof(HorizontalPodAutoscaler)] = new HorizontalPodAutoscalerDescriber(),
        [typeof(VerticalPodAutoscaler)] = new VerticalPodAutoscalerDescriber(),
    };

    private static readonly GenericDescriber Generic = new();

    public static IDescriber For(ResourceInfo resource) => ByType.GetValueOrDefault(resource.Type) ?? Generic;
}
