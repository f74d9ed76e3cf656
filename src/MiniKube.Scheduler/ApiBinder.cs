using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Scheduler.Framework;

namespace MiniKube.Scheduler;

/// <summary>The default Bind plugin: POSTs a Binding to the pod's binding subresource.</summary>
public sealed class ApiBinder(MiniKubeClient client) : IBindPlugin
{
    public string Name => "DefaultBinder";

    public async ValueTask BindAsync(Pod pod, string nodeName, CancellationToken cancellationToken) =>
        await client.BindAsync(pod.Metadata.Namespace ?? "default", pod.Metadata.Name!, nodeName, pod.Metadata.Uid, cancellationToken).ConfigureAwait(false);
}
