using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net.Dns;

namespace MiniKube.Proxy;

/// <summary>
/// The encoded UDP answers of the cluster DNS, keyed by the query's bytes after its ID (flags, question, EDNS: everything
/// the answer depends on besides the cluster's Services and EndpointSlices). Any change to those invalidates every entry:
/// an answer computed while a change arrived carries the older generation and is never served. A hit is the cached answer
/// with the query's ID, so a repeated query costs one lookup instead of a parse, a resolve and an encode.
/// </summary>
public sealed class DnsAnswerCache(int capacity = 4096)
{
    private readonly ConcurrentDictionary<byte[], Entry> _entries = new(KeyComparer.Instance);
    private long _generation;

    private sealed record Entry(long Generation, byte[] Answer);

    public long Generation => Interlocked.Read(ref _generation);

    public int Count => _entries.Count;

    /// <summary>Forgets every answer (a Service or EndpointSlice changed).</summary>
    public void Invalidate()
    {
        Interlocked.Increment(ref _generation);
        _entries.Clear();
    }

    /// <summary>Writes the cached answer to <paramref name="query"/> (with its ID) into <paramref name="answer"/>; 0 when none.</summary>
    public int TryAnswer(ReadOnlySpan<byte> query, Span<byte> answer)
    {
        if (query.Length < 12 || !_entries.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(query[2..], out var entry)
            || entry.Generation != Generation || entry.Answer.Length > answer.Length)
        {
            return 0;
        }
        entry.Answer.CopyTo(answer);
        query[..2].CopyTo(answer);
        return entry.Answer.Length;
    }

    /// <summary>Remembers the answer to <paramref name="query"/>, computed from the state of <paramref name="generation"/>.</summary>
    public void Add(ReadOnlySpan<byte> query, long generation, ReadOnlySpan<byte> answer)
    {
        if (query.Length < 12 || answer.Length < 12 || generation != Generation)
        {
            return;
        }
        if (_entries.Count >= capacity)
        {
            _entries.Clear();
        }
        _entries[query[2..].ToArray()] = new Entry(generation, answer.ToArray());
    }

    private sealed class KeyComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly KeyComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => Hash(obj);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

        private static int Hash(ReadOnlySpan<byte> bytes)
        {
            var hash = new HashCode();
            hash.AddBytes(bytes);
            return hash.ToHashCode();
        }
    }
}

/// <summary>
/// ARSoft.Tools.Net's UDP server transport with <see cref="DnsAnswerCache"/> in front: a query whose answer is cached is
/// answered in the receive loop; any other becomes a connection that the DNS server parses, resolves and encodes as usual,
/// and whose encoded answer is cached on the way out.
/// </summary>
public sealed class CachingUdpServerTransport(IPEndPoint endpoint, DnsAnswerCache cache) : IServerTransport
{
    private const int HeaderLength = 2;
    private readonly Socket _socket = new(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
    private readonly byte[] _answer = new byte[ushort.MaxValue];

    public ushort DefaultAllowedResponseSize => 512;

    public bool SupportsMultipleResponses => false;

    public bool AllowTruncatedResponses => true;

    public TransportProtocol TransportProtocol => TransportProtocol.Udp;

    public void Bind() => _socket.Bind(endpoint);

    public void Close() => _socket.Close();

    public void Dispose() => _socket.Dispose();

    public async Task<IServerConnection?> AcceptConnectionAsync(CancellationToken token = default)
    {
        // One accept loop runs per transport, so the answer buffer is never shared.
        var any = new IPEndPoint(endpoint.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);
        while (!token.IsCancellationRequested)
        {
            var buffer = new byte[DefaultAllowedResponseSize + HeaderLength];
            SocketReceiveFromResult received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer.AsMemory(HeaderLength), SocketFlags.None, any, token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                // As ARSoft's own UDP transport: no connection this time; the server's loop stops once cancelled.
                return null;
            }
            var remote = (IPEndPoint)received.RemoteEndPoint;
            var query = buffer.AsMemory(HeaderLength, received.ReceivedBytes);
            var cached = cache.TryAnswer(query.Span, _answer);
            if (cached > 0)
            {
                try
                {
                    await _socket.SendToAsync(_answer.AsMemory(0, cached), SocketFlags.None, remote, token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
                {
                    return null;
                }
                continue;
            }
            buffer[0] = (byte)(received.ReceivedBytes >> 8);
            buffer[1] = (byte)received.ReceivedBytes;
            return new Connection(this, new DnsReceivedRawPackage(buffer, remote, endpoint), query, cache.Generation);
        }
        return null;
    }

    private sealed class Connection(CachingUdpServerTransport transport, DnsReceivedRawPackage package, ReadOnlyMemory<byte> query, long generation)
        : IServerConnection
    {
        public IServerTransport Transport => transport;

        public IPEndPoint RemoteEndPoint => package.RemoteEndpoint;

        public IPEndPoint LocalEndPoint => package.LocalEndpoint;

        public bool CanRead { get; private set; } = true;

        public Task<bool> InitializeAsync(CancellationToken token) => Task.FromResult(true);

        public Task<DnsReceivedRawPackage?> ReceiveAsync(CancellationToken token)
        {
            CanRead = false;
            return Task.FromResult<DnsReceivedRawPackage?>(package);
        }

        public async Task<bool> SendAsync(DnsRawPackage answer, CancellationToken token = default)
        {
            var bytes = answer.ToArraySegment(false);
            transport.Cache.Add(query.Span, generation, bytes);
            try
            {
                return await transport._socket.SendToAsync(bytes, SocketFlags.None, RemoteEndPoint, token).ConfigureAwait(false) == answer.Length;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return false;
            }
        }

        public void Dispose()
        {
        }
    }

    private DnsAnswerCache Cache => cache;
}
