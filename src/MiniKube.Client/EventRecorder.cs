using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MiniKube.Api;

namespace MiniKube.Client;

/// <summary>
/// Records Events about objects (what <c>describe</c> shows), off the caller's path: calls return at once and a
/// background writer creates the Event objects. Events pass Kubernetes' <see cref="EventCorrelator"/> first: a repeat of
/// the same event bumps the existing Event's count and lastTimestamp instead of creating another, many events that differ
/// only in their message are combined, and a source writes at most 25 events about one object in a burst.
/// </summary>
public sealed partial class EventRecorder : IAsyncDisposable
{
    private readonly MiniKubeClient _client;
    private readonly string _component;
    private readonly string? _host;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<CorrelatedEvent> _pending = Channel.CreateBounded<CorrelatedEvent>(new BoundedChannelOptions(10_000)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = true,
    });
    private readonly Lock _gate = new();
    private readonly EventCorrelator _correlator;
    private readonly Task _writer;

    public EventRecorder(MiniKubeClient client, string component, string? host = null, TimeProvider? time = null, ILogger? logger = null)
    {
        _client = client;
        _component = component;
        _host = host;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _correlator = new EventCorrelator(_time);
        _writer = Task.Run(WriteLoopAsync);
    }

    public void Normal(KubeObject involved, string reason, string message) => Record(involved, EventType.Normal, reason, message);

    public void Warning(KubeObject involved, string reason, string message) => Record(involved, EventType.Warning, reason, message);

    public void Record(KubeObject involved, string type, string reason, string message)
    {
        var now = _time.GetUtcNow();
        var ns = string.IsNullOrEmpty(involved.Metadata.Namespace) ? "default" : involved.Metadata.Namespace;
        var e = new Event
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
        };
        // Correlated in call order, so that a count bump is always queued after the event it bumps.
        lock (_gate)
        {
            if (_correlator.Correlate(e) is { } correlated)
            {
                _pending.Writer.TryWrite(correlated);
            }
        }
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
                LogDropped(_logger, e.Event.Reason ?? "", e.Event.InvolvedObject.Name ?? "", ex.Message);
            }
        }
    }

    private async Task WriteAsync(CorrelatedEvent correlated)
    {
        var e = correlated.Event;
        if (correlated.IsRepeat)
        {
            var stamp = e.LastTimestamp!.Value.UtcDateTime.ToString(TimeConverter.WireFormat, CultureInfo.InvariantCulture);
            // Like client-go's two-way merge patch of a repeat: the count, the last time and the (possibly combined) message.
            var patch = $$"""{"count":{{e.Count}},"lastTimestamp":"{{stamp}}","message":{{JsonSerializer.Serialize(e.Message ?? "")}}}""";
            try
            {
                await _client.PatchAsync<Event>(e.Metadata.Name!, e.Metadata.Namespace, patch).ConfigureAwait(false);
                return;
            }
            catch (ApiException ex) when (ex.IsNotFound)
            {
                // Expired or deleted: written afresh under the same name, with its count, as client-go does.
            }
        }
        await _client.CreateAsync(e).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record event {Reason} for {Name}: {Error}")]
    private static partial void LogDropped(ILogger logger, string reason, string name, string error);
}
