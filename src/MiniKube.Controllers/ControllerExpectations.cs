namespace MiniKube.Controllers;

/// <summary>
/// What a controller is still waiting to see through its watch after it created or deleted objects (Kubernetes'
/// ControllerExpectations with UID tracking for deletions). Until they are observed, or the record expires, the
/// controller must not act on the stale cache again — or it would create the same pods twice.
/// </summary>
public sealed class ControllerExpectations(TimeProvider time, TimeSpan? ttl = null)
{
    /// <summary>Kubernetes' ExpectationsTimeout: a lost watch event must not block a controller forever.</summary>
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromMinutes(5);

    private readonly TimeSpan _ttl = ttl ?? DefaultTtl;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Record> _records = new(StringComparer.Ordinal);

    /// <summary>True when nothing is pending for <paramref name="key"/> (or the record expired).</summary>
    public bool Satisfied(string key)
    {
        lock (_gate)
        {
            if (!_records.TryGetValue(key, out var r))
            {
                return true;
            }
            return (r.Adds <= 0 && r.Deletes.Count == 0) || time.GetUtcNow() - r.Timestamp > _ttl;
        }
    }

    public void ExpectCreations(string key, int count)
    {
        lock (_gate)
        {
            _records[key] = new Record(count, new HashSet<string>(StringComparer.Ordinal), time.GetUtcNow());
        }
    }

    public void ExpectDeletions(string key, IEnumerable<string> podKeys)
    {
        lock (_gate)
        {
            _records[key] = new Record(0, new HashSet<string>(podKeys, StringComparer.Ordinal), time.GetUtcNow());
        }
    }

    public void CreationObserved(string key)
    {
        lock (_gate)
        {
            if (_records.TryGetValue(key, out var r))
            {
                _records[key] = r with { Adds = r.Adds - 1 };
            }
        }
    }

    public void DeletionObserved(string key, string podKey)
    {
        lock (_gate)
        {
            if (_records.TryGetValue(key, out var r))
            {
                r.Deletes.Remove(podKey);
            }
        }
    }

    public void Delete(string key)
    {
        lock (_gate)
        {
            _records.Remove(key);
        }
    }

    /// <summary>Pending creations and deletions, for tests and logs.</summary>
    public (int Adds, int Deletes) Pending(string key)
    {
        lock (_gate)
        {
            return _records.TryGetValue(key, out var r) ? (r.Adds, r.Deletes.Count) : (0, 0);
        }
    }

    private sealed record Record(int Adds, HashSet<string> Deletes, DateTimeOffset Timestamp);
}
