namespace MiniKube.Client;

/// <summary>Per-key exponential backoff for <see cref="WorkQueue{T}.AddRateLimited"/>.</summary>
public sealed record WorkQueueOptions
{
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(5);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(1000);
}

/// <summary>
/// The controller work queue: keys, not objects (workers read the current object from the cache). A key waiting is
/// queued once however often it is added; a key is never handed to two workers at once, and one added while being
/// processed is queued again when the worker calls <see cref="Done"/>. Failed keys come back with per-key
/// exponential backoff; <see cref="Forget"/> resets it after success.
/// </summary>
public sealed class WorkQueue<T> : IDisposable where T : notnull
{
    private readonly Lock _gate = new();
    private readonly Queue<T> _queue = new();
    private readonly HashSet<T> _dirty = [];
    private readonly HashSet<T> _processing = [];
    private readonly Dictionary<T, int> _failures = [];
    private readonly Dictionary<T, ITimer> _delayed = [];
    private readonly SemaphoreSlim _available = new(0);
    private readonly TimeProvider _time;
    private readonly WorkQueueOptions _options;
    private bool _shuttingDown;

    public WorkQueue(WorkQueueOptions? options = null, TimeProvider? time = null)
    {
        _options = options ?? new WorkQueueOptions();
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Keys waiting (not counting those being processed or delayed).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    public bool IsShuttingDown
    {
        get
        {
            lock (_gate)
            {
                return _shuttingDown;
            }
        }
    }

    public void Add(T key)
    {
        lock (_gate)
        {
            if (_shuttingDown || !_dirty.Add(key))
            {
                return;
            }
            if (_processing.Contains(key))
            {
                return;
            }
            _queue.Enqueue(key);
        }
        _available.Release();
    }

    /// <summary>Adds the key after <paramref name="delay"/>; an earlier pending delayed add of the same key wins.</summary>
    public void AddAfter(T key, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(key);
            return;
        }
        lock (_gate)
        {
            if (_shuttingDown || _delayed.ContainsKey(key))
            {
                return;
            }
            _delayed[key] = _time.CreateTimer(_ => Fire(key), null, delay, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Adds the key after its backoff: base delay × 2^(failures so far), capped.</summary>
    public void AddRateLimited(T key)
    {
        TimeSpan delay;
        lock (_gate)
        {
            var failures = _failures.GetValueOrDefault(key);
            _failures[key] = failures + 1;
            var ticks = _options.BaseDelay.Ticks * Math.Pow(2, Math.Min(failures, 62));
            delay = ticks >= _options.MaxDelay.Ticks ? _options.MaxDelay : TimeSpan.FromTicks((long)ticks);
        }
        AddAfter(key, delay);
    }

    /// <summary>Clears the key's failure count (call after it was processed successfully).</summary>
    public void Forget(T key)
    {
        lock (_gate)
        {
            _failures.Remove(key);
        }
    }

    public int NumRequeues(T key)
    {
        lock (_gate)
        {
            return _failures.GetValueOrDefault(key);
        }
    }

    /// <summary>Waits for the next key; returns false once the queue shuts down and is drained.</summary>
    public async ValueTask<(bool Ok, T Key)> TryGetAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            await _available.WaitAsync(cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                if (_queue.TryDequeue(out var key))
                {
                    _dirty.Remove(key);
                    _processing.Add(key);
                    return (true, key);
                }
                if (_shuttingDown)
                {
                    // Wake the next waiter too: everyone leaves.
                    _available.Release();
                    return (false, default!);
                }
            }
        }
    }

    /// <summary>Marks the key processed; if it was added meanwhile it is queued again now.</summary>
    public void Done(T key)
    {
        var requeue = false;
        lock (_gate)
        {
            _processing.Remove(key);
            if (_dirty.Contains(key) && !_shuttingDown)
            {
                _queue.Enqueue(key);
                requeue = true;
            }
        }
        if (requeue)
        {
            _available.Release();
        }
    }

    /// <summary>Stops accepting keys; workers finish what is queued and then get false from <see cref="TryGetAsync"/>.</summary>
    public void ShutDown()
    {
        lock (_gate)
        {
            if (_shuttingDown)
            {
                return;
            }
            _shuttingDown = true;
            foreach (var timer in _delayed.Values)
            {
                timer.Dispose();
            }
            _delayed.Clear();
        }
        _available.Release();
    }

    public void Dispose()
    {
        ShutDown();
        _available.Dispose();
    }

    private void Fire(T key)
    {
        lock (_gate)
        {
            if (_delayed.Remove(key, out var timer))
            {
                timer.Dispose();
            }
        }
        Add(key);
    }
}
