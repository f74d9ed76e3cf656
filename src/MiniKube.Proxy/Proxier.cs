using System.Diagnostics;
using Microsoft.Extensions.Logging;
using MiniKube.Api;

namespace MiniKube.Proxy;

/// <summary>What one sync wrote: the service ports it programmed, whether it was a full sync, and how long it took.</summary>
public sealed record SyncResult(IReadOnlyList<ServicePortModel> Ports, bool Full, int ChainsWritten, int ChainsDeleted, TimeSpan Duration, TimeSpan Cpu);

/// <summary>
/// Makes iptables match the Services and EndpointSlices: each sync computes every chain of ours, then writes with one
/// <c>iptables-restore --noflush</c> the chains whose rules changed (a full sync writes all of them, checks the jump rules,
/// bridge, route and route_localnet, and deletes chains of ours that should not exist — repairing drift) and deletes the
/// chains that are no longer needed.
/// </summary>
public sealed partial class Proxier(
    ProxyRules rules, Iptables iptables, ServiceBridge bridge, Func<(IEnumerable<Service> Services, IEnumerable<EndpointSlice> Slices)> snapshot,
    ServiceCidr range, ILogger logger)
{
    private readonly Dictionary<string, ChainContent> _written = new(StringComparer.Ordinal);
    private long _syncs;

    /// <summary>Raised after every successful sync (on the sync loop: keep it quick).</summary>
    public event Action<SyncResult>? Synced;

    public long Syncs => Interlocked.Read(ref _syncs);

    public async Task SyncAsync(bool full, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var (services, slices) = snapshot();
        var ports = ServiceModel.Build(services, slices, range);
        var desired = rules.Chains(ports);
        var desiredKeys = desired.Select(c => c.Key).ToHashSet(StringComparer.Ordinal);
        var delete = new HashSet<(string Table, string Chain)>();
        List<ChainContent> write;
        if (full)
        {
            if (await bridge.EnsureAsync(cancellationToken).ConfigureAwait(false))
            {
                LogBridgeRepaired(logger);
            }
            await bridge.EnsureRouteLocalnetAsync(cancellationToken).ConfigureAwait(false);
            foreach (var table in new[] { ProxyRules.Filter, ProxyRules.Nat })
            {
                var save = await iptables.SaveAsync(table, cancellationToken).ConfigureAwait(false);
                foreach (var chain in Iptables.ChainsIn(save).Where(rules.IsOurs))
                {
                    if (!desiredKeys.Contains(table + "/" + chain))
                    {
                        delete.Add((table, chain));
                    }
                }
            }
            write = [.. desired];
        }
        else
        {
            write = [.. desired.Where(c => !_written.TryGetValue(c.Key, out var old) || !old.Rules.SequenceEqual(c.Rules, StringComparer.Ordinal))];
        }
        foreach (var old in _written.Values)
        {
            if (!desiredKeys.Contains(old.Key))
            {
                delete.Add((old.Table, old.Chain));
            }
        }
        if (write.Count > 0 || delete.Count > 0)
        {
            try
            {
                await iptables.RestoreAsync(ProxyRules.RestoreText(write, delete), cancellationToken).ConfigureAwait(false);
            }
            catch (HostCommandException)
            {
                // What is there is unknown now: the next (full) sync rewrites everything.
                _written.Clear();
                throw;
            }
        }
        if (full)
        {
            // Jump rules last: their targets exist now.
            foreach (var jump in rules.JumpRules())
            {
                if (await iptables.EnsureAsync(jump, cancellationToken).ConfigureAwait(false))
                {
                    LogJumpInserted(logger, jump.ToString());
                }
            }
            _written.Clear();
        }
        foreach (var (table, chain) in delete)
        {
            _written.Remove(table + "/" + chain);
        }
        foreach (var chain in write)
        {
            _written[chain.Key] = chain;
        }
        Interlocked.Increment(ref _syncs);
        var result = new SyncResult(ports, full, write.Count, delete.Count, clock.Elapsed, Process.GetCurrentProcess().TotalProcessorTime - cpuBefore);
        LogSynced(logger, full ? "full" : "partial", ports.Count, write.Count, delete.Count, clock.Elapsed.TotalMilliseconds);
        LogSyncDetail(logger, string.Join(",", write.Select(c => c.Key)), string.Join(",", delete));
        Synced?.Invoke(result);
    }

    /// <summary>
    /// Removes every jump rule to a chain of ours from the built-in chains, then every chain of ours — whatever flags the
    /// proxy that made them ran with.
    /// </summary>
    public static async Task<int> CleanupAsync(ProxyRules rules, Iptables iptables, CancellationToken cancellationToken)
    {
        var removed = 0;
        foreach (var table in new[] { ProxyRules.Filter, ProxyRules.Nat })
        {
            var save = await iptables.SaveAsync(table, cancellationToken).ConfigureAwait(false);
            foreach (var (chain, arguments) in Iptables.RulesIn(save))
            {
                var jumps = arguments.Select((a, i) => (a, i)).Any(x => x.a is "-j" or "-g" && x.i + 1 < arguments.Count && rules.IsOurs(arguments[x.i + 1]));
                if (!rules.IsOurs(chain) && jumps)
                {
                    await iptables.DeleteAsync(new JumpRule(table, chain, arguments), cancellationToken).ConfigureAwait(false);
                    removed++;
                }
            }
            var ours = Iptables.ChainsIn(save).Where(rules.IsOurs).Select(c => (table, c)).ToList();
            if (ours.Count > 0)
            {
                await iptables.RestoreAsync(ProxyRules.RestoreText([], ours), cancellationToken).ConfigureAwait(false);
                removed += ours.Count;
            }
        }
        return removed;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Synced ({Kind}): {Ports} service ports, {Written} chains written, {Deleted} deleted in {Milliseconds:0.0} ms")]
    private static partial void LogSynced(ILogger logger, string kind, int ports, int written, int deleted, double milliseconds);

    [LoggerMessage(Level = LogLevel.Trace, Message = "Sync wrote {Written}; deleted {Deleted}")]
    private static partial void LogSyncDetail(ILogger logger, string written, string deleted);

    [LoggerMessage(Level = LogLevel.Information, Message = "Inserted jump rule {Rule}")]
    private static partial void LogJumpInserted(ILogger logger, string rule);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The service bridge or its route was missing and has been restored")]
    private static partial void LogBridgeRepaired(ILogger logger);
}
