using System.Threading.Channels;
using MiniKube.Api;

namespace MiniKube.ApiServer;

/// <summary>
/// One client watch fed by a <see cref="WatchCache"/>. Translates cache events into what this watcher should see
/// (an object that starts to match arrives as ADDED, one that stops matching as DELETED) and buffers them.
/// A watcher that falls too far behind is closed rather than allowed to hold memory; its client resumes
/// from the last version it saw.
/// </summary>
internal sealed class CacheWatcher
{
    private readonly Channel<OutgoingEvent> _channel;

    public CacheWatcher(ObjectFilter filter, long minRevision, bool bookmarks, int capacity, IReadOnlyList<OutgoingEvent> initial)
    {
        Filter = filter;
        MinRevision = minRevision;
        Bookmarks = bookmarks;
        Initial = initial;
        _channel = Channel.CreateBounded<OutgoingEvent>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public ObjectFilter Filter { get; }

    /// <summary>Events at or below this revision were already seen by the client.</summary>
    public long MinRevision { get; }

    public bool Bookmarks { get; }

    /// <summary>Events to send before anything from the channel (snapshot or replay), already filtered.</summary>
    public IReadOnlyList<OutgoingEvent> Initial { get; }

    public ChannelReader<OutgoingEvent> Reader => _channel.Reader;

    /// <summary>Set when the watcher was closed because it fell behind.</summary>
    public bool Overflowed { get; private set; }

    /// <summary>Offers a cache event; returns false if the watcher had to be closed.</summary>
    public bool Offer(in CacheEvent e)
    {
        if (e.Revision <= MinRevision)
        {
            return true;
        }
        var type = Translate(e, Filter);
        if (type is null)
        {
            return true;
        }
        if (_channel.Writer.TryWrite(new OutgoingEvent(type, e.Object.Json, e.Revision)))
        {
            return true;
        }
        Overflowed = true;
        _channel.Writer.TryComplete();
        return false;
    }

    public void OfferBookmark(OutgoingEvent bookmark)
    {
        if (Bookmarks)
        {
            _channel.Writer.TryWrite(bookmark);
        }
    }

    public void Close() => _channel.Writer.TryComplete();

    /// <summary>The event type this filter sees for a change, or null when the change is invisible to it.</summary>
    public static string? Translate(in CacheEvent e, ObjectFilter filter)
    {
        switch (e.Type)
        {
            case CacheEventType.Added:
                return filter.Matches(e.Object) ? WatchEventTypes.Added : null;
            case CacheEventType.Deleted:
                return filter.Matches(e.Previous ?? e.Object) ? WatchEventTypes.Deleted : null;
            default:
                var now = filter.Matches(e.Object);
                var before = e.Previous is not null && filter.Matches(e.Previous);
                return (before, now) switch
                {
                    (true, true) => WatchEventTypes.Modified,
                    (false, true) => WatchEventTypes.Added,
                    (true, false) => WatchEventTypes.Deleted,
                    _ => null,
                };
        }
    }
}
