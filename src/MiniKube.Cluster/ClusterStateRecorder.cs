namespace MiniKube.Cluster;

/// <summary>The cluster state while a command changes it: each change is saved to <c>cluster.json</c> at once (safe across threads).</summary>
public sealed class ClusterStateRecorder(ClusterStateStore store, ClusterState initial)
{
    private readonly Lock _lock = new();
    private ClusterState _current = initial;

    public ClusterState Current
    {
        get
        {
            lock (_lock)
            {
                return _current;
            }
        }
    }

    /// <summary>Replaces (or adds) the record of one component and saves the state.</summary>
    public void Record(ComponentRecord record)
    {
        lock (_lock)
        {
            _current = _current.With(record);
            store.Save(_current);
        }
    }

    public void Save()
    {
        lock (_lock)
        {
            store.Save(_current);
        }
    }
}
