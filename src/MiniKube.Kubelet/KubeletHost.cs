using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Kubelet;

/// <summary>The kubelet could not start (Docker unreachable, port taken …); the message says what to fix.</summary>
public sealed class KubeletStartException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A whole kubelet process, hostable in-process (tests) or from Program.cs: one API client, one pod informer
/// (field selector <c>spec.nodeName=&lt;node&gt;</c>, or unfiltered and shared by all hollow nodes), a node agent per
/// node and the kubelet HTTP server.
/// </summary>
public sealed partial class KubeletHost : IAsyncDisposable
{
    private readonly KubeletOptions _options;
    private readonly ILoggerFactory _loggers;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly List<NodeAgent> _agents = [];
    private MiniKubeClient? _client;
    private Informer<Pod>? _informer;
    private Informer<Service>? _services;
    private KubeletApi? _server;

    private KubeletHost(KubeletOptions options, ILoggerFactory loggers, TimeProvider time)
    {
        _options = options;
        _loggers = loggers;
        _time = time;
        _logger = loggers.CreateLogger<KubeletHost>();
    }

    public KubeletOptions Options => _options;

    public IReadOnlyList<string> NodeNames => _options.NodeNames();

    /// <summary>The kubelet HTTP port actually bound (valid after start).</summary>
    public int Port => _server?.Port ?? 0;

    internal IReadOnlyList<NodeAgent> Agents => _agents;

    /// <summary>Test seam, set before <see cref="StartAsync"/>: see <see cref="NodeStatusReporter.BeforeReRegisterUpdate"/>.</summary>
    internal Func<string, CancellationToken, Task>? BeforeNodeReRegisterUpdate { get; set; }

    /// <summary>Validates the options (throws <see cref="ArgumentException"/> listing every problem) and builds the host.</summary>
    public static KubeletHost Create(KubeletOptions options, ILoggerFactory? loggers = null, TimeProvider? time = null)
    {
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }
        return new KubeletHost(options, loggers ?? NullLoggerFactory.Instance, time ?? TimeProvider.System);
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        _client = new MiniKubeClient(_options.Server, _options.Credentials);
        var simulated = _options.Runtime == RuntimeKinds.Simulated;
        var names = _options.NodeNames();
        _informer = new Informer<Pod>(_client, new InformerOptions
        {
            // Hollow nodes share one unfiltered informer; each agent picks its own pods by spec.nodeName.
            FieldSelector = names.Count == 1 ? "spec.nodeName=" + names[0] : null,
        }, _time, _loggers.CreateLogger<Informer<Pod>>());
        // Every Service of the cluster, for the containers' Service environment variables (Kubernetes' kubelet watches them
        // too). Hollow nodes run no processes and get none.
        _services = simulated ? null : new Informer<Service>(_client, new InformerOptions(), _time, _loggers.CreateLogger<Informer<Service>>());
        foreach (var node in names)
        {
            IContainerRuntime runtime = simulated
                ? new SimulatedRuntime(_options.SimulatedStartDelay, _time)
                : new DeadlineRuntime(new DockerRuntime(new Uri(_options.DockerEndpoint), node, _options.ImagePullTimeout, _time),
                    _options.RuntimeRequestTimeout, _options.ImagePullTimeout, _time);
            if (!simulated && _agents.Count == 0)
            {
                try
                {
                    var version = await runtime.GetVersionAsync(cancellationToken).ConfigureAwait(false);
                    LogRuntime(_logger, version, _options.DockerEndpoint);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    await runtime.DisposeAsync().ConfigureAwait(false);
                    throw new KubeletStartException($"cannot reach Docker at {_options.DockerEndpoint}: {ex.Message} (is dockerd running? set --docker-endpoint)", ex);
                }
            }
            var agent = new NodeAgent(node, _options, _client, _informer, runtime, probesEnabled: !simulated, () => Port, _time, _loggers, _services);
            if (BeforeNodeReRegisterUpdate is { } hook)
            {
                agent.Status.BeforeReRegisterUpdate = c => hook(node, c);
            }
            _agents.Add(agent);
        }
        _server = new KubeletApi(_options, _agents, _loggers, _time, _client);
        try
        {
            await _server.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            throw new KubeletStartException($"cannot listen on {_options.BindAddress}:{_options.Port}: {ex.Message} (set --port, 0 picks a free one)", ex);
        }
        _informer.Start();
        _services?.Start();
        foreach (var agent in _agents)
        {
            await RegisterWithRetryAsync(agent, cancellationToken).ConfigureAwait(false);
        }
        LogStarted(_logger, string.Join(", ", names), Port, _options.Runtime);
    }

    /// <summary>How long <see cref="ShutdownAsync"/> waits for the loops to stop before giving up on them.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The process is told to stop (SIGTERM/SIGINT): stops every loop, leaving the pods' containers running, as a real
    /// kubelet does. Bounded by <see cref="ShutdownTimeout"/> so that a hung Docker or API call cannot keep the process alive.
    /// </summary>
    public async Task ShutdownAsync(string reason)
    {
        LogShuttingDown(_logger, reason);
        var stopped = DisposeAsync().AsTask();
        if (await Task.WhenAny(stopped, Task.Delay(ShutdownTimeout, _time, CancellationToken.None)).ConfigureAwait(false) != stopped)
        {
            LogShutdownSlow(_logger, ShutdownTimeout);
            return;
        }
        LogShutDown(_logger);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in _agents)
        {
            await agent.DisposeAsync().ConfigureAwait(false);
        }
        _agents.Clear();
        if (_informer is not null)
        {
            await _informer.DisposeAsync().ConfigureAwait(false);
        }
        if (_services is not null)
        {
            await _services.DisposeAsync().ConfigureAwait(false);
        }
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
        _client?.Dispose();
    }

    /// <summary>First delay between registration attempts; it doubles up to <see cref="RegisterMaxBackoff"/> (Kubernetes: 100 ms to 7 s).</summary>
    internal static readonly TimeSpan RegisterInitialBackoff = TimeSpan.FromMilliseconds(200);

    internal static readonly TimeSpan RegisterMaxBackoff = TimeSpan.FromSeconds(7);

    /// <summary>
    /// Registers the node as Kubernetes' kubelet does (<c>registerWithAPIServer</c>): an attempt that fails for a reason that
    /// can pass — the API server unavailable, or a Conflict because another writer (the node lifecycle controller, a user's
    /// label) updated the Node between our read and our update, or deleted it — is retried after a capped exponential back-off, and every
    /// attempt reads the Node afresh. Only cancellation (or an error that retrying cannot fix) ends it.
    /// </summary>
    private async Task RegisterWithRetryAsync(NodeAgent agent, CancellationToken ct)
    {
        var delay = RegisterInitialBackoff;
        while (true)
        {
            try
            {
                await agent.StartAsync(ct).ConfigureAwait(false);
                return;
            }
            catch (ApiException ex) when (ex.IsConflict || ex.IsNotFound || ex.Code is 503 or 504 or 500)
            {
                LogRegisterRetry(_logger, agent.NodeName, delay, ex.Message);
                await Task.Delay(delay, _time, ct).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, RegisterMaxBackoff.Ticks));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Container runtime {Version} at {Endpoint}")]
    private static partial void LogRuntime(ILogger logger, string version, string endpoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kubelet running for node(s) {Nodes}; HTTP on port {Port}; runtime {Runtime}")]
    private static partial void LogStarted(ILogger logger, string nodes, int port, string runtime);

    [LoggerMessage(Level = LogLevel.Information, Message = "Shutting down on {Reason}: stopping pod workers, probes, stats and node status; pod containers keep running")]
    private static partial void LogShuttingDown(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kubelet stopped")]
    private static partial void LogShutDown(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping took longer than {Timeout}; exiting anyway")]
    private static partial void LogShutdownSlow(ILogger logger, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not register node {Node} yet, retrying in {Delay}: {Reason}")]
    private static partial void LogRegisterRetry(ILogger logger, string node, TimeSpan delay, string reason);
}
