using MiniKube.Api;
using MiniKube.Scheduler.Framework;

namespace MiniKube.Scheduler.Plugins;

/// <summary>
/// Prefers nodes that already have the pod's images, weighting each image's size by the fraction of nodes
/// that have it (so one node holding a rare image does not attract everything), clamped between 23 MB and
/// 1000 MB per container and scaled to 0–100 — kube-scheduler's formula. Not enabled by default in
/// MiniKube; enable it in the score plugins of a profile.
/// </summary>
public sealed class ImageLocality : IPreScorePlugin, IScorePlugin, IEnqueueExtensions
{
    private const long Mb = 1024 * 1024;
    private const long MinThreshold = 23 * Mb;
    private const long MaxContainerThreshold = 1000 * Mb;

    private static readonly StateKey<string[]> ImagesKey = new("PreScore" + PluginNames.ImageLocality);

    public string Name => PluginNames.ImageLocality;

    public IReadOnlyList<ClusterEvent> EventsToRegister { get; } = [ClusterEvent.NodeAdd];

    public FilterResult PreScore(CycleState state, Pod pod, ReadOnlySpan<NodeInfo> feasibleNodes)
    {
        var images = new List<string>();
        foreach (var c in (pod.Spec?.InitContainers ?? []).Concat(pod.Spec?.Containers ?? []))
        {
            images.Add(string.IsNullOrEmpty(c.Image) ? "" : NodeInfo.NormalizeImageName(c.Image));
        }
        state.Write(ImagesKey, [.. images]);
        return FilterResult.Success;
    }

    public long Score(CycleState state, Pod pod, NodeInfo node)
    {
        var images = state.Read(ImagesKey);
        if (images is null || images.Length == 0)
        {
            return 0;
        }
        var totalNodes = state.Snapshot.Count;
        long sum = 0;
        foreach (var image in images)
        {
            if (image.Length > 0 && node.Images.TryGetValue(image, out var size) && totalNodes > 0)
            {
                var spread = (double)state.Snapshot.NodesWithImage(image) / totalNodes;
                sum += (long)(size * spread);
            }
        }
        var maxThreshold = MaxContainerThreshold * images.Length;
        sum = Math.Clamp(sum, MinThreshold, maxThreshold);
        return NodeScore.Max * (sum - MinThreshold) / (maxThreshold - MinThreshold);
    }
}
