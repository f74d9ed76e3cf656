using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MiniKube.Client;

namespace MiniKube.Controllers;

/// <summary>What every controller is built from: the shared informers, the API seam, events, the clock and logging.</summary>
public sealed class ControllerContext
{
    public ControllerContext(InformerFactory informers, IControllerClient client, Func<string, IEventSink> events, TimeProvider? time = null,
        ILoggerFactory? loggers = null)
    {
        Informers = informers;
        Client = client;
        Events = events;
        Time = time ?? TimeProvider.System;
        Loggers = loggers ?? NullLoggerFactory.Instance;
    }

    public InformerFactory Informers { get; }

    public IControllerClient Client { get; }

    /// <summary>The event sink of a component (<c>deployment-controller</c>, …).</summary>
    public Func<string, IEventSink> Events { get; }

    public TimeProvider Time { get; }

    public ILoggerFactory Loggers { get; }

    /// <summary>Now, at the second precision Kubernetes timestamps keep.</summary>
    public DateTimeOffset Now() => MiniKube.Api.Timestamps.TruncateToSeconds(Time.GetUtcNow());
}
