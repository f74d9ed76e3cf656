using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using MiniKube.Security;

namespace MiniKube.ApiServer;

/// <summary>One audit.k8s.io/v1 Event at the Metadata level, stage ResponseComplete.</summary>
public sealed record AuditEvent(
    Guid AuditId,
    string RequestUri,
    AuditRecord Request,
    UserInfo? User,
    IReadOnlyList<string> SourceIps,
    string? UserAgent,
    int Code,
    DateTimeOffset RequestReceived,
    DateTimeOffset StageTimestamp)
{
    /// <summary>The event as one JSON line, with Kubernetes' field names and microsecond RFC 3339 times.</summary>
    public void WriteTo(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("kind", "Event");
        json.WriteString("apiVersion", "audit.k8s.io/v1");
        json.WriteString("level", "Metadata");
        json.WriteString("auditID", AuditId.ToString("D"));
        json.WriteString("stage", "ResponseComplete");
        json.WriteString("requestURI", RequestUri);
        json.WriteString("verb", Request.Verb);
        if (User is not null)
        {
            json.WriteStartObject("user");
            json.WriteString("username", User.Name);
            if (User.Uid.Length > 0)
            {
                json.WriteString("uid", User.Uid);
            }
            json.WriteStartArray("groups");
            foreach (var group in User.Groups)
            {
                json.WriteStringValue(group);
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteStartArray("sourceIPs");
        foreach (var ip in SourceIps)
        {
            json.WriteStringValue(ip);
        }
        json.WriteEndArray();
        if (UserAgent is { Length: > 0 })
        {
            json.WriteString("userAgent", UserAgent);
        }
        if (Request.IsResourceRequest)
        {
            json.WriteStartObject("objectRef");
            json.WriteString("resource", Request.Resource);
            WriteIfSet(json, "namespace", Request.Namespace);
            WriteIfSet(json, "name", Request.Name);
            WriteIfSet(json, "apiGroup", Request.ApiGroup);
            WriteIfSet(json, "apiVersion", Request.ApiVersion);
            WriteIfSet(json, "subresource", Request.Subresource);
            json.WriteEndObject();
        }
        json.WriteStartObject("responseStatus");
        json.WriteStartObject("metadata");
        json.WriteEndObject();
        json.WriteNumber("code", Code);
        json.WriteEndObject();
        json.WriteString("requestReceivedTimestamp", MicroTime(RequestReceived));
        json.WriteString("stageTimestamp", MicroTime(StageTimestamp));
        json.WriteEndObject();
    }

    private static void WriteIfSet(Utf8JsonWriter json, string name, string? value)
    {
        if (value is { Length: > 0 })
        {
            json.WriteString(name, value);
        }
    }

    private static string MicroTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}

/// <summary>
/// The audit log backend (<c>--audit-log-path</c>, <c>-</c> for stdout): requests hand their events to a bounded channel
/// and go on; one background writer appends them as JSON lines and flushes whenever it catches up. A full buffer drops
/// events (counted and logged) rather than slowing requests, like Kubernetes' batch backend.
/// </summary>
public sealed partial class AuditLog : IHostedService, IAsyncDisposable
{
    private const int Capacity = 10_000;
    private readonly Channel<AuditEvent> _events = Channel.CreateBounded<AuditEvent>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
    private readonly string _path;
    private readonly ILogger<AuditLog> _logger;
    private Task _writer = Task.CompletedTask;
    private long _dropped;

    public AuditLog(ApiServerOptions options, AuditPolicy policy, ILogger<AuditLog> logger)
    {
        _path = options.AuditLogPath ?? throw new ArgumentException("no --audit-log-path", nameof(options));
        Policy = policy;
        _logger = logger;
    }

    public AuditPolicy Policy { get; }

    /// <summary>Queues an event without waiting; false when the buffer was full and it was dropped.</summary>
    public bool TryWrite(AuditEvent auditEvent)
    {
        if (_events.Writer.TryWrite(auditEvent))
        {
            return true;
        }
        if (Interlocked.Increment(ref _dropped) % 1000 == 1)
        {
            LogDropped(_logger, Interlocked.Read(ref _dropped), Capacity);
        }
        return false;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Opened at start, so an unwritable path fails the start rather than the first request.
        var output = _path == "-"
            ? Console.OpenStandardOutput()
            : new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, 64 * 1024);
        _writer = Task.Run(() => WriteAllAsync(output));
        return Task.CompletedTask;
    }

    /// <summary>Writes what is still queued, then closes the file.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _events.Writer.TryComplete();
        await _writer.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _events.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private async Task WriteAllAsync(Stream output)
    {
        await using (output.ConfigureAwait(false))
        {
            await using var json = new Utf8JsonWriter(output);
            var reader = _events.Reader;
            try
            {
                while (await reader.WaitToReadAsync().ConfigureAwait(false))
                {
                    while (reader.TryRead(out var auditEvent))
                    {
                        auditEvent.WriteTo(json);
                        await json.FlushAsync().ConfigureAwait(false);
                        output.WriteByte((byte)'\n');
                        json.Reset();
                    }
                    await output.FlushAsync().ConfigureAwait(false);
                }
            }
            catch (IOException ex)
            {
                LogWriteFailed(_logger, _path, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "audit: {Dropped} events dropped so far: the buffer of {Capacity} events was full (the log's disk is slower than the requests)")]
    private static partial void LogDropped(ILogger logger, long dropped, int capacity);

    [LoggerMessage(Level = LogLevel.Error, Message = "audit: writing {Path} failed; no more events are written")]
    private static partial void LogWriteFailed(ILogger logger, string path, Exception exception);
}
