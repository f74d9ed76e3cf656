using System.Runtime.CompilerServices;
using System.Text;

namespace MiniKube.Storage;

/// <summary>
/// Encryption at rest over another store, as kube-apiserver's <c>--encryption-provider-config</c>: values of the configured
/// resources are transformed on their way to etcd and back, so every reader above this store (gets, lists, watches and the
/// watch cache) sees plaintext while etcd, its snapshots and backups hold only ciphertext. Other resources pass through.
/// </summary>
public sealed class EncryptingObjectStore : IObjectStore, IDisposable
{
    private readonly IObjectStore _inner;
    private readonly EncryptionConfiguration _configuration;
    private readonly string _keyPrefix;

    /// <param name="etcdPrefix">The inner store's key prefix (<c>/registry</c>): values are bound to their full etcd key, as in Kubernetes.</param>
    public EncryptingObjectStore(IObjectStore inner, EncryptionConfiguration configuration, string etcdPrefix)
    {
        _inner = inner;
        _configuration = configuration;
        _keyPrefix = etcdPrefix + "/";
    }

    public async Task<StoredValue> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
    {
        var stored = await Guard(_inner.CreateAsync(key, Encrypt(key, value), cancellationToken)).ConfigureAwait(false);
        return stored with { Value = value };
    }

    public async Task<StoredValue> CreateAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        var stored = await Guard(_inner.CreateAsync(key, Encrypt(key, value), timeToLive, cancellationToken)).ConfigureAwait(false);
        return stored with { Value = value };
    }

    public async Task<StoredValue> PutAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        var stored = await Guard(_inner.PutAsync(key, Encrypt(key, value), timeToLive, cancellationToken)).ConfigureAwait(false);
        return stored with { Value = value };
    }

    public async Task<StoredValue?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var stored = await _inner.GetAsync(key, cancellationToken).ConfigureAwait(false);
        return stored is { } found ? Decrypt(found) : null;
    }

    public async Task<StoredList> ListAsync(string keyPrefix, CancellationToken cancellationToken = default) =>
        DecryptAll(await _inner.ListAsync(keyPrefix, cancellationToken).ConfigureAwait(false));

    public async Task<StoredList> ListAsync(string keyPrefix, long revision, CancellationToken cancellationToken = default) =>
        DecryptAll(await _inner.ListAsync(keyPrefix, revision, cancellationToken).ConfigureAwait(false));

    public async Task<StoredValue> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken cancellationToken = default)
    {
        var stored = await Guard(_inner.UpdateAsync(key, Encrypt(key, value), expectedRevision, cancellationToken)).ConfigureAwait(false);
        return stored with { Value = value };
    }

    public async Task<StoredValue> DeleteAsync(string key, long? expectedRevision = null, CancellationToken cancellationToken = default) =>
        Decrypt(await Guard(_inner.DeleteAsync(key, expectedRevision, cancellationToken)).ConfigureAwait(false));

    public IAsyncEnumerable<StorageEvent> WatchAsync(string keyPrefix, long afterRevision, CancellationToken cancellationToken = default) =>
        WatchAsync(keyPrefix, afterRevision, progressNotify: false, cancellationToken);

    public async IAsyncEnumerable<StorageEvent> WatchAsync(string keyPrefix, long afterRevision, bool progressNotify,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var change in _inner.WatchAsync(keyPrefix, afterRevision, progressNotify, cancellationToken).ConfigureAwait(false))
        {
            if (change.Type == StorageEventType.Progress || _configuration.For(Resource(change.Key)) is not { } chain)
            {
                yield return change;
                continue;
            }
            var key = AuthenticatedData(change.Key);
            yield return change with
            {
                Value = change.Value.IsEmpty ? change.Value : chain.FromStorage(change.Value.Span, key, change.Key),
                PrevValue = change.PrevValue.IsEmpty ? change.PrevValue : chain.FromStorage(change.PrevValue.Span, key, change.Key),
            };
        }
    }

    public Task<long> CommitAsync(IReadOnlyList<StoreOperation> operations, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var encrypted = operations
            .Select(op => op.Kind == StoreOperationKind.Delete ? op : op with { Value = Encrypt(op.Key, op.Value) })
            .ToList();
        return Guard(_inner.CommitAsync(encrypted, cancellationToken));
    }

    public Task<long> GetRevisionAsync(CancellationToken cancellationToken = default) => _inner.GetRevisionAsync(cancellationToken);

    public Task CompactAsync(long revision, CancellationToken cancellationToken = default) => _inner.CompactAsync(revision, cancellationToken);

    public void Dispose() => (_inner as IDisposable)?.Dispose();

    /// <summary>The resource a key belongs to: its first segment (<c>secrets</c> of <c>secrets/default/db</c>).</summary>
    private static string Resource(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? key : key[..slash];
    }

    private byte[] AuthenticatedData(string key) => Encoding.UTF8.GetBytes(_keyPrefix + key);

    private ReadOnlyMemory<byte> Encrypt(string key, ReadOnlyMemory<byte> value) =>
        _configuration.For(Resource(key)) is { } chain ? chain.ToStorage(value.Span, AuthenticatedData(key)) : value;

    private StoredValue Decrypt(StoredValue stored) =>
        _configuration.For(Resource(stored.Key)) is { } chain
            ? stored with { Value = chain.FromStorage(stored.Value.Span, AuthenticatedData(stored.Key), stored.Key) }
            : stored;

    private StoredList DecryptAll(StoredList list)
    {
        if (!list.Items.Any(item => _configuration.For(Resource(item.Key)) is not null))
        {
            return list;
        }
        return list with { Items = [.. list.Items.Select(Decrypt)] };
    }

    /// <summary>A failed precondition carries the current value (Conflict, AlreadyExists): callers get it in plaintext too.</summary>
    private async Task<T> Guard<T>(Task<T> write)
    {
        try
        {
            return await write.ConfigureAwait(false);
        }
        catch (StorageException ex) when (ex.Current is { } current && _configuration.For(Resource(current.Key)) is not null)
        {
            throw new StorageException(ex.Code, ex.Key, ex.Message, ex.InnerException)
            {
                CompactRevision = ex.CompactRevision,
                Current = Decrypt(current),
            };
        }
    }
}
