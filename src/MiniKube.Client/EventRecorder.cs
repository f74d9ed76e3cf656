using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MiniKube.Api;

namespace MiniKube.Client;

/// <summary>
/// Records Events about objects (what <c>describe</c> shows), off the caller's path: calls return at once and a
/// background writer creates the Event objects. A repeat of the same event within ten minutes bumps the existing
/// Event's count and lastTimestamp instead of creating another, as Kubernetes' recorder does.
/// </summary>
public sealed partial class EventRecorder : IAsyncDisposable
{
    private static readonly TimeSpan AggregationWindow = TimeSpan.FromMinutes(10);

    private readonly MiniKubeClient _client;
    private readonly string _component;
    private readonly string? _host;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<Event> _pending = Channel.CreateBounded<Event>(new BoundedChannelOptions(10_000)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = true,
    });
    private readonly Dictionary<string, (string Name, string Namespace, int Count, DateTimeOffset First)> _recent = new(StringComparer.Ordinal);
    private readonly Task _writer;

    public EventRecorder(MiniKubeClient client, string component, string? host = null, TimeProvider? time = null, ILogger? logger = null)
    {
        _client = client;
        _component = component;
        _host = host;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _writer = Task.Run(WriteLoopAsync);
    }

    public void Normal(KubeObject involved, string reason, string message) => Record(involved, EventType.Normal, reason, message);

    public void Warning(KubeObject involved, string reason, string message) => Record(involved, EventType.Warning, reason, message);

    public void Record(KubeObject involved, string type, string reason, string message)
    {
        var now = _time.GetUtcNow();
        var ns = string.IsNullOrEmpty(involved.Metadata.Namespace) ? "default" : involved.Metadata.Namespace;
        _pending.Writer.TryWrite(new Event
        {
            Metadata = new ObjectMeta
            {
                Name = $"{involved.Metadata.Name}.{now.UtcTicks.ToString("x", CultureInfo.InvariantCulture)}{Random.Shared.Next(0x1000):x3}",
                Namespace = ns,
            },
            InvolvedObject = new ObjectReference
            {
                ApiVersion = involved.ApiVersion,
                Kind = involved.Kind,
                Name = involved.Metadata.Name,
                Namespace = involved.Metadata.Namespace,
                Uid = involved.Metadata.Uid,
                ResourceVersion = involved.Metadata.ResourceVersion,
            },
            Type = type,
            Reason = reason,
            Message = message,
            Source = new EventSource { Component = _component, Host = _host },
            FirstTimestamp = now,
            LastTimestamp = now,
            Count = 1,
            ReportingComponent = _component,
            ReportingInstance = _host,
        });
    }

    /// <summary>Writes what is pending and stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _writer.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
    }

    private async Task WriteLoopAsync()
    {
        await foreach (var e in _pending.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                await WriteAsync(e).ConfigureAwait(false);
            }
            catch (ApiException ex)
            {
                LogDropped(_logger, e.Reason ?? "", e.InvolvedObject.Name ?? "", ex.Message);
            }
        }
    }

    private async Task WriteAsync(Event e)
    {
        var io = e.InvolvedObject;
        var key = string.Join('\u0001', io.Kind, io.Namespace, io.Name, io.Uid, e.Type, e.Reason, e.Message);
        var now = e.LastTimestamp!.Value;
        if (_recent.TryGetValue(key, out var seen) && now - seen.First < AggregationWindow)
        {
            var count = seen.Count + 1;
            var stamp = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            var patch = $$"""{"count":{{count}},"lastTimestamp":"{{stamp}}"}""";
            try
            {
                await _client.PatchAsync<Event>(seen.Name, seen.Namespace, patch).ConfigureAwait(false);
                _recent[key] = seen with { Count = count };
                return;
            }
            catch (ApiException ex) when (ex.IsNotFound)
            {
                // Expired or deleted: record it afresh.
            }
        }
        if (_recent.Count > 4096)
        {
            _recent.Clear();
        }
        var created = await _client.CreateAsync(e).ConfigureAwait(false);
        _recent[key] = (created.Metadata.Name!, created.Metadata.Namespace!, 1, now);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record event {Reason} for {Name}: {Error}")]
    private static partial void LogDropped(ILogger logger, string reason, string name, string error);
}
