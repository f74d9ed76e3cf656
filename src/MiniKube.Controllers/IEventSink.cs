using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Controllers;

/// <summary>Where a controller's Events go (what <c>describe</c> shows). A seam over <see cref="EventRecorder"/> for tests.</summary>
public interface IEventSink
{
    void Record(KubeObject involved, string type, string reason, string message);
}

public static class EventSinkExtensions
{
    public static void Normal(this IEventSink sink, KubeObject involved, string reason, string message) =>
        sink.Record(involved, EventType.Normal, reason, message);

    public static void Warning(this IEventSink sink, KubeObject involved, string reason, string message) =>
        sink.Record(involved, EventType.Warning, reason, message);
}

/// <summary>Sends events through an <see cref="EventRecorder"/> (one per component, e.g. <c>replicaset-controller</c>).</summary>
public sealed class RecorderEventSink(EventRecorder recorder) : IEventSink
{
    public void Record(KubeObject involved, string type, string reason, string message) => recorder.Record(involved, type, reason, message);
}
