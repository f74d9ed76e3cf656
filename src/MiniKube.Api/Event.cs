using System.Text.Json.Serialization;

namespace MiniKube.Api;

/// <summary>core/v1 Event.</summary>
public sealed record Event : KubeObject
{
    public Event()
    {
        ApiVersion = "v1";
        Kind = "Event";
    }

    public ObjectReference InvolvedObject { get; init; } = new();
    public string? Reason { get; init; }
    public string? Message { get; init; }
    public EventSource? Source { get; init; }
    public DateTimeOffset? FirstTimestamp { get; init; }
    public DateTimeOffset? LastTimestamp { get; init; }
    public int? Count { get; init; }
    /// <summary>Normal or Warning.</summary>
    public string? Type { get; init; }

    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? EventTime { get; init; }

    public string? Action { get; init; }
    public ObjectReference? Related { get; init; }
    public string? ReportingComponent { get; init; }
    public string? ReportingInstance { get; init; }
}

public static class EventType
{
    public const string Normal = "Normal";
    public const string Warning = "Warning";
}

public sealed record EventSource
{
    public string? Component { get; init; }
    public string? Host { get; init; }
}
