using MiniKube.Api;

namespace MiniKube.Client;

/// <summary>What to do with an event after correlation.</summary>
/// <param name="Event">The event to write: the original, or a "(combined from similar events)" one, with the count it should carry.</param>
/// <param name="IsRepeat">An event with the same key was written before: bump its count (the name is the earlier event's).</param>
public readonly record struct CorrelatedEvent(Event Event, bool IsRepeat);

/// <summary>
/// Kubernetes' EventCorrelator (client-go <c>tools/record</c>), which keeps a busy component from flooding the API with
/// events. In Kubernetes' order:
/// <list type="number">
/// <item>Aggregation: once 10 events that differ only in their message (same source, object, type and reason) were
/// seen within 10 minutes, further ones become a single event "(combined from similar events): &lt;message&gt;".</item>
/// <item>Counting: a repeat of the same event (same key, message included) is written as a count bump of the earlier
/// one instead of a new object.</item>
/// <item>Spam filter: a source may write 25 events about one object at once, then one more every 5 minutes (a token
/// bucket per source and object); beyond that events are dropped.</item>
/// </list>
/// So a ReplicaSet creating 1,000 pods records 25 <c>SuccessfulCreate</c> events, as kube-controller-manager does, not
/// 1,000. Not thread-safe: <see cref="EventRecorder"/> calls it under its lock.
/// </summary>
public sealed class EventCorrelator(TimeProvider time)
{
    /// <summary>client-go's maxLruCacheEntries: how many keys each cache remembers.</summary>
    public const int MaxCacheEntries = 4096;

    /// <summary>client-go's defaultAggregateMaxEvents.</summary>
    public const int AggregateMaxEvents = 10;

    /// <summary>client-go's defaultSpamBurst.</summary>
    public const int SpamBurst = 25;

    public const string CombinedPrefix = "(combined from similar events): ";

    /// <summary>client-go's defaultAggregateIntervalInSeconds.</summary>
    public static readonly TimeSpan AggregateInterval = TimeSpan.FromMinutes(10);

    /// <summary>client-go's defaultSpamQPS (1/300): one more event every five minutes once the burst is spent.</summary>
    public static readonly TimeSpan SpamRefill = TimeSpan.FromMinutes(5);

    /// <summary>A repeat is counted into the earlier event only within this window (and while the event still exists).</summary>
    public static readonly TimeSpan RepeatWindow = TimeSpan.FromMinutes(10);

    private readonly Dictionary<string, (HashSet<string> Messages, DateTimeOffset Last)> _aggregates = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Name, DateTimeOffset First, int Count)> _observed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (double Tokens, DateTimeOffset Refilled)> _spam = new(StringComparer.Ordinal);

    /// <summary>The event to write, or null when the spam filter drops it.</summary>
    public CorrelatedEvent? Correlate(Event e)
    {
        var now = time.GetUtcNow();
        var (aggregateKey, message) = (AggregateKey(e), e.Message ?? "");
        var key = EventKey(e);
        if (!_aggregates.TryGetValue(aggregateKey, out var similar) || now - similar.Last > AggregateInterval)
        {
            similar = (new HashSet<string>(StringComparer.Ordinal), now);
        }
        similar.Messages.Add(message);
        Remember(_aggregates, aggregateKey, similar with { Last = now });
        if (similar.Messages.Count >= AggregateMaxEvents)
        {
            // The set stays at the threshold, so every further message keeps the group aggregated (as client-go's PopAny).
            similar.Messages.Remove(similar.Messages.First());
            e = e with
            {
                Metadata = new ObjectMeta { Name = e.Metadata.Name, Namespace = e.Metadata.Namespace },
                Message = CombinedPrefix + message,
                FirstTimestamp = now,
                LastTimestamp = now,
                Count = 1,
            };
            key = aggregateKey;
        }

        var repeat = false;
        if (_observed.TryGetValue(key, out var seen) && now - seen.First < RepeatWindow)
        {
            repeat = true;
            e = e with
            {
                Metadata = e.Metadata with { Name = seen.Name },
                FirstTimestamp = seen.First,
                Count = seen.Count + 1,
            };
        }
        // Counted even when the spam filter drops it, as client-go does: the next write carries the true count.
        Remember(_observed, key, (e.Metadata.Name!, e.FirstTimestamp ?? now, e.Count ?? 1));

        return TakeToken(SpamKey(e), now) ? new CorrelatedEvent(e, repeat) : null;
    }

    private bool TakeToken(string key, DateTimeOffset now)
    {
        var (tokens, refilled) = _spam.TryGetValue(key, out var bucket) ? bucket : (SpamBurst, now);
        tokens = Math.Min(SpamBurst, tokens + ((now - refilled) / SpamRefill));
        var allowed = tokens >= 1;
        Remember(_spam, key, (allowed ? tokens - 1 : tokens, now));
        return allowed;
    }

    /// <summary>Bounded like client-go's LRU caches; forgetting everything at once only lets a few more events through.</summary>
    private static void Remember<T>(Dictionary<string, T> cache, string key, T value)
    {
        if (cache.Count >= MaxCacheEntries && !cache.ContainsKey(key))
        {
            cache.Clear();
        }
        cache[key] = value;
    }

    private static string SpamKey(Event e)
    {
        var io = e.InvolvedObject;
        return string.Join('\u0001', e.Source?.Component, e.Source?.Host, io.Kind, io.Namespace, io.Name, io.Uid, io.ApiVersion);
    }

    private static string AggregateKey(Event e) =>
        string.Join('\u0001', SpamKey(e), e.Type, e.Reason, e.ReportingComponent, e.ReportingInstance);

    private static string EventKey(Event e)
    {
        var io = e.InvolvedObject;
        return string.Join('\u0001', e.Source?.Component, e.Source?.Host, io.Kind, io.Namespace, io.Name, io.FieldPath, io.Uid, io.ApiVersion,
            e.Type, e.Reason, e.Message);
    }
}
