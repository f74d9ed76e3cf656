using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MiniKube.Api;

namespace MiniKube.Client;

/// <summary>
/// How a component elects its leader, as Kubernetes' LeaderElectionConfiguration: each property is one of the
/// <c>--leader-elect*</c> flags <see cref="LeaderElectionFlags"/> binds, the same for the scheduler and the controller manager.
/// </summary>
public sealed record LeaderElectionOptions
{
    /// <summary><c>--leader-elect</c>: act only while holding the Lease; false runs at once (one instance only).</summary>
    public bool LeaderElect { get; init; } = true;

    /// <summary><c>--leader-elect-resource-namespace</c>: the Lease object contended for (e.g. <c>kube-system/kube-scheduler</c>).</summary>
    public string LeaseNamespace { get; init; } = "kube-system";

    /// <summary><c>--leader-elect-resource-name</c>.</summary>
    public string LeaseName { get; init; } = "";

    /// <summary>Who we are; unique per process (host name + random suffix by default).</summary>
    public string Identity { get; init; } = Environment.MachineName + "_" + Guid.NewGuid().ToString("N")[..8];

    /// <summary><c>--leader-elect-lease-duration</c>: how long a non-renewed lease stays valid; other candidates wait this long (Kubernetes: 15 s).</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary><c>--leader-elect-renew-deadline</c>: a leader that cannot renew within this long gives up (Kubernetes: 10 s).</summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary><c>--leader-elect-retry-period</c>: how often candidates try to acquire and leaders renew (Kubernetes: 2 s).</summary>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Give the lease up on shutdown so a standby takes over at once.</summary>
    public bool ReleaseOnCancel { get; init; } = true;

    /// <summary>Every problem with these options, each naming the flag to fix; none when <see cref="LeaderElect"/> is off.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!LeaderElect)
        {
            return problems;
        }
        if (LeaseDuration <= RenewDeadline)
        {
            problems.Add($"--leader-elect-lease-duration ({GoDuration.Format(LeaseDuration)}) must be greater than --leader-elect-renew-deadline ({GoDuration.Format(RenewDeadline)})");
        }
        if (RenewDeadline <= RetryPeriod)
        {
            problems.Add($"--leader-elect-renew-deadline ({GoDuration.Format(RenewDeadline)}) must be greater than --leader-elect-retry-period ({GoDuration.Format(RetryPeriod)})");
        }
        if (string.IsNullOrWhiteSpace(LeaseName) || string.IsNullOrWhiteSpace(LeaseNamespace))
        {
            problems.Add("--leader-elect-resource-name and --leader-elect-resource-namespace must not be empty");
        }
        return problems;
    }
}

/// <summary>
/// Leader election on a coordination.k8s.io Lease, as Kubernetes' components do it: acquire when the lease is free or
/// expired, renew every retry period, and stop leading — cancelling the leader's work at once — when renewal fails for
/// longer than the renew deadline. Writes carry the lease's resourceVersion, so two candidates never both win.
/// </summary>
public sealed partial class LeaderElector
{
    private readonly MiniKubeClient _client;
    private readonly LeaderElectionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private volatile bool _isLeader;

    public LeaderElector(MiniKubeClient client, LeaderElectionOptions options, TimeProvider? time = null, ILogger? logger = null)
    {
        // An elector always elects, whatever the flag says: check the timings it would run with.
        var problems = (options with { LeaderElect = true }).Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }
        _client = client;
        _options = options;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    public string Identity => _options.Identity;

    public bool IsLeader => _isLeader;

    /// <summary>
    /// Campaigns until leader, then runs <paramref name="lead"/> with a token cancelled the moment leadership is lost.
    /// Returns when leadership is lost (after <paramref name="lead"/> returned) or <paramref name="cancellationToken"/> ends.
    /// Kubernetes' components exit then; so should callers that cannot safely resume.
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task> lead, CancellationToken cancellationToken)
    {
        if (!await AcquireAsync(cancellationToken).ConfigureAwait(false))
        {
            return;
        }
        using var leading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var work = Task.Run(() => lead(leading.Token), CancellationToken.None);
        try
        {
            await RenewLoopAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _isLeader = false;
            await leading.CancelAsync().ConfigureAwait(false);
            try
            {
                await work.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The leader's work stopped because leadership ended.
            }
            if (cancellationToken.IsCancellationRequested && _options.ReleaseOnCancel)
            {
                await ReleaseAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<bool> AcquireAsync(CancellationToken ct)
    {
        LogCandidate(_logger, _options.Identity, _options.LeaseNamespace, _options.LeaseName);
        while (!ct.IsCancellationRequested)
        {
            if (await TryAcquireOrRenewAsync(ct).ConfigureAwait(false))
            {
                _isLeader = true;
                LogAcquired(_logger, _options.Identity, _options.LeaseNamespace, _options.LeaseName);
                return true;
            }
            try
            {
                await Task.Delay(_options.RetryPeriod, _time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
        return false;
    }

    private async Task RenewLoopAsync(CancellationToken ct)
    {
        var lastRenew = _time.GetUtcNow();
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.RetryPeriod, _time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (await TryAcquireOrRenewAsync(ct).ConfigureAwait(false))
            {
                lastRenew = _time.GetUtcNow();
                continue;
            }
            if (_time.GetUtcNow() - lastRenew >= _options.RenewDeadline || await LostToAnotherAsync(ct).ConfigureAwait(false))
            {
                LogLost(_logger, _options.Identity, _options.LeaseNamespace, _options.LeaseName);
                return;
            }
        }
    }

    private async Task<bool> LostToAnotherAsync(CancellationToken ct)
    {
        try
        {
            var lease = await _client.GetAsync<Lease>(_options.LeaseName, _options.LeaseNamespace, ct).ConfigureAwait(false);
            return lease.Spec?.HolderIdentity is { Length: > 0 } holder && holder != _options.Identity;
        }
        catch (ApiException)
        {
            return false;
        }
    }

    /// <summary>One attempt: create the lease, renew ours, or take over an expired one. False when someone else holds it or the write lost a race.</summary>
    private async Task<bool> TryAcquireOrRenewAsync(CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        try
        {
            Lease? current;
            try
            {
                current = await _client.GetAsync<Lease>(_options.LeaseName, _options.LeaseNamespace, ct).ConfigureAwait(false);
            }
            catch (ApiException ex) when (ex.IsNotFound)
            {
                current = null;
            }

            var durationSeconds = (int)Math.Ceiling(_options.LeaseDuration.TotalSeconds);
            if (current is null)
            {
                await _client.CreateAsync(new Lease
                {
                    Metadata = new ObjectMeta { Name = _options.LeaseName, Namespace = _options.LeaseNamespace },
                    Spec = new LeaseSpec
                    {
                        HolderIdentity = _options.Identity,
                        LeaseDurationSeconds = durationSeconds,
                        AcquireTime = now,
                        RenewTime = now,
                        LeaseTransitions = 0,
                    },
                }, ct).ConfigureAwait(false);
                return true;
            }

            var spec = current.Spec ?? new LeaseSpec();
            var ours = spec.HolderIdentity == _options.Identity;
            var held = !string.IsNullOrEmpty(spec.HolderIdentity);
            var expiry = (spec.RenewTime ?? DateTimeOffset.MinValue) + TimeSpan.FromSeconds(spec.LeaseDurationSeconds ?? durationSeconds);
            if (!ours && held && expiry > now)
            {
                return false;
            }
            var next = spec with
            {
                HolderIdentity = _options.Identity,
                LeaseDurationSeconds = durationSeconds,
                RenewTime = now,
                AcquireTime = ours ? spec.AcquireTime : now,
                LeaseTransitions = ours ? spec.LeaseTransitions : (spec.LeaseTransitions ?? 0) + 1,
            };
            await _client.UpdateAsync(current with { Spec = next }, ct).ConfigureAwait(false);
            return true;
        }
        catch (ApiException ex) when (ex.IsConflict || ex.IsAlreadyExists)
        {
            return false;
        }
        catch (ApiException ex)
        {
            LogError(_logger, _options.LeaseNamespace, _options.LeaseName, ex.Message);
            return false;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task ReleaseAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            var lease = await _client.GetAsync<Lease>(_options.LeaseName, _options.LeaseNamespace, cts.Token).ConfigureAwait(false);
            if (lease.Spec?.HolderIdentity != _options.Identity)
            {
                return;
            }
            await _client.UpdateAsync(lease with { Spec = lease.Spec with { HolderIdentity = null, RenewTime = _time.GetUtcNow() } }, cts.Token)
                .ConfigureAwait(false);
            LogReleased(_logger, _options.Identity, _options.LeaseNamespace, _options.LeaseName);
        }
        catch (Exception ex) when (ex is ApiException or OperationCanceledException)
        {
            // Best effort: the lease expires on its own.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Identity} is a candidate for lease {Namespace}/{Lease}")]
    private static partial void LogCandidate(ILogger logger, string identity, string @namespace, string lease);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Identity} acquired lease {Namespace}/{Lease}")]
    private static partial void LogAcquired(ILogger logger, string identity, string @namespace, string lease);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Identity} lost lease {Namespace}/{Lease}")]
    private static partial void LogLost(ILogger logger, string identity, string @namespace, string lease);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Identity} released lease {Namespace}/{Lease}")]
    private static partial void LogReleased(ILogger logger, string identity, string @namespace, string lease);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lease {Namespace}/{Lease}: {Reason}")]
    private static partial void LogError(ILogger logger, string @namespace, string lease, string reason);
}
