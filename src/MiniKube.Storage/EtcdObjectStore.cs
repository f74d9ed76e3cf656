using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Mvccpb;

namespace MiniKube.Storage;

/// <summary>
/// <see cref="IObjectStore"/> on etcd's v3 gRPC API. Uses the generated clients shipped with dotnet-etcd directly
/// so every write is one conditional transaction and a watch is one bidirectional stream we fully control.
/// </summary>
public sealed class EtcdObjectStore : IObjectStore, IDisposable
{
    private readonly EtcdStorageOptions _options;
    private readonly GrpcChannel[] _channels;
    private readonly string _prefix;
    private readonly Dictionary<long, long> _leases = [];
    private int _current;

    public EtcdObjectStore(EtcdStorageOptions options)
    {
        var problem = options.Validate();
        if (problem is not null)
        {
            throw new ArgumentException(problem, nameof(options));
        }
        _options = options;
        _prefix = options.Prefix + "/";
        _channels = options.Endpoints.Select(e => GrpcChannel.ForAddress(e, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                // A member that goes silent (its host or container gone, the process stopped) sends no reset: without a
                // ping, a watch on it stalls until TCP gives up, minutes later, and so does every API server's cache.
                // Well above etcd's --grpc-keepalive-min-time (5 s; more often is answered with GOAWAY too_many_pings), and
                // only while calls are open (etcd refuses idle pings).
                KeepAlivePingDelay = TimeSpan.FromSeconds(8),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(3),
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
                ConnectTimeout = TimeSpan.FromSeconds(3),
                SslOptions = ClientTls(options),
            },
            // The channel owns its handler: without this, disposing the channel leaves the handler's connections open
            // (a test host that ran 1,000 minictl commands in-process held ~20,000 sockets).
            DisposeHttpClient = true,
            MaxReceiveMessageSize = 256 * 1024 * 1024,
        })).ToArray();
    }

    public string Prefix => _options.Prefix;

    /// <summary>
    /// TLS towards https members: the client certificate offered whatever CAs etcd names (so a wrong one is refused by etcd
    /// with a reason in its log, not silently left out), and the member's certificate checked — name included — against
    /// the given CAs only when there are any.
    /// </summary>
    private static SslClientAuthenticationOptions ClientTls(EtcdStorageOptions options)
    {
        var tls = new SslClientAuthenticationOptions();
        if (options.ClientCertificate is { } certificate)
        {
            tls.ClientCertificates = [certificate];
            tls.LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate;
        }
        if (options.TrustedCAs is { } roots)
        {
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                // A private CA publishes no revocation list; Kubernetes' etcd client does not check revocation either.
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.AddRange(roots);
            tls.CertificateChainPolicy = policy;
        }
        return tls;
    }

    public Task<StoredValue> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default) =>
        CreateAsync(key, value, leaseId: 0, cancellationToken);

    public async Task<StoredValue> CreateAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        var lease = await LeaseForAsync(timeToLive, cancellationToken).ConfigureAwait(false);
        return await CreateAsync(key, value, lease, cancellationToken).ConfigureAwait(false);
    }

    private async Task<StoredValue> CreateAsync(string key, ReadOnlyMemory<byte> value, long leaseId, CancellationToken cancellationToken)
    {
        var fullKey = FullKey(key);
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare
        {
            Key = fullKey,
            Target = Compare.Types.CompareTarget.Create,
            Result = Compare.Types.CompareResult.Equal,
            CreateRevision = 0,
        });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = fullKey, Value = ByteString.CopyFrom(value.Span), Lease = leaseId } });
        var response = await CallAsync(c => new KV.KVClient(c).TxnAsync(txn, deadline: Deadline(), cancellationToken: cancellationToken), key).ConfigureAwait(false);
        if (!response.Succeeded)
        {
            throw new StorageException(StorageErrorCode.AlreadyExists, key, $"key {key} already exists");
        }
        var revision = response.Header.Revision;
        return new StoredValue(key, value, revision, revision);
    }

    public async Task<StoredValue> PutAsync(string key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        var lease = await LeaseForAsync(timeToLive, cancellationToken).ConfigureAwait(false);
        var put = new PutRequest { Key = FullKey(key), Value = ByteString.CopyFrom(value.Span), Lease = lease, PrevKv = true };
        var response = await CallAsync(c => new KV.KVClient(c).PutAsync(put, deadline: Deadline(), cancellationToken: cancellationToken), key).ConfigureAwait(false);
        var revision = response.Header.Revision;
        return new StoredValue(key, value, revision, response.PrevKv?.CreateRevision ?? revision);
    }

    public async Task<StoredValue?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var response = await CallAsync(
            c => new KV.KVClient(c).RangeAsync(new RangeRequest { Key = FullKey(key) }, deadline: Deadline(), cancellationToken: cancellationToken),
            key).ConfigureAwait(false);
        return response.Kvs.Count == 0 ? null : ToStored(response.Kvs[0]);
    }

    public async Task<StoredList> ListAsync(string keyPrefix, CancellationToken cancellationToken = default)
    {
        var start = FullKey(keyPrefix);
        var response = await CallAsync(
            c => new KV.KVClient(c).RangeAsync(new RangeRequest { Key = start, RangeEnd = PrefixEnd(start) }, deadline: Deadline(), cancellationToken: cancellationToken),
            keyPrefix).ConfigureAwait(false);
        var items = new StoredValue[response.Kvs.Count];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = ToStored(response.Kvs[i]);
        }
        return new StoredList(items, response.Header.Revision);
    }

    public async Task<StoredList> ListAsync(string keyPrefix, long revision, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(revision);
        var start = FullKey(keyPrefix);
        RangeResponse response;
        try
        {
            response = await CallAsync(
                c => new KV.KVClient(c).RangeAsync(new RangeRequest { Key = start, RangeEnd = PrefixEnd(start), Revision = revision },
                    deadline: Deadline(), cancellationToken: cancellationToken),
                keyPrefix).ConfigureAwait(false);
        }
        catch (StorageException ex) when (ex.InnerException is RpcException { StatusCode: StatusCode.OutOfRange } rpc)
        {
            // etcd says "required revision has been compacted" or "required revision is a future revision".
            throw rpc.Status.Detail.Contains("compacted", StringComparison.Ordinal)
                ? new StorageException(StorageErrorCode.Gone, keyPrefix, $"revision {revision} has been compacted", ex)
                : new StorageException(StorageErrorCode.TooLarge, keyPrefix, $"revision {revision} is newer than the store's current revision", ex);
        }
        var items = new StoredValue[response.Kvs.Count];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = ToStored(response.Kvs[i]);
        }
        return new StoredList(items, revision);
    }

    public async Task<StoredValue> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken cancellationToken = default)
    {
        var fullKey = FullKey(key);
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare
        {
            Key = fullKey,
            Target = Compare.Types.CompareTarget.Mod,
            Result = Compare.Types.CompareResult.Equal,
            ModRevision = expectedRevision,
        });
        // IgnoreLease keeps the key's lease (if any), so an updated Event still expires.
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = fullKey, Value = ByteString.CopyFrom(value.Span), PrevKv = true, IgnoreLease = true } });
        // On failure read the current value in the same transaction: tells NotFound from Conflict without a race.
        txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = fullKey } });
        var response = await CallAsync(c => new KV.KVClient(c).TxnAsync(txn, deadline: Deadline(), cancellationToken: cancellationToken), key).ConfigureAwait(false);
        if (response.Succeeded)
        {
            var created = response.Responses[0].ResponsePut.PrevKv?.CreateRevision ?? response.Header.Revision;
            return new StoredValue(key, value, response.Header.Revision, created);
        }
        throw FailedPrecondition(key, response);
    }

    public async Task<StoredValue> DeleteAsync(string key, long? expectedRevision = null, CancellationToken cancellationToken = default)
    {
        var fullKey = FullKey(key);
        var txn = new TxnRequest();
        txn.Compare.Add(expectedRevision is { } rev
            ? new Compare { Key = fullKey, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = rev }
            : new Compare { Key = fullKey, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Greater, CreateRevision = 0 });
        txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = fullKey, PrevKv = true } });
        txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = fullKey } });
        var response = await CallAsync(c => new KV.KVClient(c).TxnAsync(txn, deadline: Deadline(), cancellationToken: cancellationToken), key).ConfigureAwait(false);
        if (response.Succeeded)
        {
            var prev = response.Responses[0].ResponseDeleteRange.PrevKvs;
            if (prev.Count == 0)
            {
                throw new StorageException(StorageErrorCode.NotFound, key, $"key {key} not found");
            }
            var old = ToStored(prev[0]);
            return old with { ModRevision = response.Header.Revision };
        }
        throw FailedPrecondition(key, response);
    }

    public async Task<long> CommitAsync(IReadOnlyList<StoreOperation> operations, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operations);
        if (operations.Count == 0)
        {
            return await GetRevisionAsync(cancellationToken).ConfigureAwait(false);
        }
        var txn = new TxnRequest();
        var checkedOps = new List<StoreOperation>();
        foreach (var op in operations)
        {
            var fullKey = FullKey(op.Key);
            switch (op.Kind)
            {
                case StoreOperationKind.Create:
                    txn.Compare.Add(new Compare
                    {
                        Key = fullKey, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0,
                    });
                    txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = fullKey, Value = ByteString.CopyFrom(op.Value.Span) } });
                    checkedOps.Add(op);
                    break;
                case StoreOperationKind.Update:
                    txn.Compare.Add(new Compare
                    {
                        Key = fullKey, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal,
                        ModRevision = op.ExpectedRevision ?? throw new ArgumentException($"update of {op.Key} needs an expected revision", nameof(operations)),
                    });
                    txn.Success.Add(new RequestOp
                    {
                        RequestPut = new PutRequest { Key = fullKey, Value = ByteString.CopyFrom(op.Value.Span), IgnoreLease = true },
                    });
                    checkedOps.Add(op);
                    break;
                case StoreOperationKind.Delete:
                    if (op.ExpectedRevision is { } rev)
                    {
                        txn.Compare.Add(new Compare
                        {
                            Key = fullKey, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = rev,
                        });
                        checkedOps.Add(op);
                    }
                    txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = fullKey } });
                    break;
            }
        }
        // On failure read every checked key in the same transaction, so the failing precondition is named without a race.
        foreach (var op in checkedOps)
        {
            txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = FullKey(op.Key) } });
        }
        var response = await CallAsync(c => new KV.KVClient(c).TxnAsync(txn, deadline: Deadline(), cancellationToken: cancellationToken), operations[0].Key)
            .ConfigureAwait(false);
        if (response.Succeeded)
        {
            return response.Header.Revision;
        }
        for (var i = 0; i < checkedOps.Count; i++)
        {
            var op = checkedOps[i];
            var kvs = response.Responses[i].ResponseRange.Kvs;
            switch (op.Kind)
            {
                case StoreOperationKind.Create when kvs.Count > 0:
                    throw new StorageException(StorageErrorCode.AlreadyExists, op.Key, $"key {op.Key} already exists") { Current = ToStoredStatic(kvs[0], op.Key) };
                case StoreOperationKind.Update or StoreOperationKind.Delete when kvs.Count == 0:
                    throw new StorageException(StorageErrorCode.NotFound, op.Key, $"key {op.Key} not found");
                case StoreOperationKind.Update or StoreOperationKind.Delete when kvs[0].ModRevision != op.ExpectedRevision:
                    throw new StorageException(StorageErrorCode.Conflict, op.Key, $"key {op.Key} was modified (now at revision {kvs[0].ModRevision})")
                    {
                        Current = ToStoredStatic(kvs[0], op.Key),
                    };
            }
        }
        throw new StorageException(StorageErrorCode.Conflict, operations[0].Key, "the transaction's preconditions failed");
    }

    public IAsyncEnumerable<StorageEvent> WatchAsync(string keyPrefix, long afterRevision, CancellationToken cancellationToken = default) =>
        WatchAsync(keyPrefix, afterRevision, progressNotify: false, cancellationToken);

    public async IAsyncEnumerable<StorageEvent> WatchAsync(
        string keyPrefix,
        long afterRevision,
        bool progressNotify,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var start = FullKey(keyPrefix);
        using var call = Call(c => new Watch.WatchClient(c).Watch(cancellationToken: cancellationToken), out var endpoint);
        try
        {
            await call.RequestStream.WriteAsync(new WatchRequest
            {
                CreateRequest = new WatchCreateRequest
                {
                    Key = start,
                    RangeEnd = PrefixEnd(start),
                    StartRevision = afterRevision + 1,
                    PrevKv = true,
                    ProgressNotify = progressNotify,
                },
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            throw WatchFailed(ex, endpoint, keyPrefix, $"watch on {keyPrefix} could not start", cancellationToken.IsCancellationRequested);
        }

        var stream = call.ResponseStream;
        while (true)
        {
            bool more;
            try
            {
                more = await stream.MoveNext(cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException ex)
            {
                throw WatchFailed(ex, endpoint, keyPrefix, $"watch on {keyPrefix} broke", cancellationToken.IsCancellationRequested);
            }
            if (!more)
            {
                throw new StorageException(StorageErrorCode.Unavailable, keyPrefix, $"watch on {keyPrefix} ended by the server");
            }

            var response = stream.Current;
            if (response.CompactRevision > 0)
            {
                throw new StorageException(StorageErrorCode.Gone, keyPrefix,
                    $"revision {afterRevision} has been compacted (compacted to {response.CompactRevision})")
                {
                    CompactRevision = response.CompactRevision,
                };
            }
            if (response.Canceled)
            {
                throw new StorageException(StorageErrorCode.Unavailable, keyPrefix, $"watch on {keyPrefix} canceled: {response.CancelReason}");
            }
            if (response.Events.Count == 0)
            {
                if (progressNotify && !response.Created)
                {
                    yield return new StorageEvent(StorageEventType.Progress, keyPrefix, default, default, response.Header.Revision, false);
                }
                continue;
            }
            foreach (var ev in response.Events)
            {
                var key = RelativeKey(ev.Kv.Key);
                var prev = ev.PrevKv is null ? ReadOnlyMemory<byte>.Empty : ev.PrevKv.Value.Memory;
                yield return ev.Type == Event.Types.EventType.Put
                    ? new StorageEvent(StorageEventType.Put, key, ev.Kv.Value.Memory, prev, ev.Kv.ModRevision, ev.Kv.CreateRevision == ev.Kv.ModRevision)
                    : new StorageEvent(StorageEventType.Delete, key, ReadOnlyMemory<byte>.Empty, prev, ev.Kv.ModRevision, false);
            }
        }
    }

    /// <summary>
    /// One lease per minute of expiry serves every key created in that minute (as Kubernetes does for Events), so
    /// thousands of Events cost a handful of leases.
    /// </summary>
    private async Task<long> LeaseForAsync(TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        // Buckets are a minute wide (or the TTL, if shorter): a key lives at most one bucket longer than asked.
        var width = Math.Max(TimeSpan.TicksPerSecond, Math.Min(TimeSpan.TicksPerMinute, timeToLive.Ticks));
        var bucket = (DateTime.UtcNow + timeToLive).Ticks / width;
        lock (_leases)
        {
            if (_leases.TryGetValue(bucket, out var cached))
            {
                return cached;
            }
        }
        var ttlSeconds = (long)Math.Ceiling(timeToLive.TotalSeconds + TimeSpan.FromTicks(width).TotalSeconds);
        var granted = await CallAsync(
            c => new Lease.LeaseClient(c).LeaseGrantAsync(new LeaseGrantRequest { TTL = ttlSeconds }, deadline: Deadline(), cancellationToken: cancellationToken),
            "").ConfigureAwait(false);
        lock (_leases)
        {
            foreach (var old in _leases.Keys.Where(k => k < bucket - 1).ToList())
            {
                _leases.Remove(old);
            }
            _leases.TryAdd(bucket, granted.ID);
            return _leases[bucket];
        }
    }

    public async Task<long> GetRevisionAsync(CancellationToken cancellationToken = default)
    {
        // A count-only range on a key that never exists is the cheapest way to read the header revision.
        var response = await CallAsync(
            c => new KV.KVClient(c).RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(_prefix + "\u0000revision"), CountOnly = true },
                deadline: Deadline(), cancellationToken: cancellationToken),
            "").ConfigureAwait(false);
        return response.Header.Revision;
    }

    public async Task CompactAsync(long revision, CancellationToken cancellationToken = default)
    {
        await CallAsync(
            c => new KV.KVClient(c).CompactAsync(new CompactionRequest { Revision = revision, Physical = true }, deadline: Deadline(), cancellationToken: cancellationToken),
            "").ConfigureAwait(false);
    }

    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
    }

    private static StorageException FailedPrecondition(string key, TxnResponse response)
    {
        var kvs = response.Responses[0].ResponseRange.Kvs;
        if (kvs.Count == 0)
        {
            return new StorageException(StorageErrorCode.NotFound, key, $"key {key} not found");
        }
        return new StorageException(StorageErrorCode.Conflict, key, $"key {key} was modified (now at revision {kvs[0].ModRevision})")
        {
            Current = ToStoredStatic(kvs[0], key),
        };
    }

    private StoredValue ToStored(KeyValue kv) => ToStoredStatic(kv, RelativeKey(kv.Key));

    private static StoredValue ToStoredStatic(KeyValue kv, string key) => new(key, kv.Value.Memory, kv.ModRevision, kv.CreateRevision);

    private ByteString FullKey(string key) => ByteString.CopyFromUtf8(_prefix + key);

    private string RelativeKey(ByteString fullKey)
    {
        var text = fullKey.ToStringUtf8();
        return text.StartsWith(_prefix, StringComparison.Ordinal) ? text[_prefix.Length..] : text;
    }

    private static ByteString PrefixEnd(ByteString prefix)
    {
        var bytes = prefix.ToByteArray();
        for (var i = bytes.Length - 1; i >= 0; i--)
        {
            if (bytes[i] < 0xff)
            {
                bytes[i]++;
                return ByteString.CopyFrom(bytes, 0, i + 1);
            }
        }
        return ByteString.CopyFrom(0); // whole keyspace
    }

    private DateTime Deadline() => DateTime.UtcNow + _options.RequestTimeout;

    private T Call<T>(Func<GrpcChannel, T> start, out int index)
    {
        index = Volatile.Read(ref _current);
        return start(_channels[index % _channels.Length]);
    }

    /// <summary>A call through endpoint <paramref name="index"/> found it unreachable: the next call goes to the next one.</summary>
    private void MoveOn(int index)
    {
        if (_channels.Length > 1)
        {
            Interlocked.CompareExchange(ref _current, index + 1, index);
        }
    }

    /// <summary>Runs a unary call, moving to the next endpoint when one is unreachable.</summary>
    private async Task<T> CallAsync<T>(Func<GrpcChannel, AsyncUnaryCall<T>> start, string key)
    {
        for (var attempt = 0; ; attempt++)
        {
            var index = Volatile.Read(ref _current);
            try
            {
                return await start(_channels[index % _channels.Length]).ResponseAsync.ConfigureAwait(false);
            }
            catch (RpcException ex) when (Unreachable(ex))
            {
                if (attempt + 1 >= _channels.Length)
                {
                    throw new StorageException(StorageErrorCode.Unavailable, key,
                        $"etcd unavailable at {string.Join(", ", _options.Endpoints)}: {ex.Status.Detail}", ex);
                }
                MoveOn(index);
            }
            catch (RpcException ex)
            {
                // A unary call is only cancelled by its caller's token.
                throw Translate(ex, key, $"etcd request for {key} failed", callerCancelled: ex.StatusCode == StatusCode.Cancelled);
            }
        }
    }

    /// <summary>
    /// The member did not answer: refused, timed out, or its connection torn down under the call (a ping not answered
    /// in time fails the call as Internal with the HTTP/2 error inside) — not an answer of etcd's own.
    /// </summary>
    private static bool Unreachable(RpcException ex) =>
        ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded
        || (ex.StatusCode == StatusCode.Internal && ex.Status.DebugException is HttpRequestException or HttpProtocolException or IOException);

    /// <summary>A watch that broke because its member is gone is resumed by the caller on the next member, not the same.</summary>
    private Exception WatchFailed(RpcException ex, int endpoint, string key, string what, bool callerCancelled)
    {
        var failure = Translate(ex, key, what, callerCancelled);
        if (failure is StorageException { Code: StorageErrorCode.Unavailable })
        {
            MoveOn(endpoint);
        }
        return failure;
    }

    /// <summary>
    /// An etcd call's failure in the store's own terms, so callers never see gRPC: a call its caller cancelled is an
    /// <see cref="OperationCanceledException"/>, an unreachable, cut or timed-out etcd <see cref="StorageErrorCode.Unavailable"/>,
    /// anything else etcd answered <see cref="StorageErrorCode.Failed"/>.
    /// </summary>
    private static Exception Translate(RpcException ex, string key, string what, bool callerCancelled) => ex.StatusCode switch
    {
        StatusCode.Cancelled when callerCancelled => new OperationCanceledException($"{what}: cancelled", ex),
        // etcd answers writes with "etcdserver: mvcc: database space exceeded" while its NOSPACE alarm is raised.
        StatusCode.ResourceExhausted when ex.Status.Detail.Contains("space exceeded", StringComparison.Ordinal) =>
            new StorageException(StorageErrorCode.QuotaExceeded, key, $"{what}: {ex.Status.Detail}", ex),
        StatusCode.Cancelled or StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Aborted or StatusCode.Internal or StatusCode.Unknown =>
            new StorageException(StorageErrorCode.Unavailable, key, $"{what}: {ex.Status.Detail}", ex),
        _ => new StorageException(StorageErrorCode.Failed, key, $"{what}: etcd answered {ex.StatusCode}: {ex.Status.Detail}", ex),
    };
}
