using Microsoft.Extensions.Logging;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Controllers.ServiceAccounts;

/// <summary>
/// Kubernetes' serviceaccount controller: every active namespace has a <c>default</c> ServiceAccount; one that goes missing
/// (deleted by hand) is created again. Namespaces being deleted are left alone, so the namespace controller can empty them.
/// </summary>
public sealed partial class ServiceAccountController : IController, IReconciler, IDisposable
{
    public const string ControllerName = "serviceaccount";

    private readonly ControllerContext _ctx;
    private readonly InformerCache<Namespace> _namespaces;
    private readonly InformerCache<ServiceAccount> _serviceAccounts;
    private readonly ILogger _logger;
    private readonly ControllerRunner _runner;

    public ServiceAccountController(ControllerContext ctx, int workers = 1)
    {
        _ctx = ctx;
        _logger = ctx.Loggers.CreateLogger<ServiceAccountController>();
        var namespaces = ctx.Informers.For<Namespace>();
        var serviceAccounts = ctx.Informers.For<ServiceAccount>();
        _namespaces = namespaces.Cache;
        _serviceAccounts = serviceAccounts.Cache;
        _runner = new ControllerRunner(Name, this, workers, ctx.Time, _logger);
        namespaces.AddHandler(onAdd: ns => _runner.Enqueue(ns.Metadata.Name!), onUpdate: (_, ns) => _runner.Enqueue(ns.Metadata.Name!));
        serviceAccounts.AddHandler(onDelete: sa =>
        {
            if (sa.Metadata.Name == ServiceAccount.DefaultName && sa.Metadata.Namespace is { } ns)
            {
                _runner.Enqueue(ns);
            }
        });
    }

    public string Name => ControllerName;

    public WorkQueue<string> Queue => _runner.Queue;

    public Task RunAsync(CancellationToken cancellationToken) => _runner.RunAsync(cancellationToken);

    public void Dispose() => _runner.Dispose();

    /// <summary>The key is a namespace name.</summary>
    public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        var ns = _namespaces.Get(key);
        if (ns is null || Owners.IsBeingDeleted(ns) || ns.Status?.Phase == NamespacePhase.Terminating)
        {
            return ReconcileResult.Done;
        }
        if (_serviceAccounts.Get(key, ServiceAccount.DefaultName) is not null)
        {
            return ReconcileResult.Done;
        }
        try
        {
            await _ctx.Client.CreateAsync(new ServiceAccount { Metadata = new ObjectMeta { Name = ServiceAccount.DefaultName, Namespace = key } }, cancellationToken)
                .ConfigureAwait(false);
            LogCreated(_logger, key);
        }
        catch (ApiException ex) when (ex.IsAlreadyExists)
        {
            // The cache has not seen it yet.
        }
        catch (ApiException ex) when (ex.Code == 403 && ex.Message.Contains("being terminated", StringComparison.Ordinal))
        {
            // The namespace started terminating after the cache saw it.
        }
        return ReconcileResult.Done;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the default ServiceAccount in namespace {Namespace}")]
    private static partial void LogCreated(ILogger logger, string @namespace);
}
