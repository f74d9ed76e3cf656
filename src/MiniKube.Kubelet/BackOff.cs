namespace MiniKube.Kubelet;

/// <summary>
/// Per-key exponential back-off in the style of Kubernetes' flowcontrol.Backoff: the first failure sets the initial
/// delay, each further one doubles it up to the maximum; a key idle for twice the maximum starts afresh.
/// </summary>
public sealed class BackOff(TimeSpan initial, TimeSpan max, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (TimeSpan Delay, DateTimeOffset LastUpdate)> _entries = new(StringComparer.Ordinal);

    public DateTimeOffset Now => time.GetUtcNow();

    /// <summary>The current delay of a key (the initial one when it has none).</summary>
    public TimeSpan Get(string key)
    {
        lock (_gate)
        {
            return _entries.TryGetValue(key, out var e) ? e.Delay : initial;
        }
    }

    /// <summary>Records a failure at <paramref name="eventTime"/>: sets or doubles the key's delay.</summary>
    public void Next(string key, DateTimeOffset eventTime)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out var e) || eventTime - e.LastUpdate > max * 2)
            {
                _entries[key] = (initial, eventTime);
                return;
            }
            var doubled = e.Delay * 2;
            _entries[key] = (doubled > max ? max : doubled, eventTime);
        }
    }

    /// <summary>True while less than the key's delay has passed since <paramref name="eventTime"/>; the remaining wait is returned.</summary>
    public bool IsInBackOffSince(string key, DateTimeOffset eventTime, out TimeSpan remaining)
    {
        lock (_gate)
        {
            remaining = TimeSpan.Zero;
            if (!_entries.TryGetValue(key, out var e))
            {
                return false;
            }
            var now = time.GetUtcNow();
            if (now - e.LastUpdate > max * 2)
            {
                _entries.Remove(key);
                return false;
            }
            var elapsed = now - eventTime;
            if (elapsed < e.Delay)
            {
                remaining = e.Delay - elapsed;
                return true;
            }
            return false;
        }
    }

    /// <summary>True while less than the key's delay has passed since its last failure.</summary>
    public bool IsInBackOffSinceUpdate(string key, out TimeSpan remaining)
    {
        DateTimeOffset last;
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out var e))
            {
                remaining = TimeSpan.Zero;
                return false;
            }
            last = e.LastUpdate;
        }
        return IsInBackOffSince(key, last, out remaining);
    }

    public void Reset(string key)
    {
        lock (_gate)
        {
            _entries.Remove(key);
        }
    }

    /// <summary>Forgets every key starting with <paramref name="prefix"/> (a deleted pod's).</summary>
    public void RemovePrefix(string prefix)
    {
        lock (_gate)
        {
            foreach (var key in _entries.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList())
            {
                _entries.Remove(key);
            }
        }
    }
}
