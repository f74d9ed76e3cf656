using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Proxy;

/// <summary>
/// What one sync wrote: the service ports it programmed, whether it was a full rewrite, the chains written and deleted, how
/// long it took and the CPU the proxy process used meanwhile; <paramref name="Repaired"/> is set when the sync applied a
/// drift check (the chains it found changed by hand and rewrote).
/// </summary>
public sealed record SyncResult(IReadOnlyList<ServicePortModel> Ports, bool Full, int ChainsWritten, int ChainsDeleted, TimeSpan Duration, TimeSpan Cpu,
    int? Repaired = null, TimeSpan? CheckDuration = null);

/// <summary>
/// Makes iptables match the Services and EndpointSlices, as kube-proxy's iptables mode does with minimal restores. Informer
/// events mark services changed (<see cref="Changed"/>); a sync recomputes the rules of those services only, and writes with
/// one <c>iptables-restore --noflush</c> the chains whose rules changed (their own chains, and the shared services /
/// node-ports / reject chains when their lines changed), deleting the chains no longer needed. The first sync, and the one
/// after a failed restore, rewrites every chain and deletes every chain of ours that should not exist. A periodic full sync
/// checks the bridge, route, route_localnet and jump rules and dumps our chains in the background (at 10,000 endpoints the
/// dump takes seconds, and changes must not wait for it); the next sync after it finished (a change's, or at the latest the
/// next periodic one: no sync of its own, which would take a token a change may need) rewrites the chains the dump shows
/// changed by hand.
/// </summary>
public sealed partial class Proxier(
    ProxyRules rules, Iptables iptables, ServiceBridge bridge, IServiceLookup lookup, Func<IEnumerable<Service>> services,
    ServiceCidr range, ILogger logger)
{
    private static readonly string[] Tables = [ProxyRules.Filter, ProxyRules.Nat];
    private readonly ConcurrentDictionary<string, byte> _changed = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, ServiceRules> _services = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ChainContent> _written = new(StringComparer.Ordinal);
    /// <summary>The sync (sequence number) that last wrote or deleted each chain.</summary>
    private readonly Dictionary<string, long> _writtenAt = new(StringComparer.Ordinal);
    private long _sequence;
    private Task<ChainSnapshot?>? _check;
    private long _syncs;

    private sealed record ServiceRules(IReadOnlyList<ServicePortModel> Ports, IReadOnlyList<ServicePortRules> Rules);

    /// <summary>Raised after every successful sync (on the sync loop: keep it quick).</summary>
    public event Action<SyncResult>? Synced;

    public long Syncs => Interlocked.Read(ref _syncs);

    /// <summary>Marks a service (namespace/name) as changed: the next sync recomputes its rules.</summary>
    public void Changed(string ns, string name) => _changed[ObjectKeys.For(ns, name)] = 0;

    public async Task SyncAsync(bool full, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var rewrite = full && _written.Count == 0;
        var write = new Dictionary<string, ChainContent>(StringComparer.Ordinal);
        var delete = new HashSet<(string Table, string Chain)>();
        var shared = Array.Empty<ChainContent>();
        int? repaired = null;
        ChainSnapshot? applied = null;
        if (rewrite)
        {
            if (await bridge.EnsureAsync(cancellationToken).ConfigureAwait(false))
            {
                LogBridgeRepaired(logger);
            }
            await bridge.EnsureRouteLocalnetAsync(cancellationToken).ConfigureAwait(false);
            _changed.Clear();
            _services.Clear();
            foreach (var svc in services())
            {
                Recompute(ObjectKeys.For(svc.Metadata.Namespace, svc.Metadata.Name ?? ""));
            }
            shared = [.. rules.SharedChains(AllPortRules())];
            var desired = Desired(shared);
            foreach (var chain in desired.Values)
            {
                write[chain.Key] = chain;
            }
            var snapshot = await DumpAsync(0, cancellationToken).ConfigureAwait(false);
            foreach (var key in snapshot.Keys.Where(k => !desired.ContainsKey(k)))
            {
                delete.Add(Split(key));
            }
        }
        else
        {
            foreach (var key in TakeChanged())
            {
                var before = _services.GetValueOrDefault(key);
                var after = Recompute(key);
                var keep = new HashSet<string>(StringComparer.Ordinal);
                foreach (var chain in after?.Rules.SelectMany(r => r.Chains) ?? [])
                {
                    keep.Add(chain.Key);
                    if (!Same(chain))
                    {
                        write[chain.Key] = chain;
                    }
                }
                foreach (var chain in before?.Rules.SelectMany(r => r.Chains) ?? [])
                {
                    if (!keep.Contains(chain.Key))
                    {
                        delete.Add((chain.Table, chain.Chain));
                    }
                }
            }
            shared = [.. rules.SharedChains(AllPortRules())];
            foreach (var chain in shared.Where(c => !Same(c)))
            {
                write[chain.Key] = chain;
            }
            if (_check is { IsCompleted: true } check)
            {
                _check = null;
                applied = await check.ConfigureAwait(false);
                if (applied is not null)
                {
                    repaired = Repair(applied, Desired(shared), write, delete);
                }
            }
        }
        if (write.Count > 0 || delete.Count > 0)
        {
            try
            {
                await iptables.RestoreAsync(ProxyRules.RestoreText(write.Values, delete), cancellationToken).ConfigureAwait(false);
            }
            catch (HostCommandException)
            {
                // What is there is unknown now: the next (full) sync rewrites everything.
                _written.Clear();
                _writtenAt.Clear();
                throw;
            }
        }
        var sequence = ++_sequence;
        foreach (var (table, chain) in delete)
        {
            // The deletion's sequence is kept too: a dump older than it must not "repair" the chain's absence.
            _written.Remove(table + "/" + chain);
            _writtenAt[table + "/" + chain] = sequence;
        }
        if (applied is not null)
        {
            foreach (var key in _writtenAt.Where(kv => kv.Value <= applied.Sequence && !_written.ContainsKey(kv.Key)).Select(kv => kv.Key).ToList())
            {
                _writtenAt.Remove(key);
            }
        }
        foreach (var chain in write.Values)
        {
            _written[chain.Key] = chain;
            _writtenAt[chain.Key] = sequence;
        }
        if (rewrite)
        {
            // Jump rules last: their targets exist now.
            await EnsureJumpsAsync(cancellationToken).ConfigureAwait(false);
        }
        else if (full && _check is null)
        {
            _check = CheckAsync(sequence, cancellationToken);
        }
        Interlocked.Increment(ref _syncs);
        var ports = _services.Values.SelectMany(s => s.Ports).ToList();
        var result = new SyncResult(ports, rewrite, write.Count, delete.Count, clock.Elapsed, Process.GetCurrentProcess().TotalProcessorTime - cpuBefore,
            repaired, applied?.Duration);
        LogSynced(logger, rewrite ? "full" : full ? "partial, drift check started" : "partial", ports.Count, write.Count, delete.Count, clock.Elapsed.TotalMilliseconds);
        if (repaired is > 0)
        {
            LogRepaired(logger, repaired.Value);
        }
        LogSyncDetail(logger, string.Join(",", write.Keys), string.Join(",", delete));
        Synced?.Invoke(result);
    }

    private List<string> TakeChanged()
    {
        var keys = _changed.Keys.ToList();
        foreach (var key in keys)
        {
            // Removed before the caches are read: a change after this marks the key again for the next sync.
            _changed.TryRemove(key, out _);
        }
        return keys;
    }

    private ServiceRules? Recompute(string key)
    {
        var (ns, name) = ObjectKeys.Split(key);
        var svc = lookup.GetService(ns ?? "", name);
        var ports = svc is null ? [] : ServiceModel.Build([svc], lookup.SlicesOf(ns ?? "", name), range);
        if (ports.Count == 0)
        {
            _services.Remove(key);
            return null;
        }
        var entry = new ServiceRules(ports, [.. ports.Select(rules.ForPort)]);
        _services[key] = entry;
        return entry;
    }

    private List<ServicePortRules> AllPortRules() => [.. _services.Values.SelectMany(s => s.Rules)];

    private Dictionary<string, ChainContent> Desired(IEnumerable<ChainContent> shared)
    {
        var desired = new Dictionary<string, ChainContent>(StringComparer.Ordinal);
        foreach (var chain in shared.Concat(_services.Values.SelectMany(s => s.Rules).SelectMany(r => r.Chains)))
        {
            desired[chain.Key] = chain;
        }
        return desired;
    }

    private bool Same(ChainContent chain) =>
        _written.TryGetValue(chain.Key, out var old) && old.Rules.SequenceEqual(chain.Rules, StringComparer.Ordinal);

    /// <summary>
    /// Adds to this sync the chains the dump shows differing from what was written before it, and deletes chains of ours
    /// the dump shows that should not exist. Chains written after the dump started are newer than it and are left alone.
    /// </summary>
    private int Repair(ChainSnapshot snapshot, Dictionary<string, ChainContent> desired, Dictionary<string, ChainContent> write, HashSet<(string Table, string Chain)> delete)
    {
        var repaired = 0;
        foreach (var chain in desired.Values)
        {
            if (write.ContainsKey(chain.Key) || _writtenAt.GetValueOrDefault(chain.Key) > snapshot.Sequence || snapshot.Matches(chain))
            {
                continue;
            }
            write[chain.Key] = chain;
            repaired++;
        }
        foreach (var key in snapshot.Keys)
        {
            if (!desired.ContainsKey(key) && _writtenAt.GetValueOrDefault(key) <= snapshot.Sequence && delete.Add(Split(key)))
            {
                repaired++;
            }
        }
        return repaired;
    }

    /// <summary>The periodic check, off the sync loop: bridge, route, route_localnet and jump rules, then a dump of our chains.</summary>
    private Task<ChainSnapshot?> CheckAsync(long sequence, CancellationToken cancellationToken) => Task.Run(async () =>
    {
        try
        {
            if (await bridge.EnsureAsync(cancellationToken).ConfigureAwait(false))
            {
                LogBridgeRepaired(logger);
            }
            await bridge.EnsureRouteLocalnetAsync(cancellationToken).ConfigureAwait(false);
            await EnsureJumpsAsync(cancellationToken).ConfigureAwait(false);
            return await DumpAsync(sequence, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HostCommandException or IOException or UnauthorizedAccessException)
        {
            LogCheckFailed(logger, ex.Message);
            return null;
        }
    }, cancellationToken);

    private async Task<ChainSnapshot> DumpAsync(long sequence, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var dumps = new List<(string, string)>();
        foreach (var table in Tables)
        {
            dumps.Add((table, await iptables.SaveAsync(table, cancellationToken).ConfigureAwait(false)));
        }
        return ChainSnapshot.Parse(sequence, dumps, rules.IsOurs).Timed(clock.Elapsed);
    }

    private async Task EnsureJumpsAsync(CancellationToken cancellationToken)
    {
        foreach (var jump in rules.JumpRules())
        {
            if (await iptables.EnsureAsync(jump, cancellationToken).ConfigureAwait(false))
            {
                LogJumpInserted(logger, jump.ToString());
            }
        }
    }

    private static (string Table, string Chain) Split(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return (key[..slash], key[(slash + 1)..]);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rewrote {Chains} chains that had been changed behind the proxy's back")]
    private static partial void LogRepaired(ILogger logger, int chains);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The periodic iptables check failed ({Reason}); the next one retries")]
    private static partial void LogCheckFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Trace, Message = "Sync wrote {Written}; deleted {Deleted}")]
    private static partial void LogSyncDetail(ILogger logger, string written, string deleted);

    [LoggerMessage(Level = LogLevel.Information, Message = "Inserted jump rule {Rule}")]
    private static partial void LogJumpInserted(ILogger logger, string rule);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The service bridge or its route was missing and has been restored")]
    private static partial void LogBridgeRepaired(ILogger logger);
}
