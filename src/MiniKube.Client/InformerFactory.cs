using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MiniKube.Api;

namespace MiniKube.Client;

/// <summary>
/// Hands out one shared informer per kind (and selector) per process, so every controller in a process reads the
/// same cache and the API server sees one watch per kind.
/// </summary>
public sealed class InformerFactory(MiniKubeClient client, TimeProvider? time = null, ILoggerFactory? loggers = null) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<(Type, InformerOptions), IInformer> _informers = new();
    private readonly ILoggerFactory _loggers = loggers ?? NullLoggerFactory.Instance;
    private bool _started;

    public MiniKubeClient Client => client;

    public Informer<T> For<T>(InformerOptions? options = null) where T : KubeObject
    {
        options ??= new InformerOptions();
        var informer = (Informer<T>)_informers.GetOrAdd((typeof(T), options), _ =>
            new Informer<T>(client, options, time, _loggers.CreateLogger($"MiniKube.Client.Informer.{typeof(T).Name}")));
        if (Volatile.Read(ref _started))
        {
            informer.Start();
        }
        return informer;
    }

    /// <summary>Starts every informer handed out so far, and any handed out later.</summary>
    public void Start()
    {
        Volatile.Write(ref _started, true);
        foreach (var informer in _informers.Values)
        {
            informer.Start();
        }
    }

    public async Task WaitForSyncAsync(CancellationToken cancellationToken = default)
    {
        foreach (var informer in _informers.Values)
        {
            await informer.WaitForSyncAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var informer in _informers.Values)
        {
            await informer.DisposeAsync().ConfigureAwait(false);
        }
    }
}
