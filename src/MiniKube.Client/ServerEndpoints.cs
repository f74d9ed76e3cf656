using Grpc.Net.Client;

namespace MiniKube.Client;

/// <summary>
/// The API servers a client may use (<c>--server URL,URL,…</c>), one gRPC channel each, and which of them is current.
/// Calls go to the current one; a call that fails in a way that allows it moves the client on to the next (see
/// <see cref="Failover"/>). The client stays on a server that works: it does not go back to the first one.
/// </summary>
internal sealed class ServerEndpoints : IDisposable
{
    private readonly GrpcChannel[] _channels;
    private int _current;

    public ServerEndpoints(IReadOnlyList<string> urls, Func<string, GrpcChannel> open)
    {
        Urls = urls;
        _channels = urls.Select(open).ToArray();
    }

    public IReadOnlyList<string> Urls { get; }

    public int Count => _channels.Length;

    /// <summary>The index of the current server; pass it to <see cref="MoveOnFrom"/> after a failed call.</summary>
    public int Current => Volatile.Read(ref _current);

    public GrpcChannel Channel(int index) => _channels[index];

    /// <summary>
    /// Makes the server after <paramref name="failed"/> current, unless another call already moved on from it (then that
    /// choice stands, so concurrent failures of one server skip it only once). Returns the index to use next.
    /// </summary>
    public int MoveOnFrom(int failed)
    {
        var next = (failed + 1) % _channels.Length;
        var seen = Interlocked.CompareExchange(ref _current, next, failed);
        return seen == failed ? next : seen;
    }

    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
    }
}
