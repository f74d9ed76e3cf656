using System.Collections.Concurrent;
using System.Globalization;
using MiniKube.Api;

namespace MiniKube.Controllers.Deployments;

/// <summary>
/// The ReplicaSets this controller last wrote, kept until its informer has caught up with them. A sync that starts while
/// the watch still lags behind the previous sync's writes would otherwise size a new ReplicaSet from old replica counts
/// and overshoot maxSurge (found by the chaos test: an old set raised to 4 and, 10 ms later, a new set created from the
/// cached 3).
/// </summary>
internal sealed class OwnWrites
{
    private readonly ConcurrentDictionary<string, ReplicaSet> _written = new(StringComparer.Ordinal);

    public void Record(ReplicaSet rs)
    {
        if (rs.Metadata.Uid is { } uid)
        {
            _written.AddOrUpdate(uid, rs, (_, previous) => Revision(previous) > Revision(rs) ? previous : rs);
        }
    }

    public void Forget(ReplicaSet rs)
    {
        if (rs.Metadata.Uid is { } uid)
        {
            _written.TryRemove(uid, out _);
        }
    }

    /// <summary>The cached copy, or the copy this controller wrote when the cache has not seen that write yet.</summary>
    public ReplicaSet Freshest(ReplicaSet cached)
    {
        if (cached.Metadata.Uid is not { } uid || !_written.TryGetValue(uid, out var written))
        {
            return cached;
        }
        if (Revision(written) > Revision(cached))
        {
            return written;
        }
        // The cache has caught up (or someone wrote after us): it is the truth again.
        _written.TryRemove(KeyValuePair.Create(uid, written));
        return cached;
    }

    /// <summary>etcd's modification revision; resourceVersions MiniKube hands out are those numbers.</summary>
    private static long Revision(ReplicaSet rs) =>
        long.TryParse(rs.Metadata.ResourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var revision) ? revision : 0;
}
