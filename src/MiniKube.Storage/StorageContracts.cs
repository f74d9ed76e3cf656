namespace MiniKube.Storage;

/// <summary>A value as stored, with etcd's revisions (ModRevision is the object's resourceVersion).</summary>
public readonly record struct StoredValue(string Key, ReadOnlyMemory<byte> Value, long ModRevision, long CreateRevision);

/// <summary>The values under a prefix and the store revision they were read at.</summary>
public sealed record StoredList(IReadOnlyList<StoredValue> Items, long Revision);

public enum StorageEventType
{
    Put,
    Delete,
    /// <summary>No change: the store has reached <see cref="StorageEvent.Revision"/> (sent when progress notifications are requested).</summary>
    Progress,
}

/// <summary>
/// One change under a watched prefix. <see cref="PrevValue"/> is the value before the change
/// (empty for a create), so consumers can tell "started/stopped matching" without a lookup.
/// </summary>
public sealed record StorageEvent(
    StorageEventType Type,
    string Key,
    ReadOnlyMemory<byte> Value,
    ReadOnlyMemory<byte> PrevValue,
    long Revision,
    bool IsCreate);

public enum StorageErrorCode
{
    NotFound,
    AlreadyExists,
    Conflict,
    /// <summary>The requested revision has been compacted away; the caller must re-list.</summary>
    Gone,
    /// <summary>The requested revision is newer than the store's current one.</summary>
    TooLarge,
    Unavailable,
    /// <summary>etcd's space quota is used up (its NOSPACE alarm is raised): reads and deletes still work, writes do not.</summary>
    QuotaExceeded,
    /// <summary>etcd refused the request for another reason (the message says which).</summary>
    Failed,
}

public sealed class StorageException(StorageErrorCode code, string key, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public StorageErrorCode Code { get; } = code;

    public string Key { get; } = key;

    /// <summary>For <see cref="StorageErrorCode.Gone"/>: the revision etcd compacted to.</summary>
    public long CompactRevision { get; init; }

    /// <summary>For <see cref="StorageErrorCode.Conflict"/>: the value currently stored.</summary>
    public StoredValue? Current { get; init; }
}

/// <summary>
/// The object store. Keys are relative to the configured prefix (e.g. <c>pods/default/web</c> is stored at
/// <c>/registry/pods/default/web</c>). Writes are conditional so concurrent writers never lose updates.
/// </summary>
public interface IObjectStore
{
    /// <summary>Writes only if the key is absent; otherwise <see cref="StorageErrorCode.AlreadyExists"/>.</summary>
    Task<StoredValue> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default);

    /// <summary>As <see cref="CreateAsync(string, ReadOnlyMemory{byte}, CancellationToken)"/>, but the key expires on its own after about <paramref name="timeToLive"/> (Events).</summary>
    Task<StoredValue> CreateAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes whether or not the key exists, attaching a fresh expiry of about <paramref name="timeToLive"/>: a writer that
    /// keeps putting keeps the key, one that stops (a crashed API server's endpoint lease) loses it.
    /// </summary>
    Task<StoredValue> PutAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default);

    Task<StoredValue?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Everything under a key prefix (e.g. <c>pods/</c> or <c>pods/default/</c>) at one revision.</summary>
    Task<StoredList> ListAsync(string keyPrefix, CancellationToken cancellationToken = default);

    /// <summary>
    /// Everything under a key prefix as it was at <paramref name="revision"/> (a list with resourceVersionMatch=Exact).
    /// Throws <see cref="StorageException"/> with <see cref="StorageErrorCode.Gone"/> if that revision was compacted, and
    /// <see cref="StorageErrorCode.TooLarge"/> if the store has not reached it.
    /// </summary>
    Task<StoredList> ListAsync(string keyPrefix, long revision, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes only if the stored ModRevision equals <paramref name="expectedRevision"/>; otherwise
    /// <see cref="StorageErrorCode.Conflict"/> (or NotFound) and nothing is written.
    /// </summary>
    Task<StoredValue> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken cancellationToken = default);

    /// <summary>Deletes (optionally only at <paramref name="expectedRevision"/>) and returns the deleted value.</summary>
    Task<StoredValue> DeleteAsync(string key, long? expectedRevision = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every change under <paramref name="keyPrefix"/> after <paramref name="afterRevision"/>, in order, then live changes.
    /// Throws <see cref="StorageException"/> with <see cref="StorageErrorCode.Gone"/> if that revision was compacted.
    /// </summary>
    IAsyncEnumerable<StorageEvent> WatchAsync(string keyPrefix, long afterRevision, CancellationToken cancellationToken = default);

    /// <summary>As above; with <paramref name="progressNotify"/> the stream also carries periodic <see cref="StorageEventType.Progress"/> events.</summary>
    IAsyncEnumerable<StorageEvent> WatchAsync(string keyPrefix, long afterRevision, bool progressNotify, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies every operation atomically in one etcd transaction, or none of them. When a precondition fails, throws
    /// <see cref="StorageException"/> naming the first operation's key whose precondition failed (AlreadyExists for a
    /// create, Conflict or NotFound for an update or conditional delete). Returns the revision of the write.
    /// </summary>
    Task<long> CommitAsync(IReadOnlyList<StoreOperation> operations, CancellationToken cancellationToken = default);

    /// <summary>The store's current revision.</summary>
    Task<long> GetRevisionAsync(CancellationToken cancellationToken = default);

    /// <summary>Discards history up to <paramref name="revision"/>.</summary>
    Task CompactAsync(long revision, CancellationToken cancellationToken = default);
}

public enum StoreOperationKind
{
    /// <summary>Put only if the key is absent.</summary>
    Create,
    /// <summary>Put only if the key's ModRevision equals the expected revision.</summary>
    Update,
    /// <summary>Delete; only at the expected revision when one is given, otherwise whether or not the key exists.</summary>
    Delete,
}

/// <summary>One write of a multi-key transaction (<see cref="IObjectStore.CommitAsync"/>).</summary>
public sealed record StoreOperation(StoreOperationKind Kind, string Key, ReadOnlyMemory<byte> Value = default, long? ExpectedRevision = null)
{
    public static StoreOperation Create(string key, ReadOnlyMemory<byte> value) => new(StoreOperationKind.Create, key, value);

    public static StoreOperation Update(string key, ReadOnlyMemory<byte> value, long expectedRevision) =>
        new(StoreOperationKind.Update, key, value, expectedRevision);

    public static StoreOperation Delete(string key, long? expectedRevision = null) => new(StoreOperationKind.Delete, key, default, expectedRevision);
}
